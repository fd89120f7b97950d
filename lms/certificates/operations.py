"""Writes on the certificate register: issue, revoke, re-issue, settings. Callers commit.

Issuing happens in one savepoint, in this order: the template and settings are checked, the next
register number of (issuing unit, year) is taken under a row lock, the PDF is rendered once and
written to the blob store, and only then is the ``Certificate`` row flushed. Any failure rolls the
savepoint back, so there is never a certificate row without its PDF and never a number used up by a
certificate that does not exist. (A PDF file written just before a later failure stays in the
content-addressed store, unreferenced and harmless.)
"""
from __future__ import annotations

import datetime as dt
import math
import secrets
from contextlib import suppress
from dataclasses import dataclass
from string import Formatter
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from lms.cadres.models import Cadre, CadreTitle, TitleType
from lms.cadres.operations import birth_date_problem
from lms.certificates.models import REPLACED, REVOKED, VALID, Certificate, RegisterCounter
from lms.certificates.queries import class_certificates_in_force
from lms.core import clock, plugins
from lms.core.clock import add_months, local_date
from lms.core.db import db, utcnow
from lms.core.errors import ValidationError
from lms.core.i18n import _, format_date, format_typed_number, result_score, stored_result
from lms.core.settings import get_settings, save_settings
from lms.core.text import fold, nfc
from lms.courses import storage
from lms.courses.models import Blob, Course, CourseVersion, Enrolment
from lms.courses.operations import visible_modules
from lms.orgs.models import Unit
from lms.records.models import DEFAULT_PASS_SCORE, KIND_ONLINE, Attendance, RecordEntry, TrainingClass

#: Placeholders a serial pattern may use.
SERIAL_FIELDS = {"number", "issuer_short", "year"}
#: The chair's title code: the signer of certificates issued by a unit other than the federation.
CHAIR_TITLE = "chu_tich"


class CertificateError(ValidationError):
    """A certificate could not be issued, revoked or re-issued; the message is for the user (Vietnamese)."""


# -- dates ---------------------------------------------------------------------------------------

def local_today() -> dt.date:
    """Today in Vietnam, from the platform's clock (tests monkeypatch this to freeze the date of verification pages)."""
    return clock.local_today()


# -- who issues ----------------------------------------------------------------------------------

@dataclass
class Issuer:
    """The issuing unit and how it appears on the certificate."""

    unit: Unit
    parent_name: str
    name: str
    short: str
    signer_on_behalf: str
    signer_title: str
    signer_name: str


def root_unit(unit: Unit | None) -> Unit:
    """The root of ``unit``'s tree (the federation); the first root when ``unit`` is unknown."""
    if unit is not None and unit.path:
        root = db.session.get(Unit, unit.ancestor_ids()[0])
        if root is not None:
            return root
    root = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1))
    if root is None:
        raise CertificateError(_("Chưa có đơn vị gốc (Liên đoàn) để cấp giấy chứng nhận."))
    return root


def _current_chair(unit: Unit) -> str:
    return db.session.scalar(
        select(Cadre.full_name).join(CadreTitle, CadreTitle.cadre_id == Cadre.id)
        .join(TitleType, TitleType.id == CadreTitle.title_type_id)
        .where(CadreTitle.unit_id == unit.id, TitleType.code == CHAIR_TITLE, CadreTitle.end_on.is_(None))
        .order_by(CadreTitle.start_on.desc()).limit(1)
    ) or ""


def issuer_for(unit: Unit, settings: dict) -> Issuer:
    """The federation (the tree's root) issues in the names and signer of the settings page; another
    unit (a class's organiser) in its own name, under its parent, signed by its current chair."""
    if unit.parent_id is None:
        signer = str(settings.get("signer_name") or "").strip()
        if not signer:
            raise CertificateError(_("Chưa khai báo họ tên người ký trong trang Cài đặt giấy chứng nhận."))
        return Issuer(unit, str(settings["issuer_parent"]), str(settings["issuer_name"]), str(settings["issuer_short"]),
                      str(settings["signer_on_behalf"]), str(settings["signer_title"]), signer)
    parent = unit.parent
    parent_name = str(settings["issuer_name"]) if parent is None or parent.parent_id is None else parent.name.upper()
    chair = _current_chair(unit)
    if not chair:
        raise CertificateError(_("Đơn vị %(unit)s chưa có Chủ tịch đương nhiệm để ký giấy chứng nhận.", unit=unit.name))
    return Issuer(unit, parent_name, unit.name.upper(), unit.code, str(settings["signer_on_behalf"]),
                  str(settings["signer_title"]), chair)


