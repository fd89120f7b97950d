"""Certificate pages: the cadre's list and downloads, the register (revoke, re-issue, issue by hand),
bulk ZIP downloads, the settings page, and the public verification pages."""
from __future__ import annotations

import io
import re
import threading
import time

from flask import (
    Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.cadres.models import Cadre, cadre_code
from lms.certificates import listeners  # noqa: F401  (registers issuing at course completion)
from lms.certificates import operations, queries
from lms.certificates.forms import ClassIssueForm, IssueForm, LookupForm, ReissueForm, RevokeForm, SettingsForm
from lms.certificates.models import REPLACED, REVOKED, VALID, Certificate
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.forms import choices
from lms.core.i18n import _
from lms.core.policy import can, require
from lms.core.settings import get_settings
from lms.core.text import fold, nfc
from lms.courses import storage
from lms.courses.models import Course
from lms.orgs.models import Unit
from lms.orgs.queries import unit_choices
from lms.records.models import TrainingClass

bp = Blueprint("certificates", __name__, template_folder="templates")

def _certificate_or_404(certificate_id: int):
    certificate = queries.get(certificate_id)
    if certificate is None:
        abort(404)
    return certificate


# -- the cadre's certificates and downloads ------------------------------------------------------

@bp.route("/certificates/mine")
@login_required
def mine():
    require("certificates.mine")
    return render_template("certificates/mine.html", certificates=queries.mine(current_user.cadre_id),
                           today=operations.local_today())


@bp.route("/certificates/<int:certificate_id>.pdf")
@login_required
def pdf(certificate_id: int):
    """The PDF stored at issue, as an attachment; never rendered again."""
    certificate = _certificate_or_404(certificate_id)
    require("certificates.view", certificate)
    try:
        data = storage.read(certificate.pdf_blob)  # a few tens of kilobytes: read whole, no open file left behind
    except OSError:
        abort(404)
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                         download_name=queries.pdf_filename(certificate.serial, certificate.full_name))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/certificates/<int:certificate_id>")
@login_required
def show(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    require("certificates.view", certificate)
    return _render_show(certificate, RevokeForm())


def _render_show(certificate: Certificate, revoke_form: RevokeForm, status: int = 200):
    earlier, later = queries.chain(certificate)
    return render_template("certificates/show.html", certificate=certificate, earlier=earlier, later=later,
                           revoke_form=revoke_form, today=operations.local_today()), status


# -- the register --------------------------------------------------------------------------------

SEARCH_MAX = 100  # characters of the search box kept: a name, a code or a serial is far shorter


def _filters() -> queries.Filters:
    args = request.args
    unit = None
    if args.get("unit", "").isdigit():
        unit = db.session.get(Unit, int(args["unit"]))
        if unit is None or not can(current_user, "orgs.view", unit):
            abort(404)
    status = args.get("status") if args.get("status") in (VALID, REVOKED, REPLACED) else None
    return queries.Filters(year=args.get("year", type=int), course_id=args.get("course", type=int),
                           class_id=args.get("class", type=int), unit=unit, status=status,
                           q=nfc(args.get("q", ""))[:SEARCH_MAX])


@bp.route("/certificates/register")
@login_required
def register():
    require("certificates.register")
    filters = _filters()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    return render_template(
        "certificates/register.html", page=queries.register(current_user, filters, page), filters=filters,
        options=queries.filter_choices(current_user), units=unit_choices(current_user),
        today=operations.local_today(),
        local_public_url=can(current_user, "settings.edit")
        and operations.public_url_is_local(get_settings()["public_base_url"]),
    )


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@login_required
def revoke(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    require("certificates.manage", certificate)
    form = RevokeForm()
    # A refused revocation shows the page again with the message beside the reason and the reason as
    # typed (a redirect lost it, and put the message at the top, far from the form on a phone).
    if not form.validate_on_submit():
        return _render_show(certificate, form, 422)
    try:
        operations.revoke(certificate, form.reason.data, current_user)
    except ValidationError as exc:
        exc.apply_to(form)
        return _render_show(certificate, form, 422)
    flash(_("Đã thu hồi giấy chứng nhận số %(serial)s.", serial=certificate.serial), "success")
    return redirect(url_for(".show", certificate_id=certificate.id))


@bp.route("/certificates/<int:certificate_id>/reissue", methods=["GET", "POST"])
@login_required
def reissue(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    require("certificates.manage", certificate)
    form = ReissueForm(obj=certificate if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            new = operations.reissue(certificate, full_name=form.full_name.data, birth_date=form.birth_date.data,
                                     unit_name=form.unit_name.data or "", result=form.result.data, actor=current_user)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã cấp lại: giấy chứng nhận số %(new)s thay thế số %(old)s.", new=new.serial,
                    old=certificate.serial), "success")
            return redirect(url_for(".show", certificate_id=new.id))
    return render_template("certificates/reissue.html", certificate=certificate, form=form)


# -- issuing by hand -----------------------------------------------------------------------------

def _issue_forms():
    form, class_form = IssueForm(prefix="one"), ClassIssueForm(prefix="class")
    classes = queries.class_choices(current_user)
    form.course.choices = choices([(0, _("— Không —"))] + queries.course_choices())
    form.training_class.choices = choices([(0, _("— Không —"))] + classes)
    class_form.training_class.choices = choices([(0, _("— Chọn lớp —"))] + classes)
    return form, class_form


def _render_issue(form, class_form, status: int = 200):
    return render_template("certificates/issue.html", form=form, class_form=class_form,
                           pending=queries.completed_without_certificate(current_user)), status


@bp.route("/certificates/issue", methods=["GET", "POST"])
@login_required
def issue():
    require("certificates.issue")
    form, class_form = _issue_forms()
    if request.method == "GET":
        form.cadre_code.data = request.args.get("cadre", form.cadre_code.data)
        form.course.data = request.args.get("course", 0, type=int)
        return _render_issue(form, class_form)
    if form.validate_on_submit():
        try:
            certificate = _issue_one(form)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã cấp giấy chứng nhận số %(serial)s cho %(name)s.", serial=certificate.serial,
                    name=certificate.full_name), "success")
            return redirect(url_for(".show", certificate_id=certificate.id))
    return _render_issue(form, class_form)


