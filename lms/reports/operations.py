"""Writes of the reports area: the default term, and computing the standard reports ahead of time
(``lms reports refresh``)."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from sqlalchemy import delete, select

from lms.accounts.models import ROLE_FEDERATION_ADMIN, ROLE_UNION_ADMIN, User
from lms.core.clock import utcnow
from lms.core.db import db
from lms.core.settings import save_settings
from lms.orgs.models import Unit
from lms.reports import queries
from lms.reports.models import ReportSnapshot
from lms.reports.snapshots import settings


@dataclass(frozen=True)
class Scope:
    """Whose view a report is computed for: the whole tree (``unit`` None) or one admin's subtree."""

    role: str
    unit: Unit | None


@dataclass(frozen=True)
class Refreshed:
    label: str
    seconds: float


def refresh_snapshots(depth: int = 1, day: dt.date | None = None) -> list[Refreshed]:
    """Compute and keep the standard reports: the overview of the whole tree and of every union admin's
    subtree (today, the default term), and the roll-ups of the tree's top ``depth`` + 1 levels for the
    default term and the current year. Expired snapshots are dropped first."""
    _, max_age = settings()
    db.session.execute(delete(ReportSnapshot).where(ReportSnapshot.computed_at < utcnow() - dt.timedelta(seconds=max_age)))
    day = day or queries.today()
    done: list[Refreshed] = []

    def timed(label: str, call) -> None:
        started = time.perf_counter()
        call()
        done.append(Refreshed(label, time.perf_counter() - started))

    whole = Scope(ROLE_FEDERATION_ADMIN, None)
    timed("overview", lambda: queries.overview(whole, as_of=day, refresh=True))
    admin_units = db.session.scalars(
        select(Unit).where(Unit.id.in_(select(User.unit_id).where(User.role == ROLE_UNION_ADMIN, User.is_enabled)))
        .order_by(Unit.path)).all()
    for unit in admin_units:
        scope = Scope(ROLE_UNION_ADMIN, unit)
        timed(f"overview {unit.code}", lambda scope=scope: queries.overview(scope, as_of=day, refresh=True))

    periods = [queries.Filters(*queries.default_term(day))]
    year = queries.Filters(*queries.calendar_year(day))
    if year != periods[0]:  # with no term set, the default is the year itself
        periods.append(year)
    level = list(db.session.scalars(select(Unit).where(Unit.parent_id.is_(None), Unit.active_to.is_(None)).order_by(Unit.id)))
    for _ in range(depth + 1):
        following = []
        for unit in level:
            children = list(db.session.scalars(
                select(Unit).where(Unit.parent_id == unit.id, Unit.active_to.is_(None)).order_by(Unit.id)))
            if not children or unit.level.is_grassroots:
                continue  # computed live on every view (a small subtree)
            for filters in periods:
                timed(f"roll-up {unit.code} {filters.start:%d/%m/%Y}–{filters.end:%d/%m/%Y}",
                      lambda unit=unit, filters=filters: queries.roll_up(whole, unit, filters, day, refresh=True))
            following += children
        level = following
    return done


def set_default_term(start: dt.date, end: dt.date, actor: User | None = None) -> None:
    """Set the period the reports open on (the union's current term). Refuses an end before the start."""
    if end < start:
        raise ValueError("the term ends before it starts")
    save_settings({"term_start": start.isoformat(), "term_end": end.isoformat()}, actor.id if actor else None)
