"""Helpers for the reports tests: a small province with dated records, and query counting."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from lms.core.db import db
from lms.records.models import KIND_CLASS, KIND_EXTERNAL, Attendance, RecordEntry, TrainingClass


@contextmanager
def count_queries():
    """Count the SQL statements the session's connection executes inside the block."""
    statements: list[str] = []
    connection = db.session.connection()

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(connection, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", before)


def training_class(organiser, start_on: dt.date, attendees=(), hours: int = 8, days: int = 1) -> TrainingClass:
    """A class with its attendances and record entries, written as the records area writes them."""
    row = TrainingClass(title=f"Lớp tập huấn {start_on.isoformat()}", topic="Điều lệ Công đoàn Việt Nam",
                        organiser_unit_id=organiser.id, start_on=start_on,
                        end_on=start_on + dt.timedelta(days=days - 1), hours=hours)
    db.session.add(row)
    db.session.flush()
    for cadre in attendees:
        db.session.add(Attendance(class_id=row.id, cadre_id=cadre.id))
        db.session.add(RecordEntry(cadre_id=cadre.id, kind=KIND_CLASS, title=row.title, start_on=row.start_on,
                                   end_on=row.end_on, hours=hours, class_id=row.id))
    db.session.flush()
    return row


def sent_to_study(cadre, study_kind: str, start_on: dt.date, end_on: dt.date) -> RecordEntry:
    entry = RecordEntry(cadre_id=cadre.id, kind=KIND_EXTERNAL, study_kind=study_kind, title=study_kind,
                        start_on=start_on, end_on=end_on, hours=0)
    db.session.add(entry)
    db.session.flush()
    return entry


@pytest.fixture()
def login(client, auth):
    def as_(user):
        auth.logout()
        response = auth.login(user.username)
        assert response.status_code == 302
        return client

    return as_