def _issue_one(form: IssueForm):
    cadre = db.session.scalar(select(Cadre).where(Cadre.code == cadre_code(form.cadre_code.data)))
    if cadre is None or not can(current_user, "certificates.issue", cadre):
        raise ValidationError({"cadre_code": _("Không có cán bộ mã %(code)s trong phạm vi bạn quản lý.",
                                               code=form.cadre_code.data)})
    if bool(form.course.data) == bool(form.training_class.data):
        raise ValidationError({"course": _("Chọn một khóa học hoặc một lớp tập huấn.")})
    if form.course.data:
        course = db.session.get(Course, form.course.data)
        if course is None:
            raise ValidationError({"course": _("Lựa chọn không hợp lệ.")})
        return operations.issue_for_course(cadre, course, current_user)
    training_class = db.session.get(TrainingClass, form.training_class.data)
    if training_class is None or not can(current_user, "certificates.issue", training_class):
        raise ValidationError({"training_class": _("Lựa chọn không hợp lệ.")})
    return operations.issue_for_class_attendee(cadre, training_class, current_user)


@bp.route("/certificates/issue-class", methods=["POST"])
@login_required
def issue_class():
    require("certificates.issue")
    form, class_form = _issue_forms()
    if class_form.validate_on_submit():
        training_class = db.session.get(TrainingClass, class_form.training_class.data or 0)
        if training_class is None or not can(current_user, "certificates.issue", training_class):
            class_form.training_class.errors = [_("Vui lòng chọn một lớp trong phạm vi bạn quản lý.")]
        else:
            try:
                result = operations.issue_for_class(training_class, current_user)
            except ValidationError as exc:
                class_form.form_errors.append(str(exc))
                return _render_issue(form, class_form, 422)
            flash(_("Đã cấp %(n)s giấy chứng nhận cho lớp %(title)s (%(skipped)s học viên đã có hoặc không đạt).",
                    n=len(result.issued), title=training_class.title, skipped=result.skipped), "success")
            return redirect(url_for(".register", **{"class": training_class.id}))
    return _render_issue(form, class_form)


