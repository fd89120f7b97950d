"""The platform's one clock: ``travel_to`` shifts every "now" of the platform, and only inside the block."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from lms.core import clock
from lms.core.db import utcnow

VN = dt.timezone(dt.timedelta(hours=7))


def test_travel_to_shifts_every_reader_and_time_keeps_running():
    moment = dt.datetime(2025, 3, 5, 20, 30, tzinfo=VN)
    with clock.travel_to(moment):
        first = utcnow()
        assert abs(first - moment) < dt.timedelta(seconds=5)
        assert clock.local_today() == dt.date(2025, 3, 5)
        assert utcnow() >= first  # not frozen: the clock runs from the moment
    assert utcnow().year >= 2026


def test_travel_to_nests_and_restores():
    with clock.travel_to(dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)):
        with clock.travel_to(dt.datetime(2010, 6, 1, tzinfo=dt.timezone.utc)):
            assert utcnow().year == 2010
        assert utcnow().year == 2020


def test_the_shift_does_not_leak_into_other_threads():
    seen = []
    with clock.travel_to(dt.datetime(2001, 1, 1, tzinfo=dt.timezone.utc)):
        thread = threading.Thread(target=lambda: seen.append(utcnow().year))
        thread.start()
        thread.join()
    assert seen and seen[0] >= 2026


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError):
        with clock.travel_to(dt.datetime(2025, 1, 1)):
            pass


def test_local_today_follows_the_platform_time_zone(app):
    late_evening_utc = dt.datetime(2025, 12, 31, 18, 0, tzinfo=dt.timezone.utc)  # 01:00 on 1 January in Vietnam
    with app.app_context(), clock.travel_to(late_evening_utc):
        assert clock.local_today() == dt.date(2026, 1, 1)