# -- the register --------------------------------------------------------------------------------

def _insert_counter_if_missing(issuer_unit_id: int, year: int) -> None:
    dialect = db.session.get_bind().dialect.name
    values = dict(issuer_unit_id=issuer_unit_id, year=year, last_number=0)
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        db.session.execute(insert(RegisterCounter).values(**values)
                           .on_conflict_do_nothing(index_elements=["issuer_unit_id", "year"]))
        return
    exists = db.session.scalar(select(RegisterCounter.id).where(
        RegisterCounter.issuer_unit_id == issuer_unit_id, RegisterCounter.year == year))
    if exists is None:
        with suppress(IntegrityError), db.session.begin_nested():  # another transaction may create it first
            db.session.add(RegisterCounter(**values))


def take_register_number(issuer_unit_id: int, year: int) -> int:
    """The next number in the unit's register for ``year``.

    The counter row is locked (``SELECT … FOR UPDATE`` on PostgreSQL) until the transaction ends,
    so concurrent issues by the same unit wait for each other and never share a number; SQLite
    serialises writers by itself. ``populate_existing`` makes the ORM read the locked row's value,
    not a copy it may hold from earlier in the session.
    """
    _insert_counter_if_missing(issuer_unit_id, year)
    counter = db.session.scalars(
        select(RegisterCounter)
        .where(RegisterCounter.issuer_unit_id == issuer_unit_id, RegisterCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    counter.last_number += 1
    db.session.flush()
    return counter.last_number


def format_serial(pattern: str, *, number: int, issuer_short: str, year: int) -> str:
    return nfc(pattern.format(number=number, issuer_short=issuer_short, year=year))


def check_serial_pattern(pattern: str) -> str:
    """The pattern, or a CertificateError when it uses unknown placeholders or lacks one of ``{number}``,
    ``{issuer_short}`` and ``{year}`` (each needed for serials to be unique)."""
    pattern = nfc(pattern or "").strip()
    try:
        names = {part[1] for part in Formatter().parse(pattern) if part[1] is not None}
        sample = format_serial(pattern, number=125, issuer_short="LĐLĐ", year=2026)
    except (ValueError, KeyError, IndexError, AttributeError):
        raise CertificateError({"serial_pattern": _("Mẫu số hiệu không hợp lệ.")}) from None
    # A number restarts every year in every issuing unit's register: a serial without the year or the
    # issuer would be the same on two certificates (the 1st of 2025 and of 2026, the federation's and a union's).
    if names != SERIAL_FIELDS:
        raise CertificateError({"serial_pattern": _(
            "Mẫu số hiệu phải có đủ {number}, {issuer_short} và {year} (và không dùng tên nào khác): số vào sổ "
            "bắt đầu lại từ 1 mỗi năm ở mỗi đơn vị cấp, thiếu năm hoặc đơn vị cấp thì hai giấy chứng nhận "
            "sẽ trùng số hiệu.")})
    if len(sample) > 60:
        raise CertificateError({"serial_pattern": _("Mẫu số hiệu quá dài.")})
    return pattern


def verify_url(code: str, settings: dict | None = None) -> str:
    base = str((settings or get_settings())["public_base_url"]).rstrip("/")
    return f"{base}/verify/{code}"


def _new_code() -> str:
    """22 URL-safe characters from 16 random bytes: unguessable, and checked unique."""
    while True:
        code = secrets.token_urlsafe(16)
        if db.session.scalar(select(Certificate.id).where(Certificate.verify_code == code)) is None:
            return code


def _image(settings: dict, key: str) -> bytes | None:
    blob_id = settings.get(key)
    if not blob_id:
        return None
    blob = db.session.get(Blob, int(blob_id))
    if blob is None:
        return None
    try:
        return storage.read(blob)
    except OSError as exc:
        raise CertificateError(_("Không đọc được ảnh chữ ký hoặc con dấu (%(error)s).", error=exc.strerror or exc)) from exc


def template_class(name: str):
    template = plugins.registry(current_app, plugins.GROUP_CERTIFICATE_TEMPLATES).get(name)
    if template is None:
        raise CertificateError(_("Mẫu giấy chứng nhận “%(name)s” chưa được cài đặt.", name=name))
    return template


@dataclass
class Facts:
    """What a certificate states, copied into its row at issue."""

    title: str
    hours: int
    start_on: dt.date | None
    end_on: dt.date | None
    result: str = "Đạt"
    full_name: str | None = None      # default: the cadre's current data
    birth_date: dt.date | None = None
    gender: str | None = None
    unit_name: str | None = None


def issue_certificate(cadre: Cadre, facts: Facts, *, issuer_unit: Unit | None = None, template: str = "default",
                      course: Course | None = None, course_version: CourseVersion | None = None,
                      enrolment: Enrolment | None = None, training_class: TrainingClass | None = None,
                      issued_on: dt.date | None = None, expires_on: dt.date | None = None,
                      validity_months: int | None = None, replaces: Certificate | None = None,
                      issued_by=None) -> Certificate:
    """Enter a certificate in the register and store its PDF; see the module docstring for the order.

    The issuing unit defaults to the root of the cadre's tree (the federation). ``expires_on``
    defaults to ``issued_on`` + ``validity_months`` when that is set. Raises :class:`CertificateError`
    (nothing written) when the template is missing, the settings are incomplete, rendering fails or
    the PDF cannot be stored.
    """
    template_cls = template_class(template)
    settings = get_settings()
    issuer = issuer_for(issuer_unit or root_unit(cadre.unit), settings)
    issued_on = issued_on or local_today()
    if expires_on is None and validity_months:
        expires_on = add_months(issued_on, validity_months)
    full_name = nfc(facts.full_name or cadre.full_name)
    birth_date = facts.birth_date if facts.birth_date is not None else cadre.birth_date
    gender = facts.gender or cadre.gender
    unit_name = nfc(facts.unit_name if facts.unit_name is not None else (cadre.unit.name if cadre.unit else ""))
    signature, seal = _image(settings, "signature_blob_id"), _image(settings, "seal_blob_id")

    from lms.certificates import rendering

    with db.session.begin_nested():
        number = take_register_number(issuer.unit.id, issued_on.year)
        serial = format_serial(str(settings["serial_pattern"]), number=number, issuer_short=issuer.short,
                               year=issued_on.year)
        code = _new_code()
        try:
            data = rendering.certificate_data(
                full_name=full_name, gender=gender, birth_date=birth_date, unit_name=unit_name,
                course_title=facts.title, hours=facts.hours, start_date=facts.start_on, end_date=facts.end_on,
                result=facts.result, issued_on=issued_on, signer_name=issuer.signer_name, serial=serial,
                register_number=number, verify_url=verify_url(code, settings), expires_on=expires_on,
                signature_image=signature, seal_image=seal, issuer_parent=issuer.parent_name,
                issuer_name=issuer.name, place=str(settings["place"]), signer_on_behalf=issuer.signer_on_behalf,
                signer_title=issuer.signer_title,
            )
            pdf = rendering.render_pdf(template_cls, data)
        except (rendering.CertificateRenderError, ValueError, TypeError) as exc:
            raise CertificateError(_("Không tạo được tệp PDF của giấy chứng nhận: %(error)s", error=exc)) from exc
        try:
            blob = storage.store(pdf)
        except OSError as exc:
            raise CertificateError(_(
                "Không ghi được tệp PDF của giấy chứng nhận vào kho lưu trữ (%(error)s). Chưa cấp giấy chứng "
                "nhận nào và số vào sổ không bị dùng; hãy kiểm tra ổ đĩa của máy chủ rồi thử lại.",
                error=exc.strerror or exc)) from exc
        certificate = Certificate(
            cadre_id=cadre.id, issuer_unit_id=issuer.unit.id, year=issued_on.year, number=number, serial=serial,
            verify_code=code, status=VALID, full_name=full_name, birth_date=birth_date, gender=gender,
            unit_name=unit_name, title=nfc(facts.title), hours=int(facts.hours or 0), start_on=facts.start_on,
            end_on=facts.end_on, result=facts.result, issued_on=issued_on, expires_on=expires_on,
            template=template, course_id=course.id if course else None,
            course_version_id=course_version.id if course_version else None,
            enrolment_id=enrolment.id if enrolment else None,
            class_id=training_class.id if training_class else None, pdf_blob_id=blob.id,
            replaces_id=replaces.id if replaces else None, issued_by_id=issued_by.id if issued_by else None,
        )
        db.session.add(certificate)
        db.session.flush()
    return certificate


# -- online courses ------------------------------------------------------------------------------

def course_hours(enrolment: Enrolment) -> int:
    """The course's certificate hours, else the cadre's modules' durations rounded up to whole hours."""
    if enrolment.course.certificate_hours:
        return int(enrolment.course.certificate_hours)
    minutes = sum(m.duration_minutes for m in visible_modules(enrolment.version, enrolment.cadre.track))
    return math.ceil(minutes / 60)


def certificate_for_enrolment(enrolment: Enrolment) -> Certificate | None:
    """The enrolment's current certificate (a replaced one is followed to its replacement)."""
    return db.session.scalar(select(Certificate).where(
        Certificate.enrolment_id == enrolment.id, Certificate.status == VALID).order_by(Certificate.id.desc()).limit(1))


def record_online_completion(enrolment: Enrolment) -> RecordEntry:
    """The cadre's training-record entry for a completed online course (written once)."""
    entry = db.session.scalar(select(RecordEntry).where(
        RecordEntry.cadre_id == enrolment.cadre_id, RecordEntry.kind == KIND_ONLINE,
        RecordEntry.course_id == enrolment.course_id, RecordEntry.course_version_id == enrolment.version_id))
    if entry is None:
        entry = RecordEntry(
            cadre_id=enrolment.cadre_id, kind=KIND_ONLINE, title=enrolment.version.title,
            provider=root_unit(enrolment.cadre.unit).name, start_on=local_date(enrolment.enrolled_at),
            end_on=local_date(enrolment.completed_at) or local_today(), hours=course_hours(enrolment),
            result="Đạt", course_id=enrolment.course_id, course_version_id=enrolment.version_id,
        )
        db.session.add(entry)
        db.session.flush()
    return entry


def issue_for_enrolment(enrolment: Enrolment, issued_by=None) -> Certificate:
    """The certificate of a completed online course, linked from the cadre's online record entry."""
    if enrolment.completed_at is None:
        raise CertificateError(_("Cán bộ chưa hoàn thành khóa học này."))
    existing = certificate_for_enrolment(enrolment)
    if existing is not None:
        raise CertificateError(_("Cán bộ đã có giấy chứng nhận số %(serial)s cho khóa học này; nếu cần sửa, hãy cấp lại.",
                                 serial=existing.serial))
    entry = record_online_completion(enrolment)
    course = enrolment.course
    facts = Facts(title=enrolment.version.title, hours=course_hours(enrolment),
                  start_on=local_date(enrolment.enrolled_at), end_on=local_date(enrolment.completed_at))
    certificate = issue_certificate(
        enrolment.cadre, facts, template=course.certificate_template or "default", course=course,
        course_version=enrolment.version, enrolment=enrolment, validity_months=course.validity_months,
        issued_by=issued_by,
    )
    entry.certificate_id = certificate.id
    db.session.flush()
    return certificate


def issue_for_course(cadre: Cadre, course: Course, issued_by=None) -> Certificate:
    """Issue by hand for a course the cadre completed online (when issuing at completion failed)."""
    enrolment = db.session.scalar(select(Enrolment).where(
        Enrolment.cadre_id == cadre.id, Enrolment.course_id == course.id, Enrolment.completed_at.is_not(None))
        .order_by(Enrolment.completed_at.desc()).limit(1))
    if enrolment is None:
        raise CertificateError({"course": _("Cán bộ chưa hoàn thành khóa học này.")})
    return issue_for_enrolment(enrolment, issued_by)


# -- in-person classes ---------------------------------------------------------------------------
#
# The one place that decides whether a class attendee holds a certificate: the class grants them, it
# has ended (its last day is Vietnam's today or earlier) and the attendee's result is a passing one.
# :func:`sync_class_certificates` brings the register in line after every change of attendance or
# results: it issues, re-issues (a different passing grade) and revokes (a result no longer passing,
# an attendee removed). A class in the future never gets a certificate.

def _class_issuer(training_class: TrainingClass) -> Unit:
    """The organiser issues, except that the federation's own classes are in the federation's register."""
    organiser = training_class.organiser_unit
    return organiser if organiser.parent_id is not None else root_unit(organiser)


def class_has_ended(training_class: TrainingClass, today: dt.date | None = None) -> bool:
    """Whether the class's last day is today (in Vietnam) or earlier: only then are results and
    certificates possible."""
    return training_class.end_on is not None and training_class.end_on <= (today or local_today())


def passed(result: str | None, pass_score: float | None = None) -> bool:
    """Whether a class result earns a certificate: "Đạt", "Giỏi", "Khá"… do; no result yet (blank),
    "Không đạt", "Không hoàn thành", "Chưa đạt" (anything starting with "không" or "chưa") do not; a
    score ("6,5 điểm") does from ``pass_score`` up (the class's, else :data:`DEFAULT_PASS_SCORE`)."""
    folded = fold(result or "").strip()
    score = result_score(folded)
    if score is not None:
        return float(score) >= (DEFAULT_PASS_SCORE if pass_score is None else pass_score)
    return bool(folded) and not folded.startswith(("khong", "chua"))


def class_passed(training_class: TrainingClass, result: str | None) -> bool:
    """:func:`passed` with the class's own pass mark."""
    return passed(result, training_class.pass_score)


def _class_not_ended_error(training_class: TrainingClass) -> CertificateError:
    return CertificateError(_(
        "Lớp %(title)s kết thúc ngày %(date)s: chỉ cấp giấy chứng nhận sau khi lớp học kết thúc.",
        title=training_class.title, date=format_date(training_class.end_on)))


def _class_facts(training_class: TrainingClass, result: str) -> Facts:
    return Facts(title=training_class.title, hours=training_class.hours, start_on=training_class.start_on,
                 end_on=training_class.end_on, result=nfc(result))


def issue_for_attendance(attendance: Attendance, issued_by=None) -> Certificate:
    training_class = attendance.training_class
    if not training_class.grants_certificate:
        raise CertificateError(_("Lớp %(title)s không cấp giấy chứng nhận.", title=training_class.title))
    if not class_has_ended(training_class):
        raise _class_not_ended_error(training_class)
    if not (attendance.result or "").strip():
        raise CertificateError(_("Cán bộ chưa có kết quả ở lớp này: chưa cấp giấy chứng nhận."))
    if not class_passed(training_class, attendance.result):
        raise CertificateError(_("Kết quả của cán bộ ở lớp này là “%(result)s”: không cấp giấy chứng nhận.",
                                 result=attendance.result))
    existing = class_certificates_in_force(training_class.id, attendance.cadre_id)
    if existing:
        raise CertificateError(_("Cán bộ đã có giấy chứng nhận số %(serial)s của lớp này.", serial=existing[0].serial))
    certificate = issue_certificate(attendance.cadre, _class_facts(training_class, attendance.result),
                                    issuer_unit=_class_issuer(training_class), training_class=training_class,
                                    issued_by=issued_by)
    # The class's record entry is written by the records area; point it at the certificate when it exists.
    db.session.execute(update(RecordEntry).where(
        RecordEntry.cadre_id == attendance.cadre_id, RecordEntry.class_id == training_class.id,
        RecordEntry.certificate_id.is_(None)).values(certificate_id=certificate.id))
    return certificate


def issue_for_class_attendee(cadre: Cadre, training_class: TrainingClass, issued_by=None) -> Certificate:
    attendance = db.session.scalar(select(Attendance).where(
        Attendance.class_id == training_class.id, Attendance.cadre_id == cadre.id))
    if attendance is None:
        raise CertificateError({"training_class": _("Cán bộ không có trong danh sách học viên của lớp này.")})
    return issue_for_attendance(attendance, issued_by)


@dataclass
class BatchResult:
    issued: list[Certificate]
    skipped: int  # attendees who hold a certificate of the class already, or did not pass


def issue_for_class(training_class: TrainingClass, issued_by=None) -> BatchResult:
    """Certificates for every attendee of an ended class that grants them and who passed (by hand,
    from the register's "issue for a class").

    Idempotent: an attendee who holds any certificate of the class — valid, replaced or revoked —
    is skipped (a revoked one is never silently re-issued; an admin issues again by hand). All or
    nothing: an error for one attendee (e.g. the disk refuses the write) raises, and the caller's
    rollback leaves the register as it was. A class that does not grant certificates issues none; a
    class that has not ended is refused.
    """
    if not training_class.grants_certificate:
        return BatchResult([], 0)
    if not class_has_ended(training_class):
        raise _class_not_ended_error(training_class)
    holders = set(db.session.scalars(select(Certificate.cadre_id).where(Certificate.class_id == training_class.id)))
    attendances = db.session.scalars(select(Attendance).where(Attendance.class_id == training_class.id)
                                     .order_by(Attendance.id)).all()
    issued = [issue_for_attendance(a, issued_by) for a in attendances
              if a.cadre_id not in holders and class_passed(training_class, a.result)]
    return BatchResult(issued, len(attendances) - len(issued))


def _register_language():
    """Texts stored in the register (revocation reasons) are written in the platform's default language,
    whatever the language of the admin whose change caused them: the public verification page shows them."""
    return force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "vi"))


