"""Trainers' authoring pages: courses, modules, versions, co-authors, assets, and the learner's-eye preview.

Views are thin: they check policy, validate forms, hand plain data to ``lms.courses.operations`` and map
its ``ValidationError`` back onto the form. A failed form re-renders with status 422, so the request's
transaction rolls back (``lms.core.web`` commits only below 400). Published versions are frozen: every
edit goes to the course's draft, which "Sửa" creates as a copy of the latest version.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError
from wtforms.widgets import CheckboxInput, ListWidget

from lms.accounts.models import ROLE_TRAINER, User
from lms.core.clock import local_date
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.forms import ActionForm, BaseForm, choices
from lms.core.i18n import _, _l, local_name
from lms.core.markdown import render
from lms.core.plugins import GROUP_CERTIFICATE_TEMPLATES, registry
from lms.core.policy import can, is_federation_admin, require
from lms.core.text import fold
from lms.courses import operations, storage
from lms.courses.models import (
    ARCHIVED, DRAFT, PUBLISHED, Asset, Course, CourseAuthor, CourseVersion, Enrolment, Module,
)
from lms.orgs.models import Track
from lms.quizzes import queries as quiz_queries
from lms.reports.exports import DATE, FORMATS, INT, Column, Table, export_response

bp = Blueprint("authoring", __name__, url_prefix="/author", template_folder="templates")

STATUS_LABELS = {DRAFT: _l("Bản nháp"), PUBLISHED: _l("Đã xuất bản"), ARCHIVED: _l("Phiên bản cũ")}
ASSET_REFERENCE = re.compile(r"assets/([A-Za-z0-9._-]+)")
_UNSAFE_FILENAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


# -- forms ---------------------------------------------------------------------------------------

class TrackChecksField(SelectMultipleField):
    """Tracks as checkboxes (the template draws them); none ticked means "for everyone"."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CourseForm(BaseForm):
    code = StringField(_l("Mã khóa học"), validators=[DataRequired(_l("Vui lòng nhập mã khóa học.")), Length(max=60)])
    title = StringField(_l("Tên khóa học"), validators=[DataRequired(_l("Vui lòng nhập tên khóa học.")), Length(max=300)])
    description = TextAreaField(_l("Giới thiệu"), validators=[Optional(), Length(max=5000)])
    tracks = TrackChecksField(_l("Dành cho khu vực"))

    def validate_code(self, field):
        """Checked with the other fields, so that a wrong code and a missing title are said at once."""
        problem = operations.code_problem(field.data)
        if problem:
            raise FieldError(problem)


class SettingsForm(BaseForm):
    title = StringField(_l("Tên khóa học"), validators=[DataRequired(_l("Vui lòng nhập tên khóa học.")), Length(max=300)])
    description = TextAreaField(_l("Giới thiệu"), validators=[Optional(), Length(max=5000)])
    tracks = TrackChecksField(_l("Dành cho khu vực"))
    reviewed_on = DateField(_l("Ngày rà soát nội dung"), validators=[Optional()])
    sources = TextAreaField(_l("Nguồn tham khảo"), validators=[Optional(), Length(max=10000)])
    certificate_template = SelectField(_l("Mẫu giấy chứng nhận"))
    certificate_hours = IntegerField(_l("Số giờ in trên giấy chứng nhận"), validators=[Optional(), NumberRange(1, 1000)])
    validity_months = IntegerField(_l("Thời hạn giấy chứng nhận (tháng; để trống nếu không có hạn)"),
                                   validators=[Optional(), NumberRange(1, 240)])

    def validate_sources(self, field):
        """A source line's address is checked with the other fields, so that every error shows at once."""
        try:
            parse_sources(field.data)
        except ValidationError as exc:
            raise FieldError(exc.errors["sources"]) from None


