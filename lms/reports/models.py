"""Stored report figures (see :mod:`lms.reports.snapshots`)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import UTCDateTime, db


class ReportSnapshot(db.Model):
    """The figures of one report (one overview scope and date, or one roll-up with its filters) as computed at ``computed_at``.

    ``payload`` is JSON of counts keyed by codes and ids, never labels: the page that shows a snapshot
    names things in the reader's language and with today's names.
    """

    __tablename__ = "report_snapshots"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    seconds: Mapped[float] = mapped_column(Float)
    payload: Mapped[str] = mapped_column(Text)
