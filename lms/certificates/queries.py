"""Reads of the certificate register for pages, exports and reminders, each in a fixed number of queries."""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from lms.cadres.models import Cadre
from lms.cadres.queries import Page, cadre_search
from lms.certificates.models import VALID, Certificate
from lms.core.db import db
from lms.core.policy import is_federation_admin
from lms.core.text import fold
from lms.courses.models import Blob, Course, Enrolment
from lms.orgs.models import Unit
from lms.records.models import TrainingClass


def _scoped(query, user, unit: Unit | None = None):
    """Certificates whose cadre's CURRENT unit lies in the user's scope (and in ``unit``'s subtree)."""
    query = query.join(Cadre, Cadre.id == Certificate.cadre_id).outerjoin(Unit, Unit.id == Cadre.unit_id)
    if user is not None and not is_federation_admin(user):
        if user.unit is None:
            return query.where(False)
        query = query.where(Unit.path.startswith(user.unit.path))
    if unit is not None:
        query = query.where(Unit.path.startswith(unit.path))
    return query


@dataclass
class Filters:
    """The register's and the export's filters (None or "" = all); ``q`` is the search box's text."""

    year: int | None = None
    course_id: int | None = None
    class_id: int | None = None
    unit: Unit | None = None
    status: str | None = None
    q: str = ""

    def args(self) -> dict:
        values = {"year": self.year, "course": self.course_id, "class": self.class_id,
                  "unit": self.unit.id if self.unit else None, "status": self.status, "q": self.q}
        return {k: v for k, v in values.items() if v}


_NUMBER_YEAR = re.compile(r"([0-9]{1,9})\s*/\s*([0-9]{4})")


def search_clause(q: str):
    """The register's search box as one WHERE clause, or None for no text. A certificate is found by

    - its cadre's name, every word in any order and accents ignored, or, for one word, its cadre's code
      ("nguyen anh", "cb00440"): as the cadre list finds cadres (``lms.cadres.queries.list_cadres``);
    - its serial, whole, as printed ("30/GCN-LĐLĐ-2026", or typed in small letters): a part would
      find every "130/…" and "230/…" too;
    - "number/year" ("30/2026"): the entry number in its issuing unit's register that year, which
      needs no Vietnamese letters when the serial pattern has some (and finds the 30th of each
      issuing unit in the scope).
    """
    by_name = cadre_search(q)
    if by_name is None:
        return None
    # Serials are printed in capitals ("LĐLĐ"); SQLite's upper() changes only ASCII letters, so the
    # typed text is put in capitals here, and an exact match covers a serial with small letters.
    found = [by_name, Certificate.serial == q, func.upper(Certificate.serial) == q.upper()]
    number_year = _NUMBER_YEAR.fullmatch(q)
    if number_year:
        found.append(and_(Certificate.number == int(number_year[1]), Certificate.year == int(number_year[2])))
    return or_(*found)


def _filtered(query, user, filters: Filters):
    query = _scoped(query, user, filters.unit)
    clause = search_clause(filters.q)
    if clause is not None:
        query = query.where(clause)
    if filters.year:
        query = query.where(Certificate.year == filters.year)
    if filters.course_id:
        query = query.where(Certificate.course_id == filters.course_id)
    if filters.class_id:
        query = query.where(Certificate.class_id == filters.class_id)
    if filters.status:
        query = query.where(Certificate.status == filters.status)
    return query


def register(user, filters: Filters, page: int = 1, per_page: int = 50) -> Page:
    """The register in the user's scope, newest entries first: two queries."""
    base = _filtered(select(Certificate), user, filters)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    items = db.session.scalars(
        base.options(joinedload(Certificate.cadre).joinedload(Cadre.unit), joinedload(Certificate.issuer_unit))
        .order_by(Certificate.year.desc(), Certificate.issued_on.desc(), Certificate.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).unique().all()
    return Page(list(items), page, per_page, total, filters.args())


def filter_choices(user) -> dict:
    """Years, courses and classes that appear in the user's part of the register: three queries."""
    scoped = _scoped(select(Certificate), user).subquery()
    years = db.session.scalars(select(scoped.c.year).distinct().order_by(scoped.c.year.desc())).all()
    courses = db.session.execute(
        select(scoped.c.course_id, func.max(scoped.c.title)).where(scoped.c.course_id.is_not(None))
        .group_by(scoped.c.course_id)).all()
    classes = db.session.execute(
        select(TrainingClass.id, TrainingClass.title, TrainingClass.start_on)
        .where(TrainingClass.id.in_(select(scoped.c.class_id).where(scoped.c.class_id.is_not(None))))
        .order_by(TrainingClass.start_on.desc())).all()
    return {
        "years": list(years),
        "courses": sorted(courses, key=lambda row: fold(row[1])),
        "classes": [(cid, f"{title} ({start:%d/%m/%Y})") for cid, title, start in classes],
    }


def mine(cadre_id: int) -> list[Certificate]:
    """A cadre's certificates, newest first, with their issuing units: one query."""
    return list(db.session.scalars(
        select(Certificate).options(joinedload(Certificate.issuer_unit))
        .where(Certificate.cadre_id == cadre_id).order_by(Certificate.issued_on.desc(), Certificate.id.desc())))


def get(certificate_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).options(
        joinedload(Certificate.cadre).joinedload(Cadre.unit), joinedload(Certificate.issuer_unit),
        joinedload(Certificate.pdf_blob)).where(Certificate.id == certificate_id))