class ModuleForm(BaseForm):
    title = StringField(_l("Tên bài học"), validators=[DataRequired(_l("Vui lòng nhập tên bài học.")), Length(max=300)])
    duration_minutes = IntegerField(_l("Thời lượng (phút)"), default=10,
                                    validators=[InputRequired(_l("Vui lòng nhập thời lượng.")),
                                                NumberRange(1, 240, _l("Thời lượng phải từ 1 đến 240 phút."))])
    tracks = TrackChecksField(_l("Khu vực"))
    content = TextAreaField(_l("Nội dung (Markdown)"), validators=[Optional(), Length(max=200_000)])
    quiz = TextAreaField(_l("Bài kiểm tra cuối bài (GIFT hoặc Aiken)"), validators=[Optional(), Length(max=200_000)])
    pass_mark = IntegerField(_l("Điểm đạt (%)"), default=70,
                             validators=[Optional(), NumberRange(1, 100, _l("Điểm đạt phải là số phần trăm từ 1 đến 100."))])
    draws = TextAreaField(_l("Câu hỏi rút ngẫu nhiên (mỗi dòng: số câu rồi danh mục)"),
                          validators=[Optional(), Length(max=10_000)])
    save = SubmitField(_l("Lưu"))
    preview = SubmitField(_l("Xem trước"))


class AuthorForm(BaseForm):
    username = StringField(_l("Tên đăng nhập của giảng viên"),
                           validators=[DataRequired(_l("Vui lòng nhập tên đăng nhập.")), Length(max=80)])


class AssetForm(BaseForm):
    file = FileField(_l("Tệp ảnh hoặc PDF"), validators=[FileRequired(_l("Vui lòng chọn tệp."))])


class MoveForm(BaseForm):
    direction = SelectField(choices=choices([("up", "up"), ("down", "down")]))


# -- helpers -------------------------------------------------------------------------------------

def _course(course_id: int) -> Course:
    course = db.get_or_404(Course, course_id)
    require("courses.edit", course)
    return course


def _module(module_id: int) -> Module:
    module = db.get_or_404(Module, module_id)
    require("courses.edit", module.version.course)
    return module


def _tracks() -> list[Track]:
    return list(db.session.scalars(select(Track).order_by(Track.position)))


def _with_track_choices(form):
    form.tracks.choices = choices([(t.code, local_name(t)) for t in _tracks()])
    return form


def _working_version(course: Course) -> CourseVersion:
    """What authors work on: the draft if any, else the latest published version (else the latest)."""
    return operations.latest(course, DRAFT) or operations.latest(course, PUBLISHED) or operations.latest(course)


def asset_url_for(version: CourseVersion):
    return lambda filename: url_for("authoring.asset", version_id=version.id, filename=filename)


def _can_manage_authors(course: Course) -> bool:
    return can(current_user, "courses.manage_authors", course)


def _duration_warning(minutes: int | None) -> str | None:
    if minutes and minutes > operations.MAX_DURATION_WARNING:
        return _("Bài học dài %(n)s phút, quá %(max)s phút khuyến nghị: nên chia thành các bài ngắn hơn.",
                 n=minutes, max=operations.MAX_DURATION_WARNING)
    return None


def _missing_assets(content: str, version: CourseVersion) -> list[str]:
    """The files the Markdown names under assets/ that the version does not have, each with the uploaded
    file it most likely means (uploads are renamed: "Sơ đồ.png" is stored as "so-do.png")."""
    have = {a.filename for a in version.assets}
    by_key = {name.lower(): name for name in have}
    missing = []
    for name in sorted({name for name in ASSET_REFERENCE.findall(content or "") if name not in have}):
        meant = by_key.get(_clean_filename(name).lower())
        missing.append(_("%(name)s (tệp đã tải lên có tên %(have)s)", name=name, have=meant) if meant else name)
    return missing


def _clean_filename(name: str) -> str:
    """Vietnamese or spaced file names become ASCII ones that operations.add_asset accepts."""
    name = (name or "").strip().replace("\\", "/").rsplit("/", 1)[-1]
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        return name
    return _UNSAFE_FILENAME_CHARS.sub("-", fold(name)).strip("-.") or name


