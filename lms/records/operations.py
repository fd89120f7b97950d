"""Writes on training records: in-person classes and their attendance, external training with evidence.

Operations validate plain data, change the database and flush; the request (or command) commits.
Every ``RecordEntry`` belongs to a cadre only — never to a unit — so a record survives transfers,
merges and dissolutions. A class's entries are derived from its attendance by
:func:`sync_class_entries`, which is idempotent: saving the same attendance twice changes nothing,
and removing an attendee removes their class entry.

A new attendee has no result yet (``NO_RESULT``): the record shows the class as attended, without
pass or fail, until the result is entered, which is possible once the class has ended. Whether a
result earns a certificate, and when, is decided by the certificates area
(:func:`lms.certificates.operations.sync_class_certificates`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from lms.cadres.models import Cadre
from lms.certificates.models import VALID, Certificate
# results may be entered once a class has ended, and which pass: the certificates area's rules
from lms.certificates.operations import class_has_ended, class_passed, sync_class_certificates
from lms.core.clock import local_today
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.i18n import _l, format_date, stored_result
from lms.core.text import nfc
from lms.courses import storage
from lms.orgs.models import Unit
from lms.records.models import (
    DEFAULT_PASS_SCORE, KIND_CLASS, KIND_EXTERNAL, STUDY_KINDS, Attendance, RecordEntry, TrainingClass,
)

#: Largest evidence file (a scanned diploma or decision), in bytes: the storage limit.
MAX_EVIDENCE_BYTES = storage.MAX_ASSET_BYTES
#: Evidence may be a PDF or a picture (a photographed document).
EVIDENCE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/webp"}
MAX_HOURS = 5000
#: The result of an attendee whose result has not been entered yet (shown as "Chưa có kết quả").
NO_RESULT = ""


# -- in-person classes -------------------------------------------------------------------------------

@dataclass
class ClassData:
    """Validated plain data for a class, as the form gives it."""

    title: str
    organiser_unit: Unit
    start_on: dt.date
    end_on: dt.date
    hours: int = 0
    topic: str = ""
    place: str = ""
    trainer_name: str = ""
    grants_certificate: bool = False
    pass_score: float | None = DEFAULT_PASS_SCORE  # None: not a number (the form's own message says so)


def _check_period(start_on: dt.date | None, end_on: dt.date | None, errors: dict[str, str]) -> None:
    if start_on and end_on and end_on < start_on:
        errors["end_on"] = str(_l("Ngày kết thúc không được trước ngày bắt đầu."))


def _check_hours(hours: int | None, errors: dict[str, str]) -> None:
    if hours is None or not 0 <= hours <= MAX_HOURS:
        errors["hours"] = str(_l("Số giờ phải từ 0 đến %(n)s.", n=MAX_HOURS))


def _check_class(data: ClassData) -> None:
    errors: dict[str, str] = {}
    if not nfc(data.title):
        errors["title"] = str(_l("Vui lòng nhập tên lớp."))
    if data.organiser_unit is None or not data.organiser_unit.is_active:
        errors["organiser_unit"] = str(_l("Đơn vị tổ chức phải là một đơn vị đang hoạt động."))
    _check_period(data.start_on, data.end_on, errors)
    _check_hours(data.hours, errors)
    if data.pass_score is None or not 0 < data.pass_score <= 100:
        errors["pass_score"] = str(_l("Điểm đạt phải là một số lớn hơn 0 và không quá 100 (ví dụ 5 trên thang điểm 10)."))
    if errors:
        raise ValidationError(errors)


def _apply_class(training_class: TrainingClass, data: ClassData) -> None:
    training_class.title = nfc(data.title)
    training_class.topic = nfc(data.topic)
    training_class.organiser_unit = data.organiser_unit
    training_class.organiser_unit_id = data.organiser_unit.id
    training_class.start_on = data.start_on
    training_class.end_on = data.end_on
    training_class.hours = data.hours
    training_class.place = nfc(data.place)
    training_class.trainer_name = nfc(data.trainer_name)
    training_class.grants_certificate = bool(data.grants_certificate)
    training_class.pass_score = data.pass_score


def create_class(data: ClassData, actor=None) -> TrainingClass:
    """A new class with no attendees yet."""
    _check_class(data)
    training_class = TrainingClass(created_by_id=getattr(actor, "id", None))
    _apply_class(training_class, data)
    db.session.add(training_class)
    db.session.flush()
    return training_class


@dataclass
class ClassOutcome:
    """What a change of a class's attendance did beyond the entries: attendees added, certificates issued.

    ``certificate_error`` is set when the certificates area refused to issue (settings incomplete,
    storage full): the attendance and the record entries are saved all the same, and the
    certificates can be issued later (saving the attendance again, or from the certificates pages).
    """

    added: int = 0
    certificates_issued: int = 0
    certificates_skipped: int = 0  # attendees who hold one already or did not pass
    certificates_reissued: int = 0  # holders whose passing grade changed: the certificate states the new one
    certificates_revoked: int = 0  # holders removed from the class or whose result no longer passes
    certificate_error: str | None = None


def _results_too_early(training_class: TrainingClass) -> str:
    return str(_l("Lớp học kết thúc ngày %(date)s: chỉ nhập được kết quả từ ngày đó trở đi.",
                  date=format_date(training_class.end_on)))


def update_class(training_class: TrainingClass, data: ClassData, actor=None) -> ClassOutcome:
    """Change a class; its attendees' record entries follow (title, dates, hours).

    A class whose results were entered cannot be moved to end in the future: results, and the
    certificates they earn, only exist for a class that has ended.
    """
    _check_class(data)
    if data.end_on > local_today() and db.session.scalar(select(Attendance.id).where(
            Attendance.class_id == training_class.id, Attendance.result != NO_RESULT).limit(1)) is not None:
        raise ValidationError({"end_on": str(_l(
            "Lớp đã có kết quả của học viên: ngày kết thúc không được sau hôm nay."))})
    _apply_class(training_class, data)
    db.session.flush()
    return sync_class_entries(training_class, actor)


def add_attendees(training_class: TrainingClass, cadre_ids: list[int], actor=None,
                  result: str = NO_RESULT) -> ClassOutcome:
    """Record that these cadres attended; cadres already recorded are left as they are.

    New attendees have no result yet unless ``result`` is given, which is refused before the class
    has ended. The cadres must belong (now) to the organiser's subtree. ``added`` of the outcome
    says how many were new.
    """
    wanted = {int(i) for i in cadre_ids}
    if not wanted:
        raise ValidationError({"cadre_id": str(_l("Hãy chọn ít nhất một cán bộ."))})
    result = stored_result(result)
    if len(result) > 100:
        raise ValidationError({"cadre_id": str(_l("Kết quả tối đa 100 ký tự."))})
    if result and not class_has_ended(training_class):
        raise ValidationError({"cadre_id": _results_too_early(training_class)})
    organiser = training_class.organiser_unit
    rows = db.session.execute(
        select(Cadre.id, Unit.path).outerjoin(Unit, Unit.id == Cadre.unit_id).where(Cadre.id.in_(wanted))
    ).all()
    found = {row.id for row in rows}
    outside = [row.id for row in rows if row.path is None or not row.path.startswith(organiser.path)]
    if found != wanted or outside:  # the form offers no such cadre: whoever they are is not told
        raise ValidationError({"cadre_id": str(_l(
            "Chỉ thêm được cán bộ thuộc %(unit)s và các đơn vị trực thuộc.", unit=organiser.name))})
    present = set(db.session.scalars(
        select(Attendance.cadre_id).where(Attendance.class_id == training_class.id, Attendance.cadre_id.in_(wanted))))
    new = sorted(wanted - present)
    for cadre_id in new:
        db.session.add(Attendance(class_id=training_class.id, cadre_id=cadre_id, result=result))
    db.session.flush()
    outcome = sync_class_entries(training_class, actor, newly_passing=set(new) if class_passed(training_class, result) else set())
    outcome.added = len(new)
    return outcome


def remove_attendee(training_class: TrainingClass, cadre_id: int, actor=None) -> ClassOutcome:
    """Remove an attendee and, with them, their class entry; a certificate of the class they hold is revoked."""
    attendance = db.session.scalar(
        select(Attendance).where(Attendance.class_id == training_class.id, Attendance.cadre_id == cadre_id))
    if attendance is None:
        raise ValidationError(str(_l("Cán bộ này không có trong danh sách lớp.")))
    db.session.delete(attendance)
    db.session.flush()
    return sync_class_entries(training_class, actor)


def set_results(training_class: TrainingClass, results: dict[int, str], actor=None) -> ClassOutcome:
    """Save each attendee's result ("Đạt", "Giỏi", "Không đạt"…, or blank: no result yet).

    Unknown cadre ids are refused, and so is any result before the class has ended (nothing is
    saved then). The certificates follow (see :func:`sync_class_entries`): issued for a result that
    became passing, re-issued for another passing grade, revoked for one that no longer passes.
    """
    attendances = {a.cadre_id: a for a in db.session.scalars(
        select(Attendance).where(Attendance.class_id == training_class.id))}
    unknown = set(results) - set(attendances)
    if unknown:
        raise ValidationError(str(_l("Có cán bộ không thuộc danh sách lớp.")))
    cleaned = {cadre_id: stored_result(result) for cadre_id, result in results.items()}
    errors = {f"result-{cadre_id}": str(_l("Kết quả tối đa 100 ký tự."))
              for cadre_id, text in cleaned.items() if len(text) > 100}
    if errors:
        raise ValidationError(errors)
    if any(cleaned.values()) and not class_has_ended(training_class):
        raise ValidationError(_results_too_early(training_class))
    newly_passing = {cadre_id for cadre_id, text in cleaned.items()
                     if class_passed(training_class, text) and not class_passed(training_class, attendances[cadre_id].result)}
    for cadre_id, text in cleaned.items():
        attendances[cadre_id].result = text
    db.session.flush()
    return sync_class_entries(training_class, actor, newly_passing=newly_passing)


def sync_class_entries(training_class: TrainingClass, actor=None, newly_passing=frozenset()) -> ClassOutcome:
    """Make the class entries exactly one per attendee, with the class's current data and result
    (blank until entered: the record shows the class as attended, without a result).

    Idempotent, in a fixed number of queries whatever the class size, apart from the certificates
    issued. Then the certificates area brings the class's certificates in line (see
    :func:`lms.certificates.operations.sync_class_certificates`; ``newly_passing`` names the
    attendees whose result has just become a passing one), and each entry is linked to its cadre's
    valid certificate of the class, or to none.
    """
    attendances = {a.cadre_id: a for a in db.session.scalars(
        select(Attendance).where(Attendance.class_id == training_class.id))}
    entries = db.session.scalars(
        select(RecordEntry).where(RecordEntry.class_id == training_class.id, RecordEntry.kind == KIND_CLASS)
        .order_by(RecordEntry.id)).all()
    kept: dict[int, RecordEntry] = {}
    for entry in entries:
        if entry.cadre_id in attendances and entry.cadre_id not in kept:
            kept[entry.cadre_id] = entry
        else:  # no longer an attendee, or a duplicate
            db.session.delete(entry)
    provider = training_class.organiser_unit.name if training_class.organiser_unit else ""
    for cadre_id, attendance in attendances.items():
        entry = kept.get(cadre_id)
        if entry is None:
            entry = RecordEntry(cadre_id=cadre_id, kind=KIND_CLASS, class_id=training_class.id,
                                created_by_id=getattr(actor, "id", None))
            db.session.add(entry)
            kept[cadre_id] = entry
        entry.title = training_class.title
        entry.provider = provider
        entry.start_on = training_class.start_on
        entry.end_on = training_class.end_on
        entry.hours = training_class.hours
        entry.result = attendance.result or NO_RESULT
        entry.note = training_class.topic
    db.session.flush()
    # Issuing and re-issuing run in a savepoint there: a refusal (settings incomplete, no chair to sign,
    # storage failing) rolls back those only and is reported, while the attendance, the results and any
    # revocation stand.
    result = sync_class_certificates(training_class, newly_passing=frozenset(newly_passing), actor=actor)
    _link_certificates(training_class, kept)
    return ClassOutcome(certificates_issued=len(result.issued), certificates_skipped=result.skipped,
                        certificates_reissued=len(result.reissued), certificates_revoked=len(result.revoked),
                        certificate_error=result.error)


def _link_certificates(training_class: TrainingClass, entries: dict[int, RecordEntry]) -> None:
    """Each class entry points at its cadre's valid certificate of the class, or at none."""
    rows = db.session.execute(
        select(Certificate.cadre_id, Certificate.id).where(
            Certificate.class_id == training_class.id, Certificate.status == VALID).order_by(Certificate.id)).all()
    valid: dict[int, int] = {}
    for cadre_id, certificate_id in rows:
        valid.setdefault(cadre_id, certificate_id)
    for cadre_id, entry in entries.items():
        if entry.certificate_id != valid.get(cadre_id):
            entry.certificate_id = valid.get(cadre_id)
    db.session.flush()


