"""``lms import-course PATH`` and ``lms export-course CODE PATH``: course packages on the command line.

Exit codes: 0 done; 1 the package has errors (nothing written), the course or version does not
exist, or the target folder is not empty; 2 wrong usage (unknown user, missing path).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from lms.core.db import db
from lms.core.i18n import _

# Files export-course --force may replace or remove in the target folder: only package files.
_PACKAGE_SUFFIXES = {".yaml", ".md", ".gift", ".aiken", ".txt"}


def _locale():
    # The command line has no request, hence no user or session to choose a language from.
    return force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "vi"))


@click.command("import-course")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--draft", is_flag=True, help="Giữ phiên bản mới là bản nháp, không xuất bản.")
@click.option("--as", "username", metavar="USERNAME",
              help="Nhập với tư cách tài khoản này (kiểm tra quyền; là người tạo khóa học mới).")
@with_appcontext
def import_course_command(path: Path, draft: bool, username: str | None) -> None:
    """Nhập gói khóa học từ thư mục hoặc tệp .zip (xem courses/README.md)."""
    from lms.accounts.models import User
    from lms.courses.package import PackageError, read_package, read_zip
    from lms.courses.packaging import PackageUnchanged, import_package

    with _locale():
        actor = None
        if username:
            actor = db.session.scalar(select(User).where(User.username == username))
            if actor is None:
                click.echo(_("Không có tài khoản %(name)s.", name=username), err=True)
                sys.exit(2)
        try:
            if path.is_dir():
                pkg = read_package(path)
            else:
                pkg = read_zip(path.read_bytes())
            for warning in pkg.warnings:
                click.echo(str(warning), err=True)
            version = import_package(pkg, actor, draft=draft)
        except PackageUnchanged as same:
            click.echo(_("Khóa học %(code)s không có gì thay đổi so với phiên bản %(n)s đã xuất bản: không tạo phiên bản mới.",
                         code=same.version.course.code, n=same.version.number))
            return
        except PackageError as exc:
            db.session.rollback()
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(_("Không nhập được: %(n)s lỗi, không có gì được ghi.", n=len(exc.errors)), err=True)
            sys.exit(1)
        db.session.commit()
        state = _("bản nháp") if version.is_draft else _("đã xuất bản")
        click.echo(_("Đã nhập khóa học %(code)s, phiên bản %(n)s (%(state)s).",
                     code=version.course.code, n=version.number, state=state))


@click.command("export-course")
@click.argument("code")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@click.option("--draft", is_flag=True, help="Xuất bản nháp thay vì phiên bản đã xuất bản mới nhất.")
@click.option("--force", is_flag=True, help="Ghi vào thư mục đã có tệp (thay các tệp của gói, xóa tệp gói thừa).")
@with_appcontext
def export_course_command(code: str, path: Path, draft: bool, force: bool) -> None:
    """Xuất một khóa học thành thư mục gói (course.yaml, bài học, bài kiểm tra, assets/)."""
    from lms.courses.models import DRAFT, PUBLISHED, Course
    from lms.courses.operations import latest
    from lms.courses.package import write_package

    with _locale():
        course = db.session.scalar(select(Course).where(Course.code == code.strip().upper()))
        if course is None:
            click.echo(_("Không có khóa học mã %(code)s.", code=code), err=True)
            sys.exit(1)
        version = latest(course, DRAFT if draft else PUBLISHED)
        if version is None:
            click.echo(_("Khóa học %(code)s chưa có bản nháp.", code=course.code) if draft else
                       _("Khóa học %(code)s chưa có phiên bản đã xuất bản (dùng --draft để xuất bản nháp).",
                         code=course.code), err=True)
            sys.exit(1)
        if path.exists() and any(path.iterdir()) and not force:
            click.echo(_("Thư mục %(path)s đã có tệp; dùng --force để ghi đè.", path=str(path)), err=True)
            sys.exit(1)
        path.mkdir(parents=True, exist_ok=True)
        written = set(write_package(version, path))
        if force:
            _remove_stale(path, written)
        click.echo(_("Đã xuất khóa học %(code)s, phiên bản %(n)s, vào %(path)s (%(files)s tệp).",
                     code=course.code, n=version.number, path=str(path), files=len(written)))


def _remove_stale(path: Path, written: set[str]) -> None:
    """After --force: remove package files of an earlier export that this version no longer has."""
    candidates = [p for p in path.iterdir() if p.is_file() and p.suffix.lower() in _PACKAGE_SUFFIXES]
    assets = path / "assets"
    if assets.is_dir() and not assets.is_symlink():
        candidates += [p for p in assets.iterdir() if p.is_file()]
    for file in candidates:
        if file.relative_to(path).as_posix() not in written:
            file.unlink()
