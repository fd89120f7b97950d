"""Training plans: audiences defined by a rule, assignments of courses to them, exemptions,
in-app notifications and the outbox of e-mails.

An audience is never a stored list of people: ``Plan`` holds a rule (unit subtrees, tracks, titles,
titles planned for (quy hoạch), employment, "new within N months") and the members are whoever matches it today, computed by one
SQL query (:func:`lms.plans.queries.audience_select`). A cadre who joins, transfers or takes a new
title enters or leaves audiences without anyone acting.

Statuses (assigned, in progress, completed, due soon, overdue, exempt) are derived, never stored:
they follow enrolments, certificates and the calendar. What IS stored is what people decided
(plans, assignments, exemptions) and what was sent (notifications, outbox rows, each with a
unique dedupe key so that computing reminders twice never sends anything twice).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.cache import watch
from lms.core.db import UTCDateTime, db, utcnow
from lms.orgs.models import Unit

EMPLOYMENT_ANY = ""

plan_units = Table(
    "plan_units", db.metadata,
    Column("plan_id", ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)
plan_tracks = Table(
    "plan_tracks", db.metadata,
    Column("plan_id", ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
    Column("track_id", ForeignKey("tracks.id"), primary_key=True),
)
plan_titles = Table(
    "plan_titles", db.metadata,
    Column("plan_id", ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
    Column("title_type_id", ForeignKey("title_types.id"), primary_key=True),
)
plan_planned_titles = Table(
    "plan_planned_titles", db.metadata,
    Column("plan_id", ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
    Column("title_type_id", ForeignKey("title_types.id"), primary_key=True),
)
assignment_courses = Table(
    "assignment_courses", db.metadata,
    Column("assignment_id", ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True),
    Column("course_id", ForeignKey("courses.id"), primary_key=True),
)


class Plan(db.Model):
    """An audience rule (kế hoạch bồi dưỡng): AND across kinds, OR within a kind; an empty kind means "any".

    ``scope_unit`` is the subtree the plan lives in: a union admin's unit (their plans never reach
    outside it), or None for a federation-wide plan.
    """

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    scope_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    employment: Mapped[str] = mapped_column(String(20), default=EMPLOYMENT_ANY)  # "", full_time, part_time
    new_within_months: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    scope_unit = relationship("Unit")
    units = relationship("Unit", secondary=plan_units, order_by="Unit.path")
    tracks = relationship("Track", secondary=plan_tracks, order_by="Track.position")
    titles = relationship("TitleType", secondary=plan_titles, order_by="TitleType.rank")
    #: the cadres in the pool planned for these titles (quy hoạch), whatever they hold now
    planned_titles = relationship("TitleType", secondary=plan_planned_titles, order_by="TitleType.rank")
    assignments: Mapped[list[Assignment]] = relationship(back_populates="plan", order_by="Assignment.id")


class Assignment(db.Model):
    """Courses a plan's audience must complete: by a fixed date, or ``due_days`` after a cadre entered
    the audience (counted from ``starts_on`` for those who were in it already); every ``cycle_years``
    again when set (the next cycle is due that many years after the previous completion)."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    due_days: Mapped[int | None] = mapped_column(Integer)
    cycle_years: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="assignments")
    courses = relationship("Course", secondary=assignment_courses, order_by="Course.code")
    exemptions: Mapped[list[Exemption]] = relationship(back_populates="assignment")


# The per-process snapshot of plans (lms.plans.queries.assigned_plans) holds rules with unit paths.
watch("plans", Plan, Assignment, Unit)


class Exemption(db.Model):
    """A cadre excused from one assignment (every course of it), with the reason."""

    __tablename__ = "exemptions"
    __table_args__ = (UniqueConstraint("assignment_id", "cadre_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignment: Mapped[Assignment] = relationship(back_populates="exemptions")
    cadre = relationship("Cadre")


class Notification(db.Model):
    """An in-app message for one login (Thông báo)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(300), default="")
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


OUTBOX_PENDING = "pending"
OUTBOX_SENT = "sent"
OUTBOX_FAILED = "failed"


class OutboxMessage(db.Model):
    """An e-mail waiting to be delivered by ``lms reminders send``; web requests only write these rows.

    ``unit_id`` is the unit the message is about (the cadre's unit when written), which decides
    which union admins see it in the failure list.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=OUTBOX_PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    unit = relationship("Unit")
    cadre = relationship("Cadre")