def _class_revocation_reason(training_class: TrainingClass, attendance: Attendance | None) -> str | None:
    """Why a valid certificate of the class no longer stands, or None when it does."""
    result = (attendance.result or "").strip() if attendance is not None else ""
    with _register_language():
        if attendance is None:
            return _("Học viên đã được xóa khỏi danh sách lớp học.")
        if not result:
            return _("Kết quả lớp học đã bị xóa (chưa có kết quả).")
        if not class_passed(training_class, result):
            if result_score(result) is not None:
                return _("Kết quả %(result)s thấp hơn điểm đạt của lớp (%(p)s điểm).", result=result,
                         p=format_typed_number(training_class.pass_score))
            return _("Kết quả lớp học được sửa thành %(result)s.", result=result)
        if not class_has_ended(training_class):
            return _("Lớp học chưa kết thúc (kết thúc ngày %(date)s).", date=format_date(training_class.end_on))
    return None


@dataclass
class ClassSync:
    """What :func:`sync_class_certificates` changed in the register.

    ``error`` is set when issuing or re-issuing was refused (settings incomplete, no chair to sign,
    storage failing): none of this call's issues and re-issues were kept, its revocations were.
    """

    issued: list[Certificate]
    reissued: list[Certificate]
    revoked: list[Certificate]
    skipped: int = 0  # attendees given no new certificate: holding one already, no passing result yet…
    error: str | None = None


