"""``lms backup OUTPUT.zip`` and ``lms restore INPUT.zip [--yes]``: portable logical backups (docs/backup.md)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from lms.core.backup import BATCH_SIZE, BackupError, create_backup, restore_backup


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@click.command("backup")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--batch-size", default=BATCH_SIZE, show_default=True, type=click.IntRange(1),
              help="Số dòng đọc mỗi lần (giới hạn bộ nhớ dùng).")
@with_appcontext
def backup_command(output: Path, batch_size: int) -> None:
    """Sao lưu toàn bộ cơ sở dữ liệu và thư mục tệp (instance/blobs) vào một tệp ZIP."""
    try:
        summary = create_backup(output, batch_size=batch_size)
    except BackupError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"Đã sao lưu {len(summary.tables)} bảng ({_number(summary.rows)} dòng) và {_number(summary.blobs)} tệp "
               f"vào {summary.path} (phiên bản cơ sở dữ liệu {summary.revision}).")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", "-y", is_flag=True, help="Ghi đè cả khi cơ sở dữ liệu đang có dữ liệu (xóa toàn bộ dữ liệu hiện có).")
@click.option("--batch-size", default=BATCH_SIZE, show_default=True, type=click.IntRange(1),
              help="Số dòng ghi mỗi lần.")
@with_appcontext
def restore_command(source: Path, yes: bool, batch_size: int) -> None:
    """Khôi phục cơ sở dữ liệu và thư mục tệp từ một bản sao lưu của `lms backup`.

    Cơ sở dữ liệu phải ở phiên bản mới nhất (`lms db upgrade`) và cùng phiên bản với bản sao lưu.
    Tất cả trong một giao dịch: lỗi ở bất kỳ bước nào thì không thay đổi gì.
    """
    try:
        summary = restore_backup(source, replace=yes, batch_size=batch_size)
    except BackupError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"Đã khôi phục {len(summary.tables)} bảng ({_number(summary.rows)} dòng) và {_number(summary.blobs)} tệp "
               f"từ {source} (sao lưu lúc {summary.created_at} trên {summary.dialect}).")
