"""Fixtures of the plans tests: a frozen clock, published courses, a fake mail backend."""
from __future__ import annotations

import datetime as dt

import pytest

from lms.core.db import db


class Clock:
    """The single clock of the plans area (``lms.plans.queries.now``), frozen and movable."""

    def __init__(self, moment: dt.datetime):
        self.moment = moment

    def set(self, day: dt.date, hour: int = 9) -> None:
        # 09:00 in Vietnam is 02:00 UTC: the same calendar day in both
        self.moment = dt.datetime(day.year, day.month, day.day, hour - 7, tzinfo=dt.timezone.utc)

    def advance(self, **delta) -> None:
        self.moment += dt.timedelta(**delta)

    @property
    def today(self) -> dt.date:
        return (self.moment + dt.timedelta(hours=7)).date()


@pytest.fixture()
def clock(monkeypatch):
    from lms.plans import queries

    clock = Clock(dt.datetime(2025, 6, 2, 2, tzinfo=dt.timezone.utc))
    monkeypatch.setattr(queries, "now", lambda: clock.moment)
    return clock


@pytest.fixture()
def publish(province):
    """``publish(code, is_open=True)``: a published one-module course owned by the province's trainer."""
    from lms.courses import operations

    def make(code: str, title: str | None = None, is_open: bool = True):
        course = operations.create_course(code, operations.CourseMeta(title or f"Khóa học {code}"),
                                          province["users"]["trainer"])
        version = operations.latest(course)
        operations.add_module(version, operations.ModuleData("Bài 1", "Nội dung", 5))
        operations.publish(version)
        course.is_open = is_open
        db.session.flush()
        return course

    return make


class FakeBackend:
    """Fails ``failures`` times (forever when None), then delivers into ``sent``."""

    def __init__(self, failures: int | None = 0):
        self.failures = failures
        self.calls = 0
        self.sent = []

    def send(self, message) -> None:
        self.calls += 1
        if self.failures is None or self.calls <= self.failures:
            raise ConnectionRefusedError("máy chủ thư không trả lời")
        self.sent.append(message)