def parse_sources(text: str) -> list[dict]:
    """One source per line, "title | url"; a line that is only a URL is its own title."""
    sources = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        title, bar, url = line.rpartition("|")
        if not bar:
            title, url = (line, line) if line.startswith(("http://", "https://")) else (line, "")
        title, url = title.strip(), url.strip()
        if url and not url.startswith(("http://", "https://")):
            raise ValidationError({"sources": _("Dòng %(n)s: địa chỉ phải bắt đầu bằng http:// hoặc https://.", n=number)})
        sources.append({"title": title or url, "url": url})
    return sources


def format_sources(raw: str) -> str:
    try:
        items = json.loads(raw or "[]")
    except ValueError:
        return ""
    return "\n".join(f"{s.get('title', '')} | {s['url']}" if s.get("url") else s.get("title", "") for s in items)


# -- reads ---------------------------------------------------------------------------------------

@dataclass
class CourseRow:
    course: Course
    version: CourseVersion
    modules: int
    published_number: int | None


def editable_courses(user) -> list[CourseRow]:
    """The courses ``user`` may edit with their latest version and its module count: 3 queries."""
    query = select(Course).order_by(Course.code)
    if not is_federation_admin(user):
        co_authored = select(CourseAuthor.course_id).where(CourseAuthor.user_id == user.id)
        query = query.where(or_(Course.owner_id == user.id, Course.id.in_(co_authored)))
    courses = db.session.scalars(query).all()
    if not courses:
        return []
    versions = db.session.scalars(
        select(CourseVersion).where(CourseVersion.course_id.in_([c.id for c in courses]))
        .order_by(CourseVersion.number)
    ).all()
    latest: dict[int, CourseVersion] = {}
    published: dict[int, int] = {}
    for v in versions:
        latest[v.course_id] = v
        if v.status == PUBLISHED:
            published[v.course_id] = v.number
    counts = dict(db.session.execute(
        select(Module.version_id, func.count(Module.id))
        .where(Module.version_id.in_([v.id for v in latest.values()])).group_by(Module.version_id)
    ).all())
    return [CourseRow(c, latest[c.id], counts.get(latest[c.id].id, 0), published.get(c.id))
            for c in courses if c.id in latest]


def course_page(course: Course, version: CourseVersion) -> dict:
    modules = db.session.scalars(
        select(Module).options(selectinload(Module.tracks)).where(Module.version_id == version.id)
        .order_by(Module.position)
    ).all()
    versions = db.session.scalars(
        select(CourseVersion).where(CourseVersion.course_id == course.id).order_by(CourseVersion.number.desc())
    ).all()
    in_progress = dict(db.session.execute(
        select(Enrolment.version_id, func.count(Enrolment.id))
        .where(Enrolment.course_id == course.id, Enrolment.completed_at.is_(None)).group_by(Enrolment.version_id)
    ).all())
    published = next((v for v in versions if v.status == PUBLISHED), None)
    behind = sum(n for vid, n in in_progress.items() if published is not None and vid != published.id)
    authors = db.session.scalars(
        select(CourseAuthor).options(selectinload(CourseAuthor.user)).where(CourseAuthor.course_id == course.id)
    ).all()
    assets = db.session.scalars(
        select(Asset).where(Asset.version_id == version.id).order_by(Asset.filename)
    ).all()
    return {
        "modules": modules, "versions": versions, "in_progress": in_progress, "published": published,
        "behind": behind, "authors": sorted(authors, key=lambda a: a.user.username), "assets": assets,
        "snippets": {a.id: _snippet(a) for a in assets}, "minutes": sum(m.duration_minutes for m in modules),
    }


# -- pages ---------------------------------------------------------------------------------------

def _render_index(form: CourseForm, status: int = 200):
    return render_template(
        "courses/authoring_index.html", rows=editable_courses(current_user), form=form, labels=STATUS_LABELS,
    ), status


@bp.route("/")
@login_required
def index():
    require("courses.author")
    return _render_index(_with_track_choices(CourseForm()))


@bp.route("/new", methods=["POST"])
@login_required
def create():
    require("courses.author")
    form = _with_track_choices(CourseForm())
    if form.validate_on_submit():
        meta = operations.CourseMeta(title=form.title.data, description=form.description.data or "",
                                     track_codes=list(form.tracks.data or []))
        try:
            course = operations.create_course(form.code.data, meta, current_user)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã tạo khóa học %(code)s. Hãy thêm bài học.", code=course.code), "success")
            return redirect(url_for(".course", course_id=course.id))
    return _render_index(form, 422)