def sync_class_certificates(training_class: TrainingClass, *, newly_passing=frozenset(), actor=None) -> ClassSync:
    """Bring the class's certificates in line with its attendance and results.

    1. A valid certificate whose holder was removed from the class, whose result was changed to a
       non-passing one or cleared, or whose class has not ended, is revoked with the reason (the
       verification page shows it). Revocations cannot fail and are kept whatever follows.
    2. A valid certificate whose holder's passing result changed (Đạt → Giỏi) is re-issued stating
       the new result; the old one becomes "replaced" and the record entry follows the new one.
    3. When the class grants certificates and has ended, an attendee with a passing result and no
       valid certificate is issued one, unless they hold a revoked or replaced one of the class and
       their result did not just become passing (``newly_passing``): a certificate an admin revoked
       by hand is never silently issued again, but a result corrected back to passing is.

    2 and 3 run in one savepoint: if the certificates area refuses, they are rolled back together
    and ``error`` says why.
    """
    attendances = {a.cadre_id: a for a in db.session.scalars(
        select(Attendance).where(Attendance.class_id == training_class.id).order_by(Attendance.id))}
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.class_id == training_class.id).order_by(Certificate.id)).all()
    holders = {c.cadre_id for c in certificates}
    outcome = ClassSync([], [], [])
    valid: dict[int, Certificate] = {}
    for certificate in certificates:
        if certificate.status != VALID:
            continue
        reason = _class_revocation_reason(training_class, attendances.get(certificate.cadre_id))
        if reason is None:
            valid.setdefault(certificate.cadre_id, certificate)
            continue
        revoke(certificate, reason, actor)
        db.session.execute(update(RecordEntry).where(RecordEntry.certificate_id == certificate.id)
                           .values(certificate_id=None))
        outcome.revoked.append(certificate)
    ended = class_has_ended(training_class)
    try:
        with db.session.begin_nested():
            for cadre_id, attendance in attendances.items():
                current = valid.get(cadre_id)
                if current is not None:
                    if nfc(current.result) != nfc(attendance.result):
                        facts = _class_facts(training_class, attendance.result)
                        # the holder as the replaced certificate certified them (a re-issue by hand corrects those)
                        facts.full_name, facts.birth_date = current.full_name, current.birth_date
                        facts.gender, facts.unit_name = current.gender, current.unit_name
                        outcome.reissued.append(_replace(current, facts, actor=actor))
                elif (training_class.grants_certificate and ended and class_passed(training_class, attendance.result)
                      and (cadre_id not in holders or cadre_id in newly_passing)):
                    outcome.issued.append(issue_for_attendance(attendance, actor))
    except ValidationError as exc:
        return ClassSync([], [], outcome.revoked, len(attendances), str(exc))
    outcome.skipped = len(attendances) - len(outcome.issued)
    return outcome


