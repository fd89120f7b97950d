"""Training record entries, in-person classes and their attendance.

A ``RecordEntry`` belongs to the cadre, never to a unit, so it survives transfers, merges and
dissolutions; it is written when a course is completed, when attendance at a class is recorded, and
when an admin records external training (a master's degree, a political-theory course) with evidence.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, db, utcnow

KIND_ONLINE = "online"
KIND_CLASS = "class"
KIND_EXTERNAL = "external"
# Kinds of external study the federation reports on (data for the overview; more may be added).
STUDY_KINDS = ("masters", "political_advanced", "political_intermediate", "political_elementary", "other")


#: The pass mark of a score when the class says nothing else: 5, on the 10-point scale classes are usually scored on.
DEFAULT_PASS_SCORE = 5.0


class TrainingClass(db.Model):
    """An in-person training class (lớp tập huấn / lớp bồi dưỡng)."""

    __tablename__ = "training_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    topic: Mapped[str] = mapped_column(String(300), default="")
    organiser_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date] = mapped_column(Date)
    hours: Mapped[int] = mapped_column(Integer, default=0)
    place: Mapped[str] = mapped_column(String(300), default="")
    trainer_name: Mapped[str] = mapped_column(String(300), default="")
    grants_certificate: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the lowest score that passes when results are scores ("6,5 điểm"): 5 on the usual 10-point scale
    pass_score: Mapped[float] = mapped_column(Float, default=DEFAULT_PASS_SCORE, server_default="5")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organiser_unit = relationship("Unit")


class Attendance(db.Model):
    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("class_id", "cadre_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    # Blank until entered ("Chưa có kết quả"): a result exists only once the class has ended.
    result: Mapped[str] = mapped_column(String(100), default="")

    training_class: Mapped[TrainingClass] = relationship()
    cadre = relationship("Cadre")


class RecordEntry(db.Model):
    __tablename__ = "record_entries"
    __table_args__ = (
        # "Cadres sent to study" reads only external entries; at national scale (10 million entries)
        # this partial index turns a full scan into a lookup (docs/reports.md).
        Index("ix_record_entries_external_cadre", "cadre_id",
              sqlite_where=text("kind = 'external'"), postgresql_where=text("kind = 'external'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))            # online | class | external
    study_kind: Mapped[str | None] = mapped_column(String(40))  # for external training
    title: Mapped[str] = mapped_column(String(300))
    provider: Mapped[str] = mapped_column(String(300), default="")
    start_on: Mapped[dt.date | None] = mapped_column(Date)
    end_on: Mapped[dt.date] = mapped_column(Date, index=True)
    hours: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[str] = mapped_column(String(100), default="")
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    course_version_id: Mapped[int | None] = mapped_column(ForeignKey("course_versions.id"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("training_classes.id"), index=True)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    evidence_blob_id: Mapped[int | None] = mapped_column(ForeignKey("blobs.id"))
    evidence_name: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    cadre = relationship("Cadre")
    certificate = relationship("Certificate")
    training_class = relationship(TrainingClass)
