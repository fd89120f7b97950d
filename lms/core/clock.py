"""The platform's one clock.

Every "now" of the platform — timestamps of models (``lms.core.db.utcnow``), the quiz engine's deadlines,
the date printed on a certificate, the plans' due dates — reads :func:`utcnow` here. :func:`travel_to`
runs a block as if it were another moment, with time passing normally from there: ``lms demo`` uses it
to give the demo province a history (attempts, completions and certificates spread over the past
months), and tests use it instead of patching modules one by one. The shift lives in a context variable,
so it never leaks into another request or thread.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from zoneinfo import ZoneInfo

_shift: ContextVar[dt.timedelta] = ContextVar("lms_clock_shift", default=dt.timedelta(0))

#: The platform's time zone when no application is active (the config key ``BABEL_DEFAULT_TIMEZONE``).
DEFAULT_ZONE = "Asia/Ho_Chi_Minh"


def utcnow() -> dt.datetime:
    """Now, timezone-aware in UTC (shifted inside :func:`travel_to`)."""
    return dt.datetime.now(dt.timezone.utc) + _shift.get()


def zone() -> ZoneInfo:
    from flask import current_app, has_app_context

    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", DEFAULT_ZONE) if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


def local_today() -> dt.date:
    """Today in the platform's time zone (Vietnam)."""
    return utcnow().astimezone(zone()).date()


def local_date(moment: dt.datetime | None) -> dt.date | None:
    """The day ``moment`` falls on in the platform's time zone (None stays None)."""
    return moment.astimezone(zone()).date() if moment is not None else None


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (negative goes back), clamped to the month's last day
    (31/1 + 1 → 28/2)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def local_moment(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    """``day`` at ``hour:minute`` in the platform's time zone, as an aware datetime."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone())


@contextmanager
def travel_to(moment: dt.datetime) -> Iterator[None]:
    """Run the block as if it were ``moment`` (timezone-aware); the clock keeps running from there."""
    if moment.tzinfo is None:
        raise ValueError("travel_to needs a timezone-aware moment")
    token = _shift.set(moment - dt.datetime.now(dt.timezone.utc))
    try:
        yield
    finally:
        _shift.reset(token)
