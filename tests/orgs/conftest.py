"""A clock for the date tests: late evening in UTC, already the next morning in Vietnam."""
from __future__ import annotations

import datetime as dt

import pytest

from lms.core import clock

#: 22:00 UTC on 24/11/2026 is 05:00 on 25/11/2026 in Vietnam (UTC+7).
EVENING_UTC = dt.datetime(2026, 11, 24, 22, 0, tzinfo=dt.timezone.utc)
VIETNAM_TODAY = dt.date(2026, 11, 25)
_REAL_DATE = dt.date


class _ServerDateType(type):
    # Real dates made before the patch (and by C code) stay instances of the patched ``datetime.date``.
    def __instancecheck__(cls, obj):
        return isinstance(obj, _REAL_DATE)

    def __subclasscheck__(cls, subclass):
        return issubclass(subclass, _REAL_DATE)


class _ServerDate(_REAL_DATE, metaclass=_ServerDateType):
    """``datetime.date`` of a server whose system clock runs on UTC, stopped at :data:`EVENING_UTC`."""

    @classmethod
    def today(cls):
        return _REAL_DATE.fromordinal(EVENING_UTC.date().toordinal())


@pytest.fixture()
def vietnam_evening(monkeypatch):
    """Freeze every clock a page could read at :data:`EVENING_UTC`: the platform's clock (also inside the
    test client's fresh request contexts, which ``clock.travel_to`` does not reach) and the system's
    calendar as a server on UTC sees it (``datetime.date.today()`` gives 24/11/2026)."""
    monkeypatch.setattr(clock, "utcnow", lambda: EVENING_UTC)
    monkeypatch.setattr(dt, "date", _ServerDate)
    assert clock.local_today() == VIETNAM_TODAY and dt.date.today() == _REAL_DATE(2026, 11, 24)
    return VIETNAM_TODAY
