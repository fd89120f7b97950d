"""The certificate register (sổ cấp giấy chứng nhận).

Each certificate has a serial number per issuing unit and year (``Certificate.number``, formatted
by the configured pattern, e.g. ``125/GCN-LĐLĐ-2026``), an entry number in the unit's register, and
an unguessable verification code. Its PDF is rendered once at issue and stored; downloads never
re-render. Nothing is deleted: a revoked certificate keeps its row, and a re-issue points back to
the certificate it replaces.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from lms.core.db import UTCDateTime, db, utcnow
from lms.core.text import fold

VALID = "valid"
REVOKED = "revoked"
REPLACED = "replaced"


class RegisterCounter(db.Model):
    """The last number used in one issuing unit's register for one year (locked while issuing)."""

    __tablename__ = "register_counters"
    __table_args__ = (UniqueConstraint("issuer_unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("issuer_unit_id", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    issuer_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)          # register entry number within unit and year
    serial: Mapped[str] = mapped_column(String(80), index=True)
    # The serial without accents and in small letters, set with it: the public look-up finds "30/gcn-ldld-2026"
    # typed on a phone keyboard without Vietnamese letters for "30/GCN-LĐLĐ-2026".
    serial_key: Mapped[str] = mapped_column(String(80), index=True, default="", server_default="")
    verify_code: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=VALID)
    # What was certified, copied at issue so that later edits never change a certificate.
    full_name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(10))
    unit_name: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(300))
    hours: Mapped[int] = mapped_column(Integer, default=0)
    start_on: Mapped[dt.date | None] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(100), default="Đạt")
    issued_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    template: Mapped[str] = mapped_column(String(80), default="default")
    # Where it came from: an online course (on a given version), or an in-person class.
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    course_version_id: Mapped[int | None] = mapped_column(ForeignKey("course_versions.id"))
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("training_classes.id"), index=True)
    pdf_blob_id: Mapped[int] = mapped_column(ForeignKey("blobs.id"))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    cadre = relationship("Cadre")
    issuer_unit = relationship("Unit")
    pdf_blob = relationship("Blob")
    replaces: Mapped[Certificate | None] = relationship(remote_side=[id])

    @validates("serial")
    def _keep_serial_key(self, _key: str, serial: str) -> str:
        self.serial_key = fold(serial)
        return serial

    def state_on(self, day: dt.date) -> str:
        """valid, revoked, replaced or expired on ``day``."""
        if self.status != VALID:
            return self.status
        if self.expires_on is not None and day > self.expires_on:
            return "expired"
        return VALID
