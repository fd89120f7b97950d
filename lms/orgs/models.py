"""Units of the organisation tree and the dated events that changed them.

The current shape of the tree lives on ``Unit`` (parent, materialised ``path``, name), so that
subtree checks and reports are single indexed queries; every change is also written as a
``UnitEvent`` with its effective date, which is the history a person reads and what "as of"
reports replay.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, db, utcnow


class UnitLevel(db.Model):
    """A level of the tree (federation, upper-level union, grassroots union, sub-unit…): data, not code."""

    __tablename__ = "unit_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    rank: Mapped[int] = mapped_column(Integer)  # 1 = top of the tree
    is_grassroots: Mapped[bool] = mapped_column(Boolean, default=False)


class Track(db.Model):
    """A sector track (business / public administration): data, not code."""

    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (
        # Subtree filters are `path LIKE '/1/2/%'`: under a collation other than "C" (C.UTF-8 included),
        # PostgreSQL serves them only from a text_pattern_ops index. SQLite gets a plain one.
        Index("ix_units_path_pattern", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    search_key: Mapped[str] = mapped_column(String(300), index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("unit_levels.id"))
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # "/1/12/345/": ids from the root to this unit; a subtree is a prefix match.
    path: Mapped[str] = mapped_column(String(500), index=True, default="")
    active_from: Mapped[dt.date] = mapped_column(Date)
    active_to: Mapped[dt.date | None] = mapped_column(Date)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    level: Mapped[UnitLevel] = relationship(lazy="joined")
    track: Mapped[Track | None] = relationship(lazy="joined")
    parent: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    merged_into: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[merged_into_id])

    @property
    def is_active(self) -> bool:
        return self.active_to is None

    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p]

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class UnitEvent(db.Model):
    """One dated change to a unit: create, rename, move, merge, dissolve, retrack."""

    __tablename__ = "unit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    old_name: Mapped[str | None] = mapped_column(String(300))
    new_name: Mapped[str | None] = mapped_column(String(300))
    old_parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    new_parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    old_track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id"))
    new_track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id"))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    old_parent: Mapped[Unit | None] = relationship(foreign_keys=[old_parent_id])
    new_parent: Mapped[Unit | None] = relationship(foreign_keys=[new_parent_id])
    target: Mapped[Unit | None] = relationship(foreign_keys=[target_id])
