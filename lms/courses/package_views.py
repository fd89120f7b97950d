"""Course packages in the browser: upload a ZIP to create or update a course, download one as a ZIP."""
from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import or_, select
from wtforms import BooleanField

from lms.core.db import db
from lms.core.forms import BaseForm
from lms.core.i18n import _, _l
from lms.core.policy import is_federation_admin, require
from lms.courses.models import DRAFT, PUBLISHED, Course, CourseAuthor, CourseVersion
from lms.courses.package import PackageError, PackagePermissionError, package_zip, read_zip
from lms.courses.packaging import PackageUnchanged, import_package

bp = Blueprint("packages", __name__, url_prefix="/author/packages", template_folder="templates")


class PackageUploadForm(BaseForm):
    file = FileField(_l("Tệp ZIP của gói khóa học"), validators=[FileRequired(_l("Vui lòng chọn tệp ZIP để nhập."))])
    draft = BooleanField(_l("Giữ là bản nháp (không xuất bản ngay)"))


def _editable_courses() -> list[tuple[Course, CourseVersion | None, CourseVersion | None]]:
    """(course, latest published, draft) for each course the user may edit, in two queries."""
    query = select(Course).order_by(Course.code)
    if not is_federation_admin(current_user):
        co_authored = select(CourseAuthor.course_id).where(CourseAuthor.user_id == current_user.id)
        query = query.where(or_(Course.owner_id == current_user.id, Course.id.in_(co_authored)))
    courses = db.session.scalars(query).all()
    if not courses:
        return []
    versions = db.session.scalars(
        select(CourseVersion).where(CourseVersion.course_id.in_([c.id for c in courses]),
                                    CourseVersion.status.in_([PUBLISHED, DRAFT]))
    ).all()
    published = {v.course_id: v for v in versions if v.status == PUBLISHED}
    drafts = {v.course_id: v for v in versions if v.status == DRAFT}
    return [(c, published.get(c.id), drafts.get(c.id)) for c in courses]


def _render(form, status=200, **context):
    return render_template("courses/package_import.html", form=form, courses=_editable_courses(), **context), status


@bp.route("/import", methods=["GET", "POST"])
@login_required
def upload():
    """Upload a package ZIP: every problem is listed with its file and line, and nothing is written
    (the 4xx status rolls the request back); a valid package creates the course or a new version."""
    require("courses.author")
    form = PackageUploadForm()
    if not form.validate_on_submit():
        return _render(form, 422 if form.is_submitted() else 200)
    filename = form.file.data.filename or ""
    try:
        pkg = read_zip(form.file.data.stream.read())
        version = import_package(pkg, current_user, draft=form.draft.data)
    except PackageUnchanged as same:
        flash(_("Khóa học %(code)s không có gì thay đổi so với phiên bản %(n)s đã xuất bản: không tạo phiên bản mới.",
                code=same.version.course.code, n=same.version.number), "info")
        return redirect(url_for("authoring.course", course_id=same.version.course_id)
                        if "authoring" in current_app.blueprints else url_for("packages.upload"))
    except PackagePermissionError as exc:
        return _render(form, 403, problems=exc.problems, filename=filename)
    except PackageError as exc:
        return _render(form, 422, problems=exc.problems, filename=filename)
    state = _("bản nháp") if version.is_draft else _("đã xuất bản")
    flash(_("Đã nhập khóa học %(code)s, phiên bản %(n)s (%(state)s).",
            code=version.course.code, n=version.number, state=state), "success")
    for warning in pkg.warnings:
        flash(str(warning), "warning")
    if "authoring" in current_app.blueprints:
        return redirect(url_for("authoring.course", course_id=version.course_id))
    return redirect(url_for("packages.upload"))


@bp.route("/<int:course_id>/package.zip")
@login_required
def download(course_id: int):
    """The package of the latest published version (``?version=draft``: the draft) as ``<CODE>.zip``."""
    from lms.courses.operations import latest

    course = db.session.get(Course, course_id) or abort(404)
    require("courses.edit", course)
    version = latest(course, DRAFT if request.args.get("version") == "draft" else PUBLISHED)
    if version is None:
        abort(404)
    return send_file(io.BytesIO(package_zip(version)), mimetype="application/zip", as_attachment=True,
                     download_name=f"{course.code}.zip", max_age=0)