def _render_course(course: Course, status: int = 200, *, author_form=None, asset_form=None, errors=()):
    version = _working_version(course)
    return render_template(
        "courses/authoring_course.html", course=course, version=version, page=course_page(course, version),
        tracks=_tracks(), labels=STATUS_LABELS, limit=operations.MAX_DURATION_WARNING,
        author_form=author_form or AuthorForm(prefix="author"), asset_form=asset_form or AssetForm(prefix="asset"),
        can_manage_authors=_can_manage_authors(course), errors=list(errors),
    ), status


@bp.route("/courses/<int:course_id>")
@login_required
def course(course_id: int):
    return _render_course(_course(course_id))


def _one_button(course: Course, run):
    """A one-button POST: CSRF checked by the empty form, then ``run()`` → flash + redirect, or 422."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        message, category = run()
    except ValidationError as exc:
        return _render_course(course, 422, errors=exc.errors.values())
    if message:
        flash(message, category)
    return redirect(url_for(".course", course_id=course.id))


@bp.route("/courses/<int:course_id>/draft", methods=["POST"])
@login_required
def start_draft(course_id: int):
    course = _course(course_id)

    def run():
        had_draft = operations.latest(course, DRAFT) is not None
        draft = operations.draft_of(course)
        if had_draft:
            return _("Khóa học đã có bản nháp (phiên bản %(n)s).", n=draft.number), "info"
        return _("Đã tạo bản nháp phiên bản %(n)s. Học viên vẫn học phiên bản đã xuất bản cho đến khi bạn xuất bản bản nháp.",
                 n=draft.number), "success"

    return _one_button(course, run)


@bp.route("/courses/<int:course_id>/publish", methods=["POST"])
@login_required
def publish(course_id: int):
    course = _course(course_id)

    def run():
        draft = operations.latest(course, DRAFT)
        if draft is None:
            raise ValidationError(_("Không có bản nháp để xuất bản."))
        operations.publish(draft)
        return _("Đã xuất bản phiên bản %(n)s.", n=draft.number), "success"

    return _one_button(course, run)


@bp.route("/courses/<int:course_id>/move-learners", methods=["POST"])
@login_required
def move_learners(course_id: int):
    course = _course(course_id)

    def run():
        moved = operations.move_learners(course)
        return _("Đã chuyển %(n)s học viên sang phiên bản mới.", n=moved), "success"

    return _one_button(course, run)


@bp.route("/courses/<int:course_id>/settings", methods=["GET", "POST"])
@login_required
def settings(course_id: int):
    course = _course(course_id)
    version = _working_version(course)
    if request.method == "GET" and not version.is_draft:
        flash(_("Phiên bản đã xuất bản không sửa được. Bấm \"Sửa\" để tạo bản nháp."), "info")
        return redirect(url_for(".course", course_id=course.id))
    form = SettingsForm(
        title=version.title, description=version.description, tracks=version.track_codes.split(),
        reviewed_on=version.reviewed_on, sources=format_sources(version.sources),
        certificate_template=course.certificate_template, certificate_hours=course.certificate_hours,
        validity_months=course.validity_months,
    )
    _with_track_choices(form)
    templates = registry(current_app, GROUP_CERTIFICATE_TEMPLATES)
    form.certificate_template.choices = choices(
        [(t.name, t.metadata().title) for t in templates]
    )
    if form.validate_on_submit():
        try:
            meta = operations.CourseMeta(
                title=form.title.data, description=form.description.data or "",
                track_codes=list(form.tracks.data or []), reviewed_on=form.reviewed_on.data,
                sources=parse_sources(form.sources.data),
            )
            operations.update_meta(version, meta)
            operations.set_certificate_options(course, form.certificate_template.data, form.certificate_hours.data,
                                               form.validity_months.data)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã lưu thông tin khóa học."), "success")
            return redirect(url_for(".course", course_id=course.id))
    status = 422 if request.method == "POST" else 200
    return render_template("courses/authoring_settings.html", course=course, version=version, form=form), status


def _module_data(form: ModuleForm) -> operations.ModuleData:
    return operations.ModuleData(
        title=form.title.data or "", content=form.content.data or "", duration_minutes=form.duration_minutes.data,
        track_codes=list(form.tracks.data or []),
        quiz=(form.quiz.data or "") if "quiz" in request.form else None,  # absent: left as it is
        pass_mark=form.pass_mark.data or 70,
        draws=(form.draws.data or "") if "draws" in request.form else None,
    )


def _checked_typed_quiz(form: ModuleForm, version: CourseVersion, module: Module | None):
    """The typed quiz file checked as saving checks it, its problems put on the form's fields (so that
    they show with the other fields' errors): a transient source, or None. Nothing is written."""
    if form.pass_mark.errors:
        return None
    try:
        return operations.check_quiz(version, _module_data(form), module)
    except ValidationError as exc:
        exc.apply_to(form)
        return None