# -- bulk download -------------------------------------------------------------------------------

def _zip_name(filters: queries.Filters) -> str:
    parts = ["giay-chung-nhan"]
    if filters.unit is not None:
        parts.append(filters.unit.code.lower())
    if filters.course_id:
        parts.append(f"khoa-{filters.course_id}")
    if filters.class_id:
        parts.append(f"lop-{filters.class_id}")
    if filters.year:
        parts.append(str(filters.year))
    searched = re.sub(r"[^a-z0-9]+", "-", fold(filters.q)).strip("-")[:40]
    if searched:
        parts.append(searched)
    return "-".join(parts) + ".zip"


@bp.route("/certificates/export")
@login_required
def export():
    """What a ZIP download would hold (count and size) before it starts."""
    require("certificates.export")
    filters = _filters()
    items = queries.export_items(current_user, filters)
    size = queries.zip_size((i.filename, i.size) for i in items)
    return render_template("certificates/export.html", filters=filters, count=len(items), size=size,
                           options=queries.filter_choices(current_user), units=unit_choices(current_user))


@bp.route("/certificates/export.zip")
@login_required
def export_zip():
    """The selected certificates as one ZIP, streamed, with an exact Content-Length (real progress)."""
    require("certificates.export")
    filters = _filters()
    items = queries.export_items(current_user, filters)
    try:
        entries = queries.export_entries(items)
    except ValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".export", **filters.args()))
    length = queries.zip_size((i.filename, i.size) for i in items)
    response = Response(queries.zip_stream(entries), mimetype="application/zip", direct_passthrough=True)
    response.headers["Content-Length"] = str(length)
    response.headers["Content-Disposition"] = f'attachment; filename="{_zip_name(filters)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- settings ------------------------------------------------------------------------------------

def _uploaded_image(field, key: str, remove: bool, values: dict) -> None:
    upload = field.data
    if upload and getattr(upload, "filename", ""):
        values[key] = operations.store_png(upload.read(), upload.filename, field.name)
    elif remove:
        values[key] = None


@bp.route("/certificates/settings", methods=["GET", "POST"])
@login_required
def settings():
    require("settings.edit")
    current = get_settings()
    form = SettingsForm(data=current if request.method == "GET" else None)
    if form.validate_on_submit():
        values = {key: getattr(form, key).data for key in operations.TEXT_SETTINGS}
        try:
            _uploaded_image(form.signature, "signature_blob_id", form.remove_signature.data, values)
            _uploaded_image(form.seal, "seal_blob_id", form.remove_seal.data, values)
            if "preview" in request.form:
                pdf_bytes = operations.preview_pdf(values)
                response = Response(pdf_bytes, mimetype="application/pdf")
                response.headers["Content-Disposition"] = 'inline; filename="xem-truoc-giay-chung-nhan.pdf"'
                response.headers["Cache-Control"] = "no-store"
                return response
            operations.save_certificate_settings(values, current_user)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã lưu cài đặt giấy chứng nhận."), "success")
            return redirect(url_for(".settings"))
    return render_template("certificates/settings.html", form=form, current=current)


# -- public verification -------------------------------------------------------------------------

