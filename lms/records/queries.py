"""Reads for training records and classes, each in a fixed number of queries."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from lms.accounts.models import ROLE_TRAINER
from lms.cadres.models import Cadre
from lms.cadres.queries import Page
from lms.core import clock
from lms.core.db import db
from lms.core.i18n import _, _l, local_result
from lms.core.policy import is_federation_admin, is_union_admin
from lms.orgs.models import Unit
from lms.records.models import KIND_CLASS, KIND_EXTERNAL, KIND_ONLINE, Attendance, RecordEntry, TrainingClass

KINDS = (KIND_ONLINE, KIND_CLASS, KIND_EXTERNAL)
KIND_LABELS = {
    KIND_ONLINE: _l("Khóa học trực tuyến"),
    KIND_CLASS: _l("Lớp tập huấn, bồi dưỡng"),
    KIND_EXTERNAL: _l("Đào tạo bên ngoài"),
}
STUDY_KIND_LABELS = {
    "masters": _l("Thạc sĩ"),
    "political_advanced": _l("Cao cấp lý luận chính trị"),
    "political_intermediate": _l("Trung cấp lý luận chính trị"),
    "political_elementary": _l("Sơ cấp lý luận chính trị"),
    "other": _l("Khác"),
}
#: The topics of the federation's classes (the 2019 article); suggestions, not a closed list.
CLASS_TOPICS = (
    "Điều lệ Công đoàn Việt Nam",
    "Nghiệp vụ công tác kiểm tra",
    "Tài chính công đoàn",
    "Thi đua khen thưởng",
    "Hoạt động nữ công",
    "Phương pháp hoạt động công đoàn",
)


def kind_label(kind: str) -> str:
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


def study_kind_label(study_kind: str | None) -> str:
    if not study_kind:
        return ""
    label = STUDY_KIND_LABELS.get(study_kind)
    return str(label) if label is not None else study_kind


# -- the record of one cadre -----------------------------------------------------------------------------

@dataclass
class YearTotal:
    year: int
    hours: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))


@dataclass
class Record:
    """What the record page shows: the cadre, the entries (newest first), hours per year (newest first)."""

    cadre: Cadre
    entries: list[RecordEntry]
    years: list[YearTotal]
    total_hours: int

    def of_kind(self, kind: str) -> list[RecordEntry]:
        return [e for e in self.entries if e.kind == kind]


def load_record(cadre_id: int) -> Record | None:
    """The cadre (with unit) and all their entries (with certificates): two queries whatever the count."""
    cadre = db.session.scalar(select(Cadre).options(joinedload(Cadre.unit)).where(Cadre.id == cadre_id))
    if cadre is None:
        return None
    entries = list(db.session.scalars(
        select(RecordEntry).options(joinedload(RecordEntry.certificate))
        .where(RecordEntry.cadre_id == cadre.id)
        .order_by(RecordEntry.end_on.desc(), RecordEntry.start_on.desc(), RecordEntry.id.desc())
    ))
    years: dict[int, YearTotal] = {}
    for entry in entries:
        total = years.setdefault(entry.end_on.year, YearTotal(entry.end_on.year))
        total.hours += entry.hours or 0
        total.by_kind[entry.kind] = total.by_kind.get(entry.kind, 0) + (entry.hours or 0)
    ordered = sorted(years.values(), key=lambda y: y.year, reverse=True)
    return Record(cadre, entries, ordered, sum(y.hours for y in ordered))


def export_labels() -> dict[str, str]:
    """Column headings and captions of exported records, in the current language."""
    return {
        "document_title": _("Hồ sơ đào tạo cán bộ công đoàn"),
        "code": _("Mã cán bộ"), "full_name": _("Họ và tên"), "birth_date": _("Ngày sinh"),
        "unit_name": _("Đơn vị"), "year": _("Năm"), "kind_label": _("Hình thức"),
        "study_kind_label": _("Loại hình đào tạo"), "title": _("Tên khóa học, lớp học"),
        "provider": _("Đơn vị tổ chức, cơ sở đào tạo"), "start_on": _("Từ ngày"), "end_on": _("Đến ngày"),
        "period": _("Thời gian"), "hours": _("Số giờ"), "result": _("Kết quả"),
        "certificate_serial": _("Số hiệu giấy chứng nhận"), "entries": _("Quá trình đào tạo, bồi dưỡng"),
        "per_year": _("Số giờ học theo năm"), "hours_online": _("Trực tuyến"), "hours_class": _("Lớp tập huấn"),
        "hours_external": _("Bên ngoài"), "hours_total": _("Tổng số giờ"), "total": _("Tổng cộng"),
        "empty": _("Chưa có mục nào."), "generated_on": _("Trích xuất ngày"),
        "sheet_entries": _("Hồ sơ đào tạo"), "sheet_years": _("Số giờ theo năm"),
    }


def record_data(record: Record, today: dt.date | None = None) -> dict[str, Any]:
    """The record as plain data for exporters (see :mod:`lms.records.exporters`): no ORM objects."""
    cadre = record.cadre
    no_result = _("Chưa có kết quả")  # a class attended whose result has not been entered yet
    entries = []
    for entry in sorted(record.entries, key=lambda e: (e.end_on, e.start_on or e.end_on, e.id)):
        certificate = entry.certificate
        entries.append({
            "kind": entry.kind,
            "kind_label": kind_label(entry.kind),
            "study_kind": entry.study_kind,
            "study_kind_label": study_kind_label(entry.study_kind),
            "title": entry.title,
            "provider": entry.provider or "",
            "start_on": entry.start_on,
            "end_on": entry.end_on,
            "year": entry.end_on.year,
            "hours": entry.hours or 0,
            # in the export's language, a score with its unit ("8,5 điểm"), as the record page shows it
            "result": local_result(entry.result) or (no_result if entry.kind == KIND_CLASS else ""),
            "certificate_serial": certificate.serial if certificate is not None else "",
            "note": entry.note or "",
        })
    return {
        "cadre": {
            "code": cadre.code, "full_name": cadre.full_name, "gender": cadre.gender,
            "birth_date": cadre.birth_date, "unit_name": cadre.unit.name if cadre.unit else "",
        },
        "generated_on": today or clock.local_today(),
        "entries": entries,
        "years": [{"year": y.year, "hours": y.hours, **{k: y.by_kind.get(k, 0) for k in KINDS}} for y in record.years],
        "total_hours": record.total_hours,
        "labels": export_labels(),
    }


# -- classes ----------------------------------------------------------------------------------------------

def _visible_classes(user):
    """The classes ``user`` manages, as a WHERE clause on TrainingClass (joined with its organiser Unit)."""
    if is_federation_admin(user):
        return True
    if user.role == ROLE_TRAINER:
        return TrainingClass.created_by_id == user.id
    if is_union_admin(user):
        return Unit.path.startswith(user.unit.path)
    return False


def list_classes(user, page: int = 1, per_page: int = 50) -> Page:
    """(class, attendee count) pairs the user manages, newest first, organiser loaded: three queries."""
    where = _visible_classes(user)
    base = select(TrainingClass).join(Unit, Unit.id == TrainingClass.organiser_unit_id).where(where)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    items = list(db.session.scalars(
        base.options(joinedload(TrainingClass.organiser_unit))
        .order_by(TrainingClass.start_on.desc(), TrainingClass.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).unique())
    counts = dict(db.session.execute(
        select(Attendance.class_id, func.count()).where(Attendance.class_id.in_([c.id for c in items]))
        .group_by(Attendance.class_id)
    ).all()) if items else {}
    return Page([(item, counts.get(item.id, 0)) for item in items], page, per_page, total, {})


def get_class(class_id: int) -> TrainingClass | None:
    return db.session.scalar(
        select(TrainingClass).options(joinedload(TrainingClass.organiser_unit)).where(TrainingClass.id == class_id))


def attendee(training_class: TrainingClass, cadre_id: int) -> tuple[Attendance, list] | None:
    """One attendee with their cadre, and the certificates of this class they hold in force (what removing
    them revokes): two queries; None when the cadre is not on the class list."""
    from lms.certificates.queries import class_certificates_in_force

    found = db.session.scalar(
        select(Attendance).options(joinedload(Attendance.cadre).joinedload(Cadre.unit))
        .where(Attendance.class_id == training_class.id, Attendance.cadre_id == cadre_id))
    if found is None:
        return None
    return found, class_certificates_in_force(training_class.id, cadre_id)


def attendance(training_class: TrainingClass) -> list[Attendance]:
    """The attendees with their cadres and current units, by given name: one query."""
    return list(db.session.scalars(
        select(Attendance).join(Cadre, Cadre.id == Attendance.cadre_id)
        .options(joinedload(Attendance.cadre).joinedload(Cadre.unit))
        .where(Attendance.class_id == training_class.id).order_by(Cadre.sort_key, Cadre.id)
    ))