# -- revoke and re-issue -------------------------------------------------------------------------

def revoke(certificate: Certificate, reason: str, actor=None) -> Certificate:
    reason = nfc(reason or "").strip()
    if not reason:
        raise CertificateError({"reason": _("Vui lòng ghi lý do thu hồi.")})
    if certificate.status != VALID:
        raise CertificateError(_("Chỉ thu hồi được giấy chứng nhận đang có hiệu lực."))
    certificate.status = REVOKED
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    db.session.flush()
    return certificate


def reissue(old: Certificate, *, full_name: str, birth_date: dt.date | None, unit_name: str, result: str,
            actor=None) -> Certificate:
    """A corrected certificate that replaces ``old`` (kept, with status "replaced"): same course or class,
    hours, dates, issuing unit and expiry; a new number in this year's register and a new code."""
    if old.status != VALID:
        raise CertificateError(_("Chỉ cấp lại được giấy chứng nhận đang có hiệu lực."))
    if not nfc(full_name or "").strip():
        raise CertificateError({"full_name": _("Vui lòng nhập họ và tên.")})
    # The cadre form's rule: a date it refuses would otherwise be printed on the certificate for good.
    problem = birth_date_problem(birth_date, clock.local_today()) if birth_date is not None else None
    if problem:
        raise CertificateError({"birth_date": problem})
    result = stored_result(result) or old.result
    training_class = db.session.get(TrainingClass, old.class_id) if old.class_id is not None else None
    if not (class_passed(training_class, result) if training_class is not None else passed(result)):
        raise CertificateError({"result": _("Giấy chứng nhận chỉ ghi kết quả đạt; với kết quả “%(result)s”, "
                                            "hãy thu hồi giấy chứng nhận.", result=result)})
    facts = Facts(title=old.title, hours=old.hours, start_on=old.start_on, end_on=old.end_on,
                  result=result, full_name=nfc(full_name).strip(),
                  birth_date=birth_date, gender=old.gender, unit_name=nfc(unit_name or "").strip())
    return _replace(old, facts, actor=actor)


