"""A pooled PostgreSQL connection that the server ended while it sat idle is replaced at check-out,
without a round trip (lms/core/db.py, ``_replace_connection_closed_while_idle``), and a healthy one is kept."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.core import db as core_db


@pytest.fixture
def engine(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the check is PostgreSQL's (set TEST_DATABASE_URL); SQLite has no server to end a session")
    engine = sa.create_engine(database_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


def _terminate(engine, pid: int) -> None:
    """End one session as a restart or ``pg_terminate_backend`` does, waiting until it has ended."""
    admin = sa.create_engine(engine.url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        assert conn.exec_driver_sql("SELECT pg_terminate_backend(%s, 5000)", (pid,)).scalar_one() is True
    admin.dispose()


def test_a_healthy_idle_connection_is_kept(engine):
    pids = {_backend_pid(engine) for _ in range(5)}
    assert len(pids) == 1


def test_a_connection_ended_while_idle_is_replaced_before_use(engine, monkeypatch):
    checks = []
    original = core_db.select.poll
    monkeypatch.setattr(core_db.select, "poll", lambda: checks.append(1) or original())
    first = _backend_pid(engine)
    _terminate(engine, first)
    statements = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with engine.connect() as conn:  # without the check this fails: "terminating connection due to administrator command"
        second = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        assert conn.exec_driver_sql("SELECT current_database()").scalar_one() == engine.url.database
    assert second != first
    assert statements == ["SELECT pg_backend_pid()", "SELECT current_database()"]  # no ping
    assert len(checks) >= 2  # the dead connection's check, then the new one's


def test_without_the_check_the_dead_connection_would_reach_the_request(engine, monkeypatch):
    """The check is what saves the request: with it disabled, the first statement fails."""
    monkeypatch.setattr(core_db.select, "poll", _never_readable)
    first = _backend_pid(engine)
    _terminate(engine, first)
    with pytest.raises(sa.exc.OperationalError), engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")


class _never_readable:
    def register(self, *args):
        pass

    def poll(self, timeout):
        return []
