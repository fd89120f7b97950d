"""Writes for course packages: a validated package becomes a new course, or a new version of one.

Callers commit (or roll back); the work happens inside a savepoint, so a failure half-way leaves
the session as it was. Reading and validating packages is :mod:`lms.courses.package`.
"""
from __future__ import annotations

from sqlalchemy import select

from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.i18n import _
from lms.core.policy import can
from lms.courses import operations
from lms.courses.models import DRAFT, PUBLISHED, Course, CourseVersion, ModuleQuizSource
from lms.courses.package import (
    MANIFEST, Package, PackageError, PackagePermissionError, Problem, package_files, package_of,
)


class PackageUnchanged(Exception):
    """The package is the latest published version file for file: nothing was written."""

    def __init__(self, version: CourseVersion):
        super().__init__(f"{version.course.code}: unchanged since version {version.number}")
        self.version = version


def import_package(pkg: Package, actor, draft: bool = False) -> CourseVersion:
    """Create the course of ``pkg`` (owned by ``actor``), or a new version when its code exists.

    An existing course gets its draft (made from the latest version when there is none; an
    existing draft is replaced) filled with the package's meta data, modules, quizzes and assets,
    then published unless ``draft``. ``actor`` None means the server operator (command line
    without ``--as``): no permission check, and a new course has no owner.
    Raises :class:`PackagePermissionError` or :class:`PackageError`; nothing is changed then. Raises
    :class:`PackageUnchanged` when ``pkg`` is, file for file, the latest published version: the same
    folder imported again (at every deployment, say) publishes no copy of what learners already have.
    """
    course = db.session.scalar(select(Course).where(Course.code == pkg.code))
    if actor is not None:
        allowed = can(actor, "courses.author") if course is None else can(actor, "courses.edit", course)
        if not allowed:
            raise PackagePermissionError([Problem(MANIFEST, None, _(
                "bạn không có quyền sửa khóa học %(code)s (chỉ người tạo, đồng tác giả và quản trị Liên đoàn)", code=pkg.code)
                if course is not None else _("bạn không có quyền tạo khóa học"))])
    if course is not None and not draft:
        published = operations.latest(course, PUBLISHED)
        if published is not None and package_files(pkg) == package_files(package_of(published)):
            raise PackageUnchanged(published)
    meta = operations.CourseMeta(
        title=pkg.title, description=pkg.description, track_codes=list(pkg.track_codes),
        reviewed_on=pkg.reviewed, sources=[dict(s) for s in pkg.sources],
    )
    try:
        with db.session.begin_nested():
            if course is None:
                course = operations.create_course(pkg.code, meta, actor)
                version = operations.latest(course, DRAFT)
            else:
                version = operations.draft_of(course)
                operations.update_meta(version, meta)
                _empty(version)
            course.is_open = pkg.is_open
            for item in pkg.modules:
                module = operations.add_module(version, operations.ModuleData(
                    title=item.title, content=item.content, duration_minutes=item.duration,
                    track_codes=list(item.track_codes), key=item.key,
                ))
                if item.quiz_file:
                    db.session.add(ModuleQuizSource(
                        module_id=module.id, filename=item.quiz_file, format=item.quiz_format,
                        text=item.quiz_text or "", pass_mark=item.pass_mark, draws=item.draws,
                    ))
            for filename, data in pkg.assets.items():
                operations.add_asset(version, filename, data)
            db.session.flush()
            db.session.expire(version, ["modules", "assets"])
            if not draft:
                operations.publish(version)
    except ValidationError as exc:
        raise PackageError([Problem(MANIFEST, None, message) for message in exc.errors.values()]) from exc
    return version


def _empty(version: CourseVersion) -> None:
    """Remove the draft's modules (with their quizzes) and assets, to be replaced by the package's."""
    for module in list(version.modules):
        db.session.delete(module)
    for asset in list(version.assets):
        db.session.delete(asset)
    db.session.flush()
    db.session.expire(version, ["modules", "assets"])


def copy_quiz_source(old_module, new_module) -> None:
    """Copy hook for new drafts: the module's quiz file travels with it."""
    source = db.session.scalar(select(ModuleQuizSource).where(ModuleQuizSource.module_id == old_module.id))
    if source is not None:
        db.session.add(ModuleQuizSource(
            module_id=new_module.id, filename=source.filename, format=source.format,
            text=source.text, pass_mark=source.pass_mark, draws=source.draws,
        ))


# The quiz engine imports this module first and then wraps this hook with its own (lms.quizzes.operations).
if "module" not in operations._copy_hooks:
    operations.register_copy_hook("module", copy_quiz_source)
