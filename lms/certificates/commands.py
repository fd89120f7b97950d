"""``lms certificates export [--unit CODE] [--course CODE] [--class ID] [--year Y] [--search TEXT] OUTPUT.zip``.

The same stored ZIP the register's download makes, written to a file with a progress bar. The
command line is trusted (it runs on the server), so the whole register is in scope.
Exit codes: 0 done; 1 a stored PDF is missing or the file cannot be written; 2 an unknown unit or course.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.i18n import _
from lms.core.text import nfc


@click.group("certificates")
def certificates_group() -> None:
    """Giấy chứng nhận: xuất hàng loạt."""


@certificates_group.command("export")
@click.argument("output", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--unit", "unit_code", help="Mã đơn vị: các giấy của cán bộ thuộc đơn vị này và các đơn vị trực thuộc.")
@click.option("--course", "course_code", help="Mã khóa học.")
@click.option("--class", "class_id", type=int, help="Mã số (id) lớp tập huấn.")
@click.option("--year", type=int, help="Năm cấp.")
@click.option("--search", default="", help="Họ tên, mã cán bộ hoặc số hiệu (như ô tìm kiếm của sổ cấp), ví dụ 30/2026.")
@with_appcontext
def export_command(output: Path, unit_code: str | None, course_code: str | None, class_id: int | None,
                   year: int | None, search: str) -> None:
    """Ghi các giấy chứng nhận đang có hiệu lực vào một tệp ZIP."""
    from lms.certificates import queries
    from lms.courses.models import Course
    from lms.orgs.models import Unit

    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "vi")):
        filters = queries.Filters(year=year, class_id=class_id, q=nfc(search))
        if unit_code:
            filters.unit = db.session.scalar(select(Unit).where(Unit.code == unit_code.strip().upper()))
            if filters.unit is None:
                click.echo(_("Không có đơn vị mã %(code)s.", code=unit_code), err=True)
                sys.exit(2)
        if course_code:
            course = db.session.scalar(select(Course).where(Course.code == course_code.strip().upper()))
            if course is None:
                click.echo(_("Không có khóa học mã %(code)s.", code=course_code), err=True)
                sys.exit(2)
            filters.course_id = course.id
        items = queries.export_items(None, filters)
        try:
            entries = queries.export_entries(items)
        except ValidationError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        size = queries.zip_size((i.filename, i.size) for i in items)
        click.echo(_("%(n)s giấy chứng nhận, %(mb)s MB → %(path)s", n=len(items),
                     mb=f"{size / 1048576:.1f}".replace(".", ","), path=output), err=True)
        partial = output.with_name(output.name + ".partial")
        try:
            with partial.open("wb") as fh, click.progressbar(length=len(items), label=_("Đang ghi"),
                                                              file=sys.stderr) as bar:
                for chunk in queries.zip_stream(entries, on_entry=lambda name: bar.update(1)):
                    fh.write(chunk)
            os.replace(partial, output)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            click.echo(_("Không ghi được tệp %(path)s: %(error)s", path=output, error=exc.strerror or exc), err=True)
            sys.exit(1)
        click.echo(_("Đã ghi %(path)s.", path=output))