def _typed_quiz_preview(form: ModuleForm, course: Course, version: CourseVersion, module: Module | None):
    """The typed quiz as its learners will get it (its problems go on the form's fields)."""
    source = _checked_typed_quiz(form, version, module)
    if source is None:
        return None
    quiz = quiz_queries.quiz_of_module(module.id) if module is not None else None
    return quiz_queries.source_preview(source, course.code, seed=module.id if module is not None else 0,
                                       shuffle=quiz.shuffle_options if quiz is not None else None)


def _module_form_page(course: Course, version: CourseVersion, form: ModuleForm, module: Module | None):
    """GET shows the form; "Xem trước" renders the typed Markdown and quiz without saving; "Lưu" saves."""
    preview_html = quiz_preview = None
    missing_assets: list[str] = []
    status = 200
    if request.method == "POST":
        if form.preview.data:
            form.validate()  # show field errors too, but never save on a preview
            preview_html = render(form.content.data or "", asset_url_for(version))
            missing_assets = _missing_assets(form.content.data, version)
            quiz_preview = _typed_quiz_preview(form, course, version, module)
        elif form.validate_on_submit():
            data = _module_data(form)
            try:
                saved = operations.update_module(module, data) if module else operations.add_module(version, data)
            except ValidationError as exc:
                exc.apply_to(form)
            else:
                flash(_("Đã lưu bài học %(title)s.", title=saved.title), "success")
                warning = _duration_warning(saved.duration_minutes)
                if warning:
                    flash(warning, "warning")
                missing = _missing_assets(saved.content, version)
                if missing:
                    flash(_("Nội dung dẫn tới tệp chưa tải lên: %(names)s.", names=", ".join(missing)), "warning")
                return redirect(url_for(".course", course_id=course.id) + f"#module-{saved.id}")
            status = 422
        else:
            _checked_typed_quiz(form, version, module)  # the quiz's mistakes with the other fields' errors
            status = 422
    return render_template(
        "courses/authoring_module.html", course=course, version=version, module=module, form=form,
        preview_html=preview_html, quiz_preview=quiz_preview, missing_assets=missing_assets,
        duration_warning=None if form.duration_minutes.errors else _duration_warning(form.duration_minutes.data),
        limit=operations.MAX_DURATION_WARNING, assets=version.assets, categories=quiz_queries.category_sizes(course),
    ), status


@bp.route("/courses/<int:course_id>/modules/new", methods=["GET", "POST"])
@login_required
def new_module(course_id: int):
    course = _course(course_id)
    version = _working_version(course)
    if request.method == "GET" and not version.is_draft:
        flash(_("Phiên bản đã xuất bản không sửa được. Bấm \"Sửa\" để tạo bản nháp."), "info")
        return redirect(url_for(".course", course_id=course.id))
    form = _with_track_choices(ModuleForm())
    return _module_form_page(course, version, form, None)