def _replace(old: Certificate, facts: Facts, *, actor=None) -> Certificate:
    """Issue a certificate stating ``facts`` in place of the valid ``old`` (marked "replaced"), with
    ``old``'s issuing unit, template and expiry. The record entry follows the new one."""
    new = issue_certificate(
        old.cadre, facts, issuer_unit=old.issuer_unit, template=old.template,
        course=db.session.get(Course, old.course_id) if old.course_id else None,
        course_version=db.session.get(CourseVersion, old.course_version_id) if old.course_version_id else None,
        enrolment=db.session.get(Enrolment, old.enrolment_id) if old.enrolment_id else None,
        training_class=db.session.get(TrainingClass, old.class_id) if old.class_id else None,
        expires_on=old.expires_on, replaces=old, issued_by=actor,
    )
    old.status = REPLACED
    db.session.execute(update(RecordEntry).where(RecordEntry.certificate_id == old.id).values(certificate_id=new.id))
    db.session.flush()
    return new


# -- settings ------------------------------------------------------------------------------------

TEXT_SETTINGS = ("issuer_parent", "issuer_name", "issuer_short", "place", "signer_on_behalf", "signer_title",
                 "signer_name", "serial_pattern", "public_base_url")


def check_public_base_url(url: str) -> str:
    url = (url or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise CertificateError({"public_base_url": _("Địa chỉ công khai phải bắt đầu bằng http:// hoặc https://.")})
    return url


def public_url_is_local(url: str) -> bool:
    """The public address names this machine only (localhost, 127.x, ::1): a QR code printed with it
    opens nothing from another phone, which is the default until an admin sets the real one."""
    host = (urlsplit(str(url or "")).hostname or "").lower()
    return host in ("localhost", "::1", "0.0.0.0") or host.endswith(".localhost") or host.startswith("127.")


def store_png(data: bytes, filename: str, field: str) -> int:
    """Store a signature or seal image; only PNG (sniffed from its bytes) is accepted."""
    from lms.certificates.rendering import MAX_IMAGE_BYTES, PNG_SIGNATURE

    if not data.startswith(PNG_SIGNATURE):
        raise CertificateError({field: _("Tệp %(name)s không phải ảnh PNG.", name=filename)})
    if len(data) > MAX_IMAGE_BYTES:
        raise CertificateError({field: _("Ảnh quá lớn (tối đa %(n)s KB).", n=MAX_IMAGE_BYTES // 1024)})
    try:
        return storage.store(data).id
    except OSError as exc:
        raise CertificateError({field: _("Không ghi được ảnh vào kho lưu trữ (%(error)s).", error=exc.strerror or exc)}) from exc


def clean_settings(values: dict) -> dict:
    """Checked and normalised text settings (a CertificateError names the faulty fields)."""
    cleaned = {key: nfc(str(values.get(key) or "")).strip() for key in TEXT_SETTINGS}
    errors = {}
    for key in ("issuer_name", "issuer_short", "place", "signer_title"):
        if not cleaned[key]:
            errors[key] = _("Trường này là bắt buộc.")
    for key, check in (("serial_pattern", check_serial_pattern), ("public_base_url", check_public_base_url)):
        try:
            cleaned[key] = check(cleaned[key])
        except CertificateError as exc:
            errors.update(exc.errors)
    if errors:
        raise CertificateError(errors)
    return cleaned


def save_certificate_settings(values: dict, actor=None) -> None:
    """Save the settings page: text values (checked) and image blob ids (already stored)."""
    changes = clean_settings(values)
    for key in ("signature_blob_id", "seal_blob_id"):
        if key in values:
            changes[key] = values[key]
    save_settings(changes, actor.id if actor else None)


def preview_pdf(values: dict) -> bytes:
    """A sample certificate with the given (unsaved) settings, for the settings page's "Xem trước"."""
    from lms.certificates import rendering

    settings = {**get_settings(), **clean_settings(values)}
    for key in ("signature_blob_id", "seal_blob_id"):
        if key in values:
            settings[key] = values[key]
    try:
        data = rendering.preview_data(
            issuer_parent=settings["issuer_parent"], issuer_name=settings["issuer_name"], place=settings["place"],
            signer_on_behalf=settings["signer_on_behalf"], signer_title=settings["signer_title"],
            signer_name=settings["signer_name"] or "(Họ và tên người ký)",
            serial=format_serial(settings["serial_pattern"], number=125, issuer_short=settings["issuer_short"],
                                 year=local_today().year),
            register_number="125", verify_url=verify_url("MAU-XEM-TRUOC", settings),
            signature_image=_image(settings, "signature_blob_id"), seal_image=_image(settings, "seal_blob_id"),
        )
        return rendering.render_pdf(template_class("default"), data, strict=False)
    except (rendering.CertificateRenderError, ValueError, TypeError) as exc:
        raise CertificateError(_("Không tạo được bản xem trước: %(error)s", error=exc)) from exc
