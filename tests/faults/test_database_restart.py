"""The database goes away under a running server, and the server carries on without a restart.

- PostgreSQL restarting: every connection to the live server's own database is terminated (what a
  restart does to the pool of every worker) while gunicorn serves. The check at check-out
  (lms/core/db.py) finds the dead connections, so the next requests — reads and a write — succeed; at
  most a request caught in flight may fail, and a bounded number of retries is allowed for it.
  Only this test's database is touched: the server is shared with colleagues.
- SQLite locked: another process holds ``BEGIN EXCLUSIVE`` on the database file for 2 seconds.
  Reads go on (WAL); a write waits for the lock (``busy_timeout``) and then succeeds.
"""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from tests.faults.conftest import Http, save_answer, start_quiz, stored_answers

RETRIES = 2  # a request caught in flight may fail; the one after it must not


def _terminate_backends(server_url: str) -> int:
    """End every session on the server's database (not ours), waiting until each has ended: what a
    PostgreSQL restart does to them before it accepts connections again."""
    url = sa.make_url(server_url)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return len(conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (url.database,),
            ).all())
    finally:
        admin.dispose()


def _with_retries(call):
    """The response of ``call``, allowing RETRIES failures (exceptions or 5xx); returns (response, failures)."""
    failures = []
    for _ in range(RETRIES + 1):
        try:
            response = call()
        except OSError as exc:
            failures.append(repr(exc))
            continue
        if response.status < 500:
            return response, failures
        failures.append(f"HTTP {response.status}")
    raise AssertionError(f"still failing after {RETRIES} retries: {failures}")


@pytest.fixture(scope="module")
def quiz(demo_server):
    http = Http(demo_server.url)
    http.login("cadre2")
    return http, start_quiz(http, "DIEU-LE-LUAT-2024")


def test_the_app_recovers_when_postgresql_restarts(demo_server, server_db, quiz):
    if not demo_server.database_url.startswith("postgresql"):
        pytest.skip("a database server restart needs PostgreSQL (set TEST_DATABASE_URL); SQLite has no server")
    http, attempt = quiz
    questions = attempt.questions
    all_failures = []
    for round_ in range(3):
        # warm both workers' pools, so that each holds connections that are about to die
        for _ in range(6):
            assert http.get("/").status == 200
        terminated = _terminate_backends(demo_server.database_url)
        assert terminated >= 1, "the workers held no connection to terminate"
        for _ in range(6):
            response, failures = _with_retries(lambda: http.get("/learn/"))
            assert response.status == 200
            all_failures += failures
        question = questions[round_ % len(questions)]
        value = question.values[round_ % len(question.values)]
        response, failures = _with_retries(lambda: save_answer(http, attempt, question, value))
        all_failures += failures
        assert response.status == 200 and response.json()["saved"] is True
        assert stored_answers(server_db, attempt.id)[question.position] == value
    # the check at check-out makes even the first request after a restart succeed: nothing was in flight here
    assert all_failures == []


def test_requests_wait_for_a_briefly_locked_sqlite_database(demo_server, server_db, quiz):
    if not demo_server.database_url.startswith("sqlite"):
        pytest.skip("the file lock is SQLite's; PostgreSQL waits on row locks instead")
    http, attempt = quiz
    question = attempt.questions[0]
    value = question.values[-1]
    path = sa.make_url(demo_server.database_url).database
    locked, released = threading.Event(), threading.Event()

    def hold_lock():
        conn = sqlite3.connect(path, timeout=5, isolation_level=None)
        try:
            conn.execute("BEGIN EXCLUSIVE")
            locked.set()
            time.sleep(2)
            conn.execute("COMMIT")
        finally:
            released.set()
            conn.close()

    holder = threading.Thread(target=hold_lock, daemon=True)
    holder.start()
    assert locked.wait(10), "could not take the lock"
    started = time.monotonic()
    page = http.get("/learn/")
    assert page.status == 200  # WAL: readers are not blocked
    response = save_answer(http, attempt, question, value)
    waited = time.monotonic() - started
    holder.join(timeout=10)
    assert released.is_set()
    assert response.status == 200 and response.json()["saved"] is True
    assert waited >= 1.0, f"the write did not wait for the lock ({waited:.2f} s)"
    assert stored_answers(server_db, attempt.id)[question.position] == value
