"""``core.db.write_columns``: one UPDATE by primary key now, outside the unit of work, and nothing
written twice; an object the unit of work already has changes for is left to it."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import event, select

from lms.accounts.models import User
from lms.core.db import db, write_columns

NOW = dt.datetime(2026, 3, 5, 8, 30, tzinfo=dt.timezone.utc)


def _statements(call) -> list[str]:
    seen: list[str] = []
    listener = lambda *args: seen.append(" ".join(args[2].split()))  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return seen


def _stored(user_id: int):
    table = User.__table__
    return db.session.execute(select(table.c.last_login_at, table.c.failed_logins).where(table.c.id == user_id)).one()


def test_writes_one_update_now_and_nothing_at_the_next_flush(make):
    user = make.user()
    db.session.flush()
    written = _statements(lambda: write_columns(user, last_login_at=NOW, failed_logins=3))
    assert len(written) == 1 and written[0].startswith("UPDATE users SET") and "WHERE users.id =" in written[0]
    assert user.last_login_at == NOW and user.failed_logins == 3 and user not in db.session.dirty
    assert _statements(db.session.flush) == []
    stored = _stored(user.id)
    assert stored.failed_logins == 3 and stored.last_login_at.replace(tzinfo=dt.timezone.utc) == NOW


def test_pending_changes_of_the_same_columns_are_left_to_the_unit_of_work(make):
    user = make.user()
    db.session.flush()
    user.failed_logins = 1  # not yet flushed: writing now would be overwritten by the flush
    assert _statements(lambda: write_columns(user, failed_logins=2)) == []
    assert user in db.session.dirty
    db.session.flush()
    assert _stored(user.id).failed_logins == 2


def test_an_object_not_yet_in_the_database_is_left_to_the_unit_of_work(make):
    user = User(username="chua-luu", role="cadre", password_hash="x", session_token="t")
    db.session.add(user)
    assert _statements(lambda: write_columns(user, failed_logins=4)) == []
    db.session.flush()
    assert _stored(user.id).failed_logins == 4