@bp.route("/modules/<int:module_id>/edit", methods=["GET", "POST"])
@login_required
def edit_module(module_id: int):
    module = _module(module_id)
    version, course = module.version, module.version.course
    if request.method == "GET" and not version.is_draft:
        draft = operations.latest(course, DRAFT)
        same = next((m for m in draft.modules if m.key == module.key), None) if draft else None
        if same is not None:
            return redirect(url_for(".edit_module", module_id=same.id))
        flash(_("Phiên bản đã xuất bản không sửa được. Bấm \"Sửa\" để tạo bản nháp."), "info")
        return redirect(url_for(".course", course_id=course.id))
    source = module.quiz_source
    form = ModuleForm(title=module.title, duration_minutes=module.duration_minutes,
                      tracks=[t.code for t in module.tracks], content=module.content,
                      quiz=source.text if source else "", pass_mark=source.pass_mark if source else 70,
                      draws=source.draws if source else "")
    _with_track_choices(form)
    return _module_form_page(course, version, form, module)


@bp.route("/modules/<int:module_id>/move", methods=["POST"])
@login_required
def move_module(module_id: int):
    module = _module(module_id)
    course = module.version.course
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        operations.move_module(module, -1 if form.direction.data == "up" else 1)
    except ValidationError as exc:
        return _render_course(course, 422, errors=exc.errors.values())
    return redirect(url_for(".course", course_id=course.id) + f"#module-{module.id}")


@bp.route("/modules/<int:module_id>/delete", methods=["POST"])
@login_required
def delete_module(module_id: int):
    module = _module(module_id)
    course = module.version.course

    def run():
        title = module.title
        operations.delete_module(module)
        return _("Đã xóa bài học %(title)s.", title=title), "success"

    return _one_button(course, run)


@bp.route("/courses/<int:course_id>/authors", methods=["POST"])
@login_required
def add_author(course_id: int):
    course = _course(course_id)
    form = AuthorForm(prefix="author")
    if form.validate_on_submit():
        try:
            user = db.session.scalar(select(User).where(User.username == form.username.data.strip().lower()))
            if user is None:
                raise ValidationError({"username": _("Không có tài khoản %(name)s.", name=form.username.data)})
            if user.role != ROLE_TRAINER:
                raise ValidationError({"username": _("Chỉ thêm được tài khoản giảng viên làm giảng viên đồng soạn.")})
            if user.id == course.owner_id or any(a.user_id == user.id for a in course.authors):
                raise ValidationError({"username": _("%(name)s đã soạn khóa học này.", name=user.username)})
            operations.set_authors(course, [a.user for a in course.authors] + [user])
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã thêm giảng viên đồng soạn %(name)s.", name=user.username), "success")
            return redirect(url_for(".course", course_id=course.id) + "#authors")
    return _render_course(course, 422, author_form=form)


@bp.route("/courses/<int:course_id>/authors/<int:user_id>/remove", methods=["POST"])
@login_required
def remove_author(course_id: int, user_id: int):
    course = _course(course_id)
    if not _can_manage_authors(course):
        abort(403)
    if not any(a.user_id == user_id for a in course.authors):
        abort(404)

    def run():
        operations.set_authors(course, [a.user for a in course.authors if a.user_id != user_id])
        return _("Đã bỏ giảng viên đồng soạn."), "success"

    return _one_button(course, run)


@bp.route("/courses/<int:course_id>/assets", methods=["POST"])
@login_required
def upload_asset(course_id: int):
    course = _course(course_id)
    form = AssetForm(prefix="asset")
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(storage.MAX_ASSET_BYTES + 1)
        try:
            asset = operations.add_asset(_working_version(course), _clean_filename(upload.filename), data)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã tải lên %(name)s. Chèn vào bài học bằng: %(snippet)s", name=asset.filename,
                    snippet=_snippet(asset)), "success")
            return redirect(url_for(".course", course_id=course.id) + "#assets")
    return _render_course(course, 422, asset_form=form)


def _snippet(asset: Asset) -> str:
    if asset.mime in storage.IMAGE_TYPES:
        alt = _("mô tả")  # outside the f-string: the message extractor does not look inside one
        return f"![{alt}](assets/{asset.filename})"
    return f"[{asset.filename}](assets/{asset.filename})"


