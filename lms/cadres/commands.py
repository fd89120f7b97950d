"""``lms import-cadres FILE``: bulk import of cadres from the command line.

Exit codes: 0 every row imported; 1 some rows invalid (nothing imported, or with
``--skip-invalid`` only the valid rows); 2 the file could not be read or the usage was wrong.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from lms.core.clock import local_today
from lms.core.db import db
from lms.core.i18n import _, format_number

PROGRESS_THRESHOLD = 200  # rows; smaller files finish before a bar would be worth drawing


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date:
    if value is None:
        return local_today()
    from lms.cadres.importing import parse_date

    day = parse_date(value.strip())
    if day is None:
        raise click.BadParameter(f"“{value}” không phải ngày hợp lệ (ghi dd/mm/yyyy, ví dụ 01/07/2025).")
    from lms.cadres.operations import check_effective_on
    from lms.core.errors import ValidationError

    try:
        check_effective_on(day)
    except ValidationError as exc:
        raise click.BadParameter(f"{value}: {exc.errors['effective_on']}") from None
    return day


class _ProgressBar:
    """A ``progress(done, total)`` callback that draws a bar on stderr once the total is known."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=_("Đang ghi vào cơ sở dữ liệu"), file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@click.command("import-cadres")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Nhập các dòng hợp lệ, bỏ qua và báo các dòng lỗi.")
@click.option("--effective-date", "effective_on", callback=_parse_date, metavar="dd/mm/yyyy",
              help="Ngày có hiệu lực của việc vào đơn vị, chuyển đơn vị, đổi chức danh, chế độ hoặc trình độ (mặc định: hôm nay).")
@with_appcontext
def import_cadres_command(file: Path, skip_invalid: bool, effective_on: dt.date) -> None:
    """Nhập cán bộ từ tệp CSV hoặc XLSX (xem docs/cadre-import.md)."""
    from lms.cadres.importing import ImportFileError, import_cadres, read_file, read_limited

    # The command line has no request, hence no user or session to choose a language from.
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "vi")):
        try:
            with file.open("rb") as stream:
                rows = read_file(read_limited(stream))
        except FileNotFoundError:
            click.echo(_("Không tìm thấy tệp %(file)s.", file=str(file)), err=True)
            sys.exit(2)
        except OSError as exc:
            click.echo(_("Không mở được tệp %(file)s: %(reason)s.", file=str(file), reason=exc.strerror or str(exc)), err=True)
            sys.exit(2)
        except ImportFileError as exc:
            for message in exc.messages:
                click.echo(message, err=True)
            click.echo(_("Không có dòng nào được nhập."), err=True)
            sys.exit(2)

        bar = _ProgressBar() if len(rows) > PROGRESS_THRESHOLD else None
        try:
            report = import_cadres(rows, effective_on, skip_invalid=skip_invalid, progress=bar)
        finally:
            if bar is not None:
                bar.close()

        for error in report.errors:
            click.echo(str(error), err=True)
        if report.errors and not skip_invalid:
            db.session.rollback()
            click.echo(_("Không có dòng nào được nhập: %(n)s dòng có lỗi.", n=format_number(report.invalid_rows)), err=True)
            sys.exit(1)
        db.session.commit()
        click.echo(report.summary())
        if report.errors:
            click.echo(_("Đã bỏ qua %(n)s dòng có lỗi.", n=format_number(report.invalid_rows)), err=True)
            sys.exit(1)