def by_code(code: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).options(joinedload(Certificate.issuer_unit))
                             .where(Certificate.verify_code == code))


def class_certificates_in_force(class_id: int, cadre_id: int) -> list[Certificate]:
    """The certificates of class ``class_id`` that cadre ``cadre_id`` holds in force (one, unless two were
    issued by hand): one query."""
    return list(db.session.scalars(select(Certificate).where(
        Certificate.class_id == class_id, Certificate.cadre_id == cadre_id, Certificate.status == VALID)
        .order_by(Certificate.id)))


def by_serial(serial: str) -> list[Certificate]:
    """Certificates whose serial is ``serial`` whole, accents and capitals aside ("30/gcn-ldld-2026" is
    30/GCN-LĐLĐ-2026); two units may in theory print the same one, and "LDLD" and "LĐLĐ" read the same."""
    return list(db.session.scalars(select(Certificate).options(joinedload(Certificate.issuer_unit))
                                   .where(Certificate.serial_key == fold(serial.strip())).order_by(Certificate.id)))


def chain(certificate: Certificate) -> tuple[list[Certificate], list[Certificate]]:
    """(earlier certificates it replaced, oldest first; later ones that replaced it, in order).

    Re-issues are rare and short; each step is one indexed query.
    """
    earlier, seen = [], {certificate.id}
    current = certificate
    while current.replaces_id and current.replaces_id not in seen:
        current = db.session.get(Certificate, current.replaces_id)
        seen.add(current.id)
        earlier.insert(0, current)
    later, current = [], certificate
    while True:
        following = db.session.scalar(select(Certificate).where(Certificate.replaces_id == current.id).limit(1))
        if following is None or following.id in seen:
            break
        seen.add(following.id)
        later.append(following)
        current = following
    return earlier, later


def replacement_of(certificate: Certificate) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.replaces_id == certificate.id).limit(1))


def certificates_due_for_renewal(within_days: int, today: dt.date | None = None) -> list[Certificate]:
    """Valid certificates that expire in the next ``within_days`` days (or have expired up to today),
    soonest first, with their cadres: for reminders. ``today`` defaults to today in Vietnam."""
    from lms.certificates.operations import local_today

    today = today or local_today()
    return list(db.session.scalars(
        select(Certificate).options(joinedload(Certificate.cadre))
        .where(Certificate.status == VALID, Certificate.expires_on.is_not(None),
               Certificate.expires_on <= today + dt.timedelta(days=within_days))
        .order_by(Certificate.expires_on, Certificate.id)).unique())


def completed_without_certificate(user, limit: int = 50) -> list[Enrolment]:
    """Completed enrolments in the user's scope without a valid certificate (issuing at completion failed)."""
    certified = select(Certificate.enrolment_id).where(Certificate.enrolment_id.is_not(None),
                                                       Certificate.status == VALID)
    query = (select(Enrolment).join(Cadre, Cadre.id == Enrolment.cadre_id).outerjoin(Unit, Unit.id == Cadre.unit_id)
             .where(Enrolment.completed_at.is_not(None), Enrolment.id.not_in(certified)))
    if not is_federation_admin(user):
        query = query.where(Unit.path.startswith(user.unit.path)) if user.unit else query.where(False)
    return list(db.session.scalars(
        query.options(joinedload(Enrolment.cadre), joinedload(Enrolment.version), joinedload(Enrolment.course))
        .order_by(Enrolment.completed_at.desc()).limit(limit)).unique())


def course_choices() -> list[tuple[int, str]]:
    """Courses with a published or archived version, by title: one query."""
    from lms.courses.models import DRAFT, CourseVersion

    latest = (select(CourseVersion.course_id, func.max(CourseVersion.number).label("number"))
              .where(CourseVersion.status != DRAFT).group_by(CourseVersion.course_id).subquery())
    version = aliased(CourseVersion)
    rows = db.session.execute(
        select(Course.id, Course.code, version.title).join(latest, latest.c.course_id == Course.id)
        .join(version, (version.course_id == Course.id) & (version.number == latest.c.number))).all()
    return sorted(((cid, f"{title} ({code})") for cid, code, title in rows), key=lambda r: fold(r[1]))


def class_choices(user) -> list[tuple[int, str]]:
    """Classes that grant certificates, organised in the user's scope."""
    query = (select(TrainingClass.id, TrainingClass.title, TrainingClass.start_on)
             .join(Unit, Unit.id == TrainingClass.organiser_unit_id)
             .where(TrainingClass.grants_certificate.is_(True)))
    if not is_federation_admin(user):
        query = query.where(Unit.path.startswith(user.unit.path)) if user.unit else query.where(False)
    rows = db.session.execute(query.order_by(TrainingClass.start_on.desc(), TrainingClass.id.desc())).all()
    return [(cid, f"{title} ({start:%d/%m/%Y})") for cid, title, start in rows]