# -- external training ---------------------------------------------------------------------------------

@dataclass
class ExternalData:
    """External training (a master's degree, a political-theory course…), as the form gives it."""

    study_kind: str
    title: str
    end_on: dt.date
    provider: str = ""
    start_on: dt.date | None = None
    hours: int = 0
    result: str = ""
    note: str = ""


@dataclass
class Evidence:
    """An uploaded evidence file: its bytes and the name it was uploaded under."""

    data: bytes
    filename: str


def check_evidence(evidence: Evidence) -> str:
    """The evidence's MIME type, decided from its content; a ValidationError (on ``evidence``) otherwise."""
    if not evidence.data:
        raise ValidationError({"evidence": str(_l("Tệp minh chứng trống."))})
    if len(evidence.data) > MAX_EVIDENCE_BYTES:
        raise ValidationError({"evidence": str(_l(
            "Tệp minh chứng quá lớn (tối đa %(n)s MB).", n=MAX_EVIDENCE_BYTES // (1024 * 1024)))})
    try:
        mime = storage.sniff(evidence.data, evidence.filename)
    except ValidationError as exc:
        raise ValidationError({"evidence": next(iter(exc.errors.values()))}) from exc
    if mime not in EVIDENCE_TYPES:
        raise ValidationError({"evidence": str(_l(
            "Minh chứng phải là tệp PDF hoặc ảnh (PNG, JPEG, WebP)."))})
    return mime


def _evidence_name(filename: str, mime: str) -> str:
    name = nfc(filename).replace("/", "_").replace("\\", "_")
    return name[-200:] or ("minh-chung.pdf" if mime == "application/pdf" else "minh-chung")


def add_external(cadre: Cadre, data: ExternalData, evidence: Evidence | None, actor=None) -> RecordEntry:
    """Record external training for ``cadre``, with its evidence file (checked by content, stored once)."""
    errors: dict[str, str] = {}
    if data.study_kind not in STUDY_KINDS:
        errors["study_kind"] = str(_l("Loại hình đào tạo không hợp lệ."))
    if not nfc(data.title):
        errors["title"] = str(_l("Vui lòng nhập tên khóa đào tạo."))
    if data.end_on is None:
        errors["end_on"] = str(_l("Vui lòng nhập ngày kết thúc."))
    elif data.end_on > local_today():  # Vietnam's today: at 23:00 there, the server's UTC date is yesterday
        errors["end_on"] = str(_l("Ngày kết thúc không được ở tương lai."))
    _check_period(data.start_on, data.end_on, errors)
    _check_hours(data.hours, errors)
    if errors:
        raise ValidationError(errors)
    entry = RecordEntry(
        cadre_id=cadre.id, kind=KIND_EXTERNAL, study_kind=data.study_kind, title=nfc(data.title),
        provider=nfc(data.provider), start_on=data.start_on, end_on=data.end_on, hours=data.hours,
        result=nfc(data.result), note=nfc(data.note), created_by_id=getattr(actor, "id", None),
    )
    if evidence is not None:
        mime = check_evidence(evidence)
        entry.evidence_blob_id = storage.store(evidence.data).id
        entry.evidence_name = _evidence_name(evidence.filename, mime)
    db.session.add(entry)
    db.session.flush()
    return entry


def delete_external(entry: RecordEntry) -> None:
    """Remove an external-training entry (entered by mistake). Class and online entries follow their source."""
    if entry.kind != KIND_EXTERNAL:
        raise ValidationError(str(_l("Chỉ xóa được mục đào tạo bên ngoài; mục lớp học và khóa trực tuyến tự cập nhật.")))
    db.session.delete(entry)
    db.session.flush()