@bp.route("/courses/<int:course_id>/preview")
@login_required
def preview(course_id: int):
    """The course as a learner of ``?track=`` sees it (no track: common modules only), draft first."""
    from lms.courses import queries

    course = _course(course_id)
    tracks = _tracks()
    code = request.args.get("track") or None
    track = None
    if code is not None:
        track = next((t for t in tracks if t.code == code), None)
        if track is None:
            abort(404)
    version = _working_version(course)
    outline = queries.outline(course, None, version=version, track=track)
    key = request.args.get("module")
    module = None
    if key:
        module = next((m for m in outline.modules if m.key == key), None)
        if module is None:
            abort(404)
    elif outline.modules:
        module = outline.modules[0]
    return render_template(
        "courses/authoring_preview.html", course=course, version=version, outline=outline, track=track,
        tracks=tracks, module=module, content=render(module.content, asset_url_for(version)) if module else None,
        next_module=outline.next_after(module) if module else None,
        previous_module=outline.previous_before(module) if module else None, labels=STATUS_LABELS,
        quiz_preview=quiz_queries.quiz_preview(module.id, course.code) if module and module.has_quiz else None,
    )


@bp.route("/versions/<int:version_id>/assets/<path:filename>")
@login_required
def asset(version_id: int, filename: str):
    """An asset of a version, for authors and learners alike. Content-addressed, never sniffed or run."""
    version = db.get_or_404(CourseVersion, version_id)
    require("courses.view_version", version)
    item = db.session.scalar(select(Asset).where(Asset.version_id == version.id, Asset.filename == filename))
    if item is None:
        abort(404)
    try:
        data = storage.read(item.blob)
    except FileNotFoundError:
        abort(404)
    response = make_response(data)
    response.mimetype = item.mime
    disposition = "inline" if item.mime in storage.IMAGE_TYPES else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{item.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.set_etag(item.blob.sha256)
    if version.is_draft:
        # A draft's file may be replaced under the same name: revalidate (cheap, by ETag) every time.
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        # A published version is frozen and the bytes are content-addressed: they never change.
        response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response.make_conditional(request)


LEARNER_STATUS_LABELS = {"": _l("Tất cả"), "learning": _l("Đang học"), "completed": _l("Đã hoàn thành")}


def learners_table(course: Course, rows) -> Table:
    """The learners as a table of the reports' exports (CSV/XLSX): every row matching the filters."""
    columns = [Column(_("Họ và tên")), Column(_("Mã cán bộ")), Column(_("Đơn vị")), Column(_("Khu vực")),
               Column(_("Phiên bản"), INT), Column(_("Bài học đã xong"), INT), Column(_("Số bài học"), INT),
               Column(_("Ghi danh"), DATE), Column(_("Lần học gần nhất"), DATE), Column(_("Hoàn thành"), DATE)]
    table = Table("hoc-vien", course.code, columns)
    for row in rows:
        cadre, enrolment = row.cadre, row.enrolment
        table.rows.append([
            cadre.full_name, cadre.code, cadre.unit.name if cadre.unit else "", local_name(cadre.track) if cadre.track else "",
            enrolment.version.number, row.done, row.modules, local_date(enrolment.enrolled_at),
            local_date(enrolment.last_seen_at), local_date(enrolment.completed_at)])
    return table


@bp.route("/courses/<int:course_id>/learners")
@login_required
def learners(course_id: int):
    """Who is taking the course and how far each one is, for its editors; ``?format=csv|xlsx`` downloads it."""
    from lms.courses import queries

    course = _course(course_id)
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    if status not in LEARNER_STATUS_LABELS:
        status = ""
    fmt = request.args.get("format")
    if fmt is not None:
        if fmt not in FORMATS:
            abort(404)
        found, _summary = queries.course_learners(course, q, status, per_page=None)
        return export_response(learners_table(course, found.items), fmt, course.code.lower())
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found, summary = queries.course_learners(course, q, status, page)
    return render_template("courses/authoring_learners.html", course=course, page=found, summary=summary,
                           q=q, status=status, statuses=LEARNER_STATUS_LABELS)