class FixedWindowLimiter:
    """At most ``limit`` look-ups per client IP per ``window`` seconds, counted in this process.

    Deliberately small: a dict of (ip, window number) → count, pruned as windows pass. Each server
    process counts on its own, so with N worker processes a client gets up to N × ``limit`` look-ups
    a window; that still makes enumerating serial numbers impractical, and verification codes are
    unguessable anyway. Behind a reverse proxy, configure werkzeug's ProxyFix so that
    ``request.remote_addr`` is the client's address. Settings: ``CERTIFICATE_VERIFY_LIMIT`` (30) and
    ``CERTIFICATE_VERIFY_WINDOW`` (60 seconds).
    """

    def __init__(self):
        self._window = -1
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window: int, now: float | None = None) -> int:
        """Count one look-up; 0 when allowed, else the seconds until the window ends (Retry-After)."""
        now = time.time() if now is None else now
        current = int(now // window)
        with self._lock:
            if current != self._window:  # a new window: every count starts again
                self._window, self._counts = current, {}
            count = self._counts[key] = self._counts.get(key, 0) + 1
        if count > limit:
            return max(1, int((current + 1) * window - now))
        return 0

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


def verify_limiter(app=None) -> FixedWindowLimiter:
    app = app or current_app
    return app.extensions.setdefault("lms.certificates.verify_limiter", FixedWindowLimiter())


def _rate_limited():
    """None when the look-up may go ahead; else the 429 response (a Vietnamese page)."""
    retry = verify_limiter().hit(request.remote_addr or "?", int(current_app.config.get("CERTIFICATE_VERIFY_LIMIT", 30)),
                                 int(current_app.config.get("CERTIFICATE_VERIFY_WINDOW", 60)))
    if not retry:
        return None
    response = Response(render_template("certificates/too_many.html", retry=retry), status=429)
    response.headers["Retry-After"] = str(retry)
    return response


def _public(response_body, status: int = 200) -> Response:
    response = Response(response_body, status=status)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    # Never the page's address (with its verification code) to another site; to this one, yes: over
    # HTTPS Flask-WTF refuses a POST without a same-site Referer, so under "no-referrer" the language
    # switch of these pages would fail (400) for every visitor.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _public_view(certificate) -> dict:
    """What anyone may see about a certificate: nothing personal beyond the name and birth year."""
    today = operations.local_today()
    state = certificate.state_on(today)
    earlier, later = queries.chain(certificate)
    return {
        "state": state,
        "serial": certificate.serial,
        "full_name": certificate.full_name,
        "birth_year": certificate.birth_date.year if certificate.birth_date else None,
        "title": certificate.title,
        "issuer": certificate.issuer_unit.name if certificate.issuer_unit else "",
        "issued_on": certificate.issued_on,
        "expires_on": certificate.expires_on,
        "revoked_on": operations.local_date(certificate.revoked_at),
        "revoked_reason": certificate.revoked_reason,
        "replaced_by": later[0] if later else None,
        "replaces": earlier[-1] if earlier else None,
    }


@bp.route("/verify/<verify_code>")
def verify(verify_code: str):
    """Public: whether a certificate is valid, revoked, replaced or expired. No login."""
    limited = _rate_limited()
    if limited is not None:
        return limited
    certificate = queries.by_code(verify_code) if len(verify_code) <= 40 else None
    if certificate is None:
        return _public(render_template("certificates/verify.html", found=[], code=verify_code, form=LookupForm()), 404)
    return _public(render_template("certificates/verify.html", found=[_public_view(certificate)], form=LookupForm()))


@bp.route("/verify")
def lookup():
    """Public: look a certificate up by its whole serial number (accents and capitals aside)."""
    form = LookupForm(request.args)
    found, searched = [], False
    if request.args.get("serial") is not None:
        limited = _rate_limited()
        if limited is not None:
            return limited
        if form.validate():
            searched = True
            found = [_public_view(c) for c in queries.by_serial(form.serial.data)]
    return _public(render_template("certificates/lookup.html", form=form, found=found, searched=searched))
