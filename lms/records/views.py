"""Pages of training records (/records/…) and in-person classes (/classes/…)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException

from lms.cadres.models import Cadre
from lms.cadres.queries import list_cadres
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.forms import ActionForm, choices
from lms.core.i18n import _, format_typed_number, result_score
from lms.core.plugins import GROUP_RECORD_EXPORTERS, registry
from lms.core.policy import can, require
from lms.courses import storage
from lms.orgs.models import Unit
from lms.orgs.queries import unit_choices
from lms.records import operations, queries
from lms.records.exporters import download_name
from lms.records.forms import ClassForm, ExternalForm
from lms.records.models import DEFAULT_PASS_SCORE, KIND_EXTERNAL, RecordEntry

bp = Blueprint("records", __name__, template_folder="templates")

#: Where the certificates area serves a certificate's stored PDF; linked only when the route exists.
CERTIFICATE_PDF_PATH = "/certificates/{id}.pdf"


def _certificate_links() -> bool:
    """Whether ``/certificates/<id>.pdf`` is served (the certificates area may not be installed yet)."""
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(CERTIFICATE_PDF_PATH.format(id=1), method="GET")
    except HTTPException:
        return False
    return True


def _exporters() -> list:
    return sorted(registry(current_app, GROUP_RECORD_EXPORTERS), key=lambda e: e.name)


# -- the record --------------------------------------------------------------------------------------

@bp.route("/records/me")
@login_required
def me():
    require("records.own")
    return redirect(url_for(".show", cadre_id=current_user.cadre_id))


def _record_or_404(cadre_id: int) -> queries.Record:
    record = queries.load_record(cadre_id)
    if record is None:
        abort(404)
    require("records.view", record.cadre)
    return record


@bp.route("/records/<int:cadre_id>")
@login_required
def show(cadre_id: int):
    record = _record_or_404(cadre_id)
    return render_template(
        "records/show.html", record=record, exporters=_exporters(), certificate_links=_certificate_links(),
        certificate_path=CERTIFICATE_PDF_PATH, kind_label=queries.kind_label, study_kind_label=queries.study_kind_label,
        can_manage=can(current_user, "records.manage", record.cadre),
    )


@bp.route("/records/<int:cadre_id>/export/<exporter>")
@login_required
def export(cadre_id: int, exporter: str):
    record = _record_or_404(cadre_id)
    plugin = registry(current_app, GROUP_RECORD_EXPORTERS).get(exporter)
    if plugin is None:
        abort(404)
    data = queries.record_data(record)
    body = plugin().export(data)
    response = make_response(body)
    response.mimetype = plugin.mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name(data, plugin.extension)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _entry_or_404(cadre_id: int, entry_id: int) -> RecordEntry:
    entry = db.session.get(RecordEntry, entry_id)
    if entry is None or entry.cadre_id != cadre_id:
        abort(404)
    return entry


@bp.route("/records/<int:cadre_id>/entries/<int:entry_id>/evidence")
@login_required
def evidence(cadre_id: int, entry_id: int):
    """The evidence file of an entry: only for those who may see the record, always as a download."""
    cadre = db.get_or_404(Cadre, cadre_id)
    require("records.view", cadre)
    entry = _entry_or_404(cadre_id, entry_id)
    if entry.evidence_blob_id is None:
        abort(404)
    from lms.courses.models import Blob

    blob = db.session.get(Blob, entry.evidence_blob_id)
    try:
        data = storage.read(blob)
    except FileNotFoundError:
        abort(404)
    try:
        mime = storage.sniff(data, entry.evidence_name)
    except ValidationError:
        mime = "application/octet-stream"
    response = make_response(data)
    response.mimetype = mime
    filename = "".join(ch if ch.isascii() and (ch.isalnum() or ch in ".-_") else "-" for ch in entry.evidence_name)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename or "minh-chung"}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/records/<int:cadre_id>/external", methods=["GET", "POST"])
@login_required
def add_external(cadre_id: int):
    cadre = db.get_or_404(Cadre, cadre_id)
    require("records.manage", cadre)
    form = ExternalForm()
    if form.validate_on_submit():
        upload = form.evidence.data
        data = operations.ExternalData(
            study_kind=form.study_kind.data, title=form.title.data, provider=form.provider.data or "",
            start_on=form.start_on.data, end_on=form.end_on.data, hours=form.hours.data or 0,
            result=form.result.data or "", note=form.note.data or "",
        )
        try:
            operations.add_external(cadre, data, operations.Evidence(upload.read(), upload.filename or ""), current_user)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã thêm mục đào tạo vào hồ sơ của %(name)s.", name=cadre.full_name), "success")
            return redirect(url_for(".show", cadre_id=cadre.id))
    return render_template("records/external.html", form=form, cadre=cadre,
                           max_mb=operations.MAX_EVIDENCE_BYTES // (1024 * 1024))


@bp.route("/records/<int:cadre_id>/entries/<int:entry_id>/delete", methods=["POST"])
@login_required
def delete_entry(cadre_id: int, entry_id: int):
    cadre = db.get_or_404(Cadre, cadre_id)
    require("records.manage", cadre)
    entry = _entry_or_404(cadre_id, entry_id)
    if entry.kind != KIND_EXTERNAL:
        abort(404)
    if ActionForm().validate_on_submit():
        operations.delete_external(entry)
        flash(_("Đã xóa mục đào tạo."), "success")
    return redirect(url_for(".show", cadre_id=cadre_id))


# -- classes ------------------------------------------------------------------------------------------

@bp.route("/classes/")
@login_required
def classes():
    require("classes.list")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    return render_template("records/classes.html", page=queries.list_classes(current_user, page=page),
                           can_create=can(current_user, "classes.create"))


def _class_form_choices(form: ClassForm) -> None:
    form.organiser_unit.choices = choices(unit_choices(current_user))


def _class_data(form: ClassForm) -> operations.ClassData:
    unit = db.session.get(Unit, form.organiser_unit.data) if form.organiser_unit.data else None
    if unit is None or not can(current_user, "classes.organise_in", unit):
        raise ValidationError({"organiser_unit": _("Bạn không tổ chức lớp cho đơn vị này.")})
    return operations.ClassData(
        title=form.title.data, topic=form.topic.data or "", organiser_unit=unit, start_on=form.start_on.data,
        end_on=form.end_on.data, hours=form.hours.data, place=form.place.data or "",
        trainer_name=form.trainer_name.data or "", grants_certificate=form.grants_certificate.data,
        pass_score=_typed_score(form.pass_score.data),
    )


def _typed_score(text: str | None) -> float | None:
    """The pass mark typed ("6,5"); left empty, the usual 5 of a 10-point scale."""
    if not (text or "").strip():
        return DEFAULT_PASS_SCORE
    score = result_score(text)
    return float(score) if score is not None else None


@bp.route("/classes/new", methods=["GET", "POST"])
@login_required
def new_class():
    require("classes.create")
    form = ClassForm()
    _class_form_choices(form)
    if form.validate_on_submit():
        try:
            training_class = operations.create_class(_class_data(form), current_user)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã tạo lớp %(title)s. Hãy thêm học viên.", title=training_class.title), "success")
            return redirect(url_for(".show_class", class_id=training_class.id))
    return render_template("records/class_form.html", form=form, training_class=None, topics=queries.CLASS_TOPICS)


def _class_or_404(class_id: int):
    training_class = queries.get_class(class_id)
    if training_class is None:
        abort(404)
    require("classes.manage", training_class)
    return training_class


@bp.route("/classes/<int:class_id>/edit", methods=["GET", "POST"])
@login_required
def edit_class(class_id: int):
    training_class = _class_or_404(class_id)
    form = ClassForm(obj=training_class if request.method == "GET" else None)
    _class_form_choices(form)
    if request.method == "GET":
        form.organiser_unit.data = training_class.organiser_unit_id
        form.pass_score.data = format_typed_number(training_class.pass_score)
    if form.validate_on_submit():
        try:
            outcome = operations.update_class(training_class, _class_data(form), current_user)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã lưu lớp học."), "success")
            _flash_certificates(outcome, training_class)
            return redirect(url_for(".show_class", class_id=training_class.id))
    return render_template("records/class_form.html", form=form, training_class=training_class,
                           topics=queries.CLASS_TOPICS)


@bp.route("/classes/<int:class_id>")
@login_required
def show_class(class_id: int):
    training_class = _class_or_404(class_id)
    attendees = queries.attendance(training_class)
    q = request.args.get("q", "").strip()
    candidates = None
    if q:
        candidates = list_cadres(current_user, q=q, unit=training_class.organiser_unit, per_page=30)
    return render_template(
        "records/class.html", training_class=training_class, attendees=attendees, q=q, candidates=candidates,
        attending={a.cadre_id for a in attendees}, ended=operations.class_has_ended(training_class),
    )


def _flash_certificates(outcome: operations.ClassOutcome, training_class) -> None:
    if outcome.certificates_issued:
        flash(_("Đã cấp %(n)s giấy chứng nhận cho lớp %(title)s (%(skipped)s học viên đã có hoặc không đạt).",
                n=outcome.certificates_issued, title=training_class.title, skipped=outcome.certificates_skipped),
              "success")
    if outcome.certificates_reissued:
        flash(_("Đã cấp lại %(n)s giấy chứng nhận ghi kết quả mới.", n=outcome.certificates_reissued), "success")
    if outcome.certificates_revoked:
        flash(_("Đã thu hồi %(n)s giấy chứng nhận của học viên không đạt hoặc không còn trong lớp.",
                n=outcome.certificates_revoked), "success")
    if outcome.certificate_error:
        flash(_("Chưa cấp được giấy chứng nhận tự động (%(error)s). Vui lòng liên hệ cán bộ phụ trách.",
                error=outcome.certificate_error), "error")


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


@bp.route("/classes/<int:class_id>/attendees", methods=["POST"])
@login_required
def add_attendees(class_id: int):
    training_class = _class_or_404(class_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            outcome = operations.add_attendees(training_class, _ids(request.form.getlist("cadre_id")), current_user)
        except ValidationError as exc:
            for message in exc.errors.values():
                flash(message, "error")
        else:
            flash(_("Đã thêm %(n)s học viên.", n=outcome.added), "success")
            _flash_certificates(outcome, training_class)
    return redirect(url_for(".show_class", class_id=class_id, q=request.form.get("q") or None))


@bp.route("/classes/<int:class_id>/results", methods=["POST"])
@login_required
def save_results(class_id: int):
    training_class = _class_or_404(class_id)
    form = ActionForm()
    if form.validate_on_submit():
        results = {int(key[len("result-"):]): value for key, value in request.form.items()
                   if key.startswith("result-") and key[len("result-"):].isdigit()}
        try:
            outcome = operations.set_results(training_class, results, current_user)
        except ValidationError as exc:
            for message in dict.fromkeys(exc.errors.values()):
                flash(message, "error")
        else:
            flash(_("Đã lưu kết quả và cập nhật hồ sơ đào tạo của học viên."), "success")
            _flash_certificates(outcome, training_class)
    return redirect(url_for(".show_class", class_id=class_id))


@bp.route("/classes/<int:class_id>/attendees/<int:cadre_id>/remove", methods=["GET", "POST"])
@login_required
def remove_attendee(class_id: int, cadre_id: int):
    """GET: what removing the attendee does (their class entry, a certificate revoked), to confirm; POST: do it.
    A page of its own, not a button inside the results form: pressing that threw away the results typed."""
    training_class = _class_or_404(class_id)
    if request.method == "GET":
        found = queries.attendee(training_class, cadre_id) or abort(404)
        attendance, certificates = found
        return render_template("records/remove_attendee.html", c=training_class, a=attendance,
                               certificates=certificates, form=ActionForm())
    if ActionForm().validate_on_submit():
        try:
            outcome = operations.remove_attendee(training_class, cadre_id, current_user)
        except ValidationError as exc:
            for message in exc.errors.values():
                flash(message, "error")
        else:
            flash(_("Đã xóa học viên khỏi lớp và khỏi hồ sơ đào tạo."), "success")
            _flash_certificates(outcome, training_class)
    return redirect(url_for(".show_class", class_id=class_id))