# -- bulk export ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportItem:
    certificate_id: int
    filename: str   # inside the ZIP (ASCII)
    sha256: str
    size: int


def export_items(user, filters: Filters) -> list[ExportItem]:
    """The valid (possibly expired) certificates selected for a ZIP, with their stored PDFs' sizes: one query.

    Revoked and replaced certificates are left out of bulk downloads; their PDFs stay available one
    by one from the register.
    """
    from lms.certificates.rendering import suggested_filename

    query = _filtered(select(Certificate.id, Certificate.serial, Certificate.full_name, Blob.sha256, Blob.size)
                      .join(Blob, Blob.id == Certificate.pdf_blob_id), user, filters)
    query = query.where(Certificate.status == VALID).order_by(Certificate.year, Certificate.issuer_unit_id,
                                                               Certificate.number, Certificate.id)
    items, used = [], set()
    for cid, serial, full_name, sha256, size in db.session.execute(query):
        name = pdf_filename(serial, full_name, suggested_filename)
        if name in used:
            name = name[:-4] + f"-{cid}.pdf"
        used.add(name)
        items.append(ExportItem(cid, name, sha256, size))
    return items


def pdf_filename(serial: str, full_name: str, suggested=None) -> str:
    """``giay-chung-nhan-125-GCN-LDLD-2026-nguyen-thi-anh.pdf``: ASCII, from the serial and the name."""
    if suggested is None:
        from lms.certificates.rendering import suggested_filename as suggested
    name = re.sub(r"[^a-z0-9]+", "-", fold(full_name or "")).strip("-")[:60]
    base = suggested({"serial": serial})[:-4]
    return f"{base}-{name}.pdf" if name else f"{base}.pdf"


# A ZIP of PDFs, streamed. PDFs are already compressed, so entries are STORED: the archive's size is
# then known before a byte is sent (it depends only on the names and the stored files' sizes), and
# the response carries an exact Content-Length, so browsers show real progress on large sets.
# The layout below mirrors what ``zipfile`` writes to a non-seekable stream: per entry a local header
# (30 bytes + name), the data and a data descriptor (16 bytes); a central-directory entry (46 bytes
# + name, + a 12-byte ZIP64 extra once the entry starts beyond 2 GiB); the end record (22 bytes,
# + 76 bytes of ZIP64 records past 65,535 entries or 2 GiB).

_LOCAL, _DESCRIPTOR, _CENTRAL, _END, _ZIP64_END = 30, 16, 46, 22, 56 + 20
_ZIP64_EXTRA = 12


def zip_size(entries: Iterable[tuple[str, int]]) -> int:
    """The exact size of the stored ZIP that :func:`zip_stream` makes of ``(name, size)`` entries."""
    offset = central = count = 0
    for name, size in entries:
        name_len = len(name.encode("utf-8"))
        central += _CENTRAL + name_len + (_ZIP64_EXTRA if offset > zipfile.ZIP64_LIMIT else 0)
        offset += _LOCAL + name_len + size + _DESCRIPTOR
        count += 1
    end = _END
    if count > zipfile.ZIP_FILECOUNT_LIMIT or offset > zipfile.ZIP64_LIMIT or central > zipfile.ZIP64_LIMIT:
        end += _ZIP64_END
    return offset + central + end


class _Sink:
    """A write-only, non-seekable file for ``zipfile``: collects what it writes until drained."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def zip_stream(entries: Iterable[tuple[str, Path]], on_entry: Callable[[str], None] | None = None) -> Iterator[bytes]:
    """Yield a stored ZIP of the files, one entry at a time (memory: one PDF).

    ``entries`` are ``(name in the archive, path on disk)``; ``on_entry`` is called after each file
    (the command line's progress bar). Times are fixed so the same selection gives the same bytes.
    """
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, path in entries:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            archive.writestr(info, Path(path).read_bytes())
            yield sink.drain()
            if on_entry is not None:
                on_entry(name)
    yield sink.drain()


def export_entries(items: list[ExportItem]) -> list[tuple[str, Path]]:
    """(name, path) pairs for :func:`zip_stream`, checked against the stored sizes before streaming
    starts: a missing or changed file must not break a download half-way with a wrong length."""
    from lms.certificates.operations import CertificateError
    from lms.core.i18n import _
    from lms.courses.storage import blob_path

    entries = []
    for item in items:
        path = blob_path(item.sha256)
        try:
            size = path.stat().st_size
        except OSError:
            size = -1
        if size != item.size:
            raise CertificateError(_("Tệp PDF của giấy chứng nhận #%(id)s bị thiếu hoặc hỏng trong kho lưu trữ.",
                                     id=item.certificate_id))
        entries.append((item.filename, path))
    return entries
