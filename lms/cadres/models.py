"""Cadres and their dated memberships, titles and facts (employment, education and political levels).

A cadre's current unit is kept on ``Cadre.unit_id`` for fast lists and reports; ``Membership``
rows are the history (a transfer closes one and opens the next). In the same way ``Cadre.employment``,
``education_level_id`` and ``political_level_id`` are the current values and ``CadreFacts`` rows their
history, which the reports read "as of" a date. Nothing here is ever deleted by a reorganisation,
so a cadre's history and training record survive it.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, db, utcnow
from lms.core.text import fold, name_sort_key, nfc
from lms.orgs.models import Track, Unit

GENDERS = ("male", "female")
EMPLOYMENT_KINDS = ("full_time", "part_time")


class EducationLevel(db.Model):
    """Professional education level (trình độ chuyên môn): data."""

    __tablename__ = "education_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    rank: Mapped[int] = mapped_column(Integer)
    is_university_or_higher: Mapped[bool] = mapped_column(Boolean, default=False)


class PoliticalLevel(db.Model):
    """Political-theory level (trình độ lý luận chính trị): data."""

    __tablename__ = "political_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    rank: Mapped[int] = mapped_column(Integer)


class TitleType(db.Model):
    """A union title (Chủ tịch, Ủy viên BCH…): data."""

    __tablename__ = "title_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    rank: Mapped[int] = mapped_column(Integer, default=100)


def cadre_code(text: str | None) -> str:
    """A cadre code as stored and looked up: NFC, trimmed, upper case, as unit and course codes are
    ("cb00042" typed in a form or a file is CB00042, never a second cadre)."""
    return nfc(text or "").strip().upper()


class Cadre(db.Model):
    __tablename__ = "cadres"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    sort_key: Mapped[str] = mapped_column(String(400), index=True)
    search_key: Mapped[str] = mapped_column(String(200), index=True)
    gender: Mapped[str] = mapped_column(String(10))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    employment: Mapped[str] = mapped_column(String(20), default="part_time")
    education_level_id: Mapped[int | None] = mapped_column(ForeignKey("education_levels.id"))
    political_level_id: Mapped[int | None] = mapped_column(ForeignKey("political_levels.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    track_override_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id"))
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    term: Mapped[str] = mapped_column(String(20), default="")  # nhiệm kỳ, e.g. "2023–2028"
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit | None] = relationship()
    track_override: Mapped[Track | None] = relationship()
    education_level: Mapped[EducationLevel | None] = relationship()
    political_level: Mapped[PoliticalLevel | None] = relationship()

    def set_name(self, full_name: str) -> None:
        self.full_name = nfc(full_name)
        self.sort_key = name_sort_key(self.full_name)
        self.search_key = fold(self.full_name)

    @property
    def track(self) -> Track | None:
        """The cadre's sector track: the per-cadre override, else the unit's."""
        if self.track_override is not None:
            return self.track_override
        return self.unit.track if self.unit is not None else None

    def __repr__(self) -> str:
        return f"<Cadre {self.code}>"


class Membership(db.Model):
    """A cadre belonging to a unit from ``start_on`` until ``end_on`` (open-ended while current)."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(40), default="join")  # join, transfer, merge, dissolve, import

    cadre: Mapped[Cadre] = relationship()
    unit: Mapped[Unit] = relationship()


class CadreTitle(db.Model):
    """A title a cadre held in a unit between two dates."""

    __tablename__ = "cadre_titles"

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    title_type_id: Mapped[int] = mapped_column(ForeignKey("title_types.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)

    cadre: Mapped[Cadre] = relationship()
    title_type: Mapped[TitleType] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship()


class Planning(db.Model):
    """A cadre in the pool planned for a title (quy hoạch cán bộ) from ``start_on`` until ``end_on``
    (open while they stay in it). The federation reviews the pool and trains it first: a plan's
    audience may be the cadres planned for some titles (:mod:`lms.plans`). ``term`` is the term the
    planning is for ("2028–2033"); rows are never rewritten, only ended, so an audience "as of" a day
    reads who was in the pool that day."""

    __tablename__ = "cadre_plannings"

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    title_type_id: Mapped[int] = mapped_column(ForeignKey("title_types.id"))
    term: Mapped[str] = mapped_column(String(20), default="")
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    cadre: Mapped[Cadre] = relationship()
    title_type: Mapped[TitleType] = relationship(lazy="joined")


class CadreFacts(db.Model):
    """What a cadre was from ``start_on`` until ``end_on`` (open-ended while current): full-time or
    part-time, and their professional education and political-theory levels.

    Kept like ``Membership``: a change closes the open row on its effective date and opens the next, so
    the rows of a cadre never overlap and the one covering a day ``d`` has ``start_on <= d`` and
    ``end_on`` empty or later than ``d``. ``Cadre`` keeps the current values.
    """

    __tablename__ = "cadre_facts"

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)
    employment: Mapped[str] = mapped_column(String(20), default="part_time")
    education_level_id: Mapped[int | None] = mapped_column(ForeignKey("education_levels.id"))
    political_level_id: Mapped[int | None] = mapped_column(ForeignKey("political_levels.id"))

    cadre: Mapped[Cadre] = relationship()
    education_level: Mapped[EducationLevel | None] = relationship()
    political_level: Mapped[PoliticalLevel | None] = relationship()

    def values(self) -> tuple[str, int | None, int | None]:
        """(employment, education_level_id, political_level_id), to compare with the cadre's current values."""
        return (self.employment, self.education_level_id, self.political_level_id)
