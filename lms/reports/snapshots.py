"""Report snapshots: the figures of a report that is slow to compute, kept for a while.

A province computes every report from live data in a fraction of a second. At national scale (a million
cadres, ten million record entries) the federation's roll-up over the country takes seconds on a
small server, however the SQL is written: it aggregates every cadre and every record entry of the
period. So, as national statistics systems do with their analytics tables, the platform keeps the
figures of such a report and serves them while they are fresh:

* a report figure whose computation took at least ``REPORT_SNAPSHOT_MIN_SECONDS`` is stored (JSON of
  counts keyed by codes and ids; the page adds today's names in the reader's language);
* a stored figure younger than ``REPORT_SNAPSHOT_MAX_AGE`` seconds is served instead of computing it
  again, and the page says when it was computed, with a button to compute it again now;
* ``lms reports refresh`` (cron, e.g. every 15 minutes) computes the standard reports ahead of time —
  the overview of each scope and the roll-ups of the upper levels for the default periods — so that
  readers rarely wait for one;
* a report that is fast to compute is never stored: a province always sees live figures.

``REPORT_SNAPSHOT_MIN_SECONDS = None`` turns snapshots off (the test suite does, except the tests of
this module).
"""
from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from lms.core.clock import utcnow
from lms.core.db import db
from lms.reports.models import ReportSnapshot


@dataclass(frozen=True)
class Freshness:
    """When the figures shown were computed (None: just now, from live data) and how long that took."""

    computed_at: dt.datetime | None = None
    seconds: float = 0.0
    key: str = ""

    @property
    def is_snapshot(self) -> bool:
        return self.computed_at is not None


def settings() -> tuple[float | None, float]:
    minimum = current_app.config.get("REPORT_SNAPSHOT_MIN_SECONDS")
    return (None if minimum is None else float(minimum)), float(current_app.config.get("REPORT_SNAPSHOT_MAX_AGE", 1800))


def cached(key: str, compute: Callable[[], Any], *, force: bool = False) -> tuple[Any, Freshness]:
    """The JSON-able value of ``compute()`` for ``key``: from a fresh snapshot, else computed (and stored if slow).

    ``force`` computes and stores it whatever its cost (``lms reports refresh``).
    """
    minimum, max_age = settings()
    if minimum is None and not force:
        return compute(), Freshness()
    if not force:
        row = db.session.get(ReportSnapshot, key)
        if row is not None and utcnow() - row.computed_at <= dt.timedelta(seconds=max_age):
            return json.loads(row.payload), Freshness(row.computed_at, row.seconds, key)
    started = time.perf_counter()
    value = compute()
    seconds = time.perf_counter() - started
    if force or seconds >= (minimum or 0.0):
        _store(key, value, seconds)
    return value, Freshness()


def _store(key: str, value: Any, seconds: float) -> None:
    payload = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    # Another worker may store the same key at the same moment: its figures serve as well.
    with suppress(IntegrityError), db.session.begin_nested():
        row = db.session.get(ReportSnapshot, key)
        if row is None:
            db.session.add(ReportSnapshot(key=key, computed_at=utcnow(), seconds=seconds, payload=payload))
        else:
            row.computed_at, row.seconds, row.payload = utcnow(), seconds, payload


def forget(key: str) -> None:
    """Drop the snapshot of ``key`` (the page's "compute again now")."""
    db.session.execute(delete(ReportSnapshot).where(ReportSnapshot.key == key))


def stored_keys() -> list[str]:
    return list(db.session.scalars(select(ReportSnapshot.key).order_by(ReportSnapshot.key)))
