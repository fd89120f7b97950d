"""Attempts: a fixed layout, answers saved on the server, deadlines kept by the server, one submission.

The concurrency and restart tests need committed data seen by several connections, so they build a
database of their own (a SQLite file, or with ``TEST_DATABASE_URL`` a PostgreSQL database created
and dropped for the test), like ``tests/test_demo.py``.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
import threading
from contextlib import contextmanager

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from lms import create_app
from lms.core.db import db
from lms.courses import operations as course_ops
from lms.quizzes import operations as quiz_ops
from lms.quizzes.models import GRADED, IN_PROGRESS, Attempt, AttemptAnswer
from tests.conftest import PASSWORD, Factory, IsolatedClient, _postgres_database
from tests.quizzes.test_engine_support import T0, answer_all, build_course, quiz_setup, right_form, start  # noqa: F401


def test_layout_and_option_order_are_fixed_at_start(quiz_setup):
    attempt = start(quiz_setup, seed=3)
    layout = attempt.positions
    states = [a.state_data for a in attempt.answers]
    assert [a.question_id for a in attempt.answers] == [qid for _p, qid in layout]
    assert sorted(states[0]["order"]) == ["a", "b", "c"]
    again = quiz_ops.start_attempt(quiz_setup.quiz, quiz_setup.cadre, quiz_setup.enrolment, now=T0 + dt.timedelta(minutes=5))
    assert again.id == attempt.id
    assert again.positions == layout and [a.state_data for a in again.answers] == states
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_saving_answers_and_refusing_them_after_submission(quiz_setup):
    attempt = start(quiz_setup)
    form = right_form(attempt)
    answer = quiz_ops.save_answer(attempt, 1, form, now=T0)
    assert answer.saved_at == T0 and answer.response_data == form["q1-choice"]
    quiz_ops.save_answer(attempt, 1, MultiDict(), now=T0)  # cleared
    assert answer.response is None
    assert quiz_ops.submit_attempt(attempt, now=T0)
    with pytest.raises(quiz_ops.AttemptClosed):
        quiz_ops.save_answer(attempt, 1, form, now=T0)
    assert answer.response is None
    assert not quiz_ops.submit_attempt(attempt, now=T0)  # a second submission changes nothing


def test_a_saved_answer_is_in_the_database_in_one_update(quiz_setup):
    """The autosave writes with one UPDATE outside the unit of work: the row holds the response, the
    loaded answer agrees, and nothing is left for a later flush to write again."""
    from sqlalchemy import event

    attempt = start(quiz_setup)
    form = right_form(attempt)
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        answer = quiz_ops.save_answer(attempt, 1, form, now=T0)
        writes = [s for s in statements if not s.lstrip().upper().startswith("SELECT")]
        statements.clear()
        db.session.flush()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(writes) == 1 and writes[0].startswith("UPDATE attempt_answers") and statements == []
    assert answer.response_data == form["q1-choice"] and answer.saved_at == T0 and not db.session.dirty
    stored = db.session.execute(select(AttemptAnswer.__table__.c.response, AttemptAnswer.__table__.c.saved_at)
                                .where(AttemptAnswer.__table__.c.id == answer.id)).one()
    assert stored.response == answer.response and stored.saved_at.replace(tzinfo=None) == T0.replace(tzinfo=None)


def test_time_limit_is_enforced_on_the_server(quiz_setup):
    quiz_setup.quiz.time_limit_minutes = 10
    attempt = start(quiz_setup)
    assert attempt.deadline_at == T0 + dt.timedelta(minutes=10)
    answer_all(attempt, now=T0 + dt.timedelta(minutes=9), only=[1])
    late = T0 + dt.timedelta(minutes=10, seconds=1)
    with pytest.raises(quiz_ops.AttemptClosed, match="hết giờ"):
        quiz_ops.save_answer(attempt, 2, right_form(attempt), now=late)
    # the late answer is refused and the attempt is submitted with what was saved in time
    assert attempt.state == GRADED
    assert attempt.submitted_at == attempt.deadline_at
    assert [a.response is not None for a in attempt.answers] == [True, False, False]
    assert attempt.fraction == pytest.approx(1 / 3)


def test_an_overdue_attempt_is_submitted_when_next_touched(quiz_setup):
    quiz_setup.quiz.time_limit_minutes = 5
    attempt = start(quiz_setup)
    answer_all(attempt, now=T0)
    resumed = quiz_ops.start_attempt(quiz_setup.quiz, quiz_setup.cadre, quiz_setup.enrolment,
                                     now=T0 + dt.timedelta(hours=1))
    assert attempt.state == GRADED and attempt.passed
    assert resumed.id != attempt.id and resumed.number == 2


def test_closing_time_caps_the_deadline_and_refuses_new_attempts(quiz_setup):
    quiz_setup.quiz.time_limit_minutes = 60
    quiz_setup.quiz.closes_at = T0 + dt.timedelta(minutes=30)
    attempt = start(quiz_setup)
    assert attempt.deadline_at == T0 + dt.timedelta(minutes=30)
    quiz_ops.finish_if_overdue(attempt, T0 + dt.timedelta(minutes=31))
    assert attempt.state != IN_PROGRESS
    from lms.core.errors import ValidationError

    with pytest.raises(ValidationError, match="đã đóng"):
        start(quiz_setup, now=T0 + dt.timedelta(minutes=31))


def test_the_clock_is_the_servers(quiz_setup, monkeypatch):
    """Without ``now`` the operations read lms.core.db.utcnow: freezing it freezes the deadline."""
    import lms.core.db

    clock = [T0]
    monkeypatch.setattr(lms.core.db, "utcnow", lambda: clock[0])
    quiz_setup.quiz.time_limit_minutes = 1
    attempt = quiz_ops.start_attempt(quiz_setup.quiz, quiz_setup.cadre, quiz_setup.enrolment)
    quiz_ops.save_answer(attempt, 1, right_form(attempt))
    clock[0] = T0 + dt.timedelta(seconds=61)
    with pytest.raises(quiz_ops.AttemptClosed):
        quiz_ops.save_answer(attempt, 2, right_form(attempt))
    assert attempt.state == GRADED


# -- a database of its own: restarts and concurrency ----------------------------------------------

@contextmanager
def _database(directory):
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        url, drop = _postgres_database(server)
    else:
        url, drop = "sqlite:///" + str(directory / "quiz.sqlite3"), None
    try:
        yield url
    finally:
        if drop is not None:
            drop()


def _app(url, directory):
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test-only-" + secrets.token_hex(8), "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    app.instance_path = str(directory / "instance")
    app.test_client_class = IsolatedClient
    return app


def _dispose(app):
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def _seed(app, learners=1) -> dict:
    """A province, a published course with a quiz, and enrolled cadres with logins; committed."""
    with app.app_context():
        upgrade()
    with app.test_request_context():
        make = Factory()
        fed = make.unit("Liên đoàn Lao động tỉnh Thử", code="LDLD")
        biz = make.unit("Công đoàn Công ty May", parent=make.unit(parent=fed), track="business", code="CS-MAY")
        trainer = make.user("trainer", role="trainer")
        built = build_course(trainer)
        names = []
        for i in range(learners):
            cadre = make.cadre(unit=biz)
            make.user(f"cadre{i}", cadre=cadre)
            course_ops.enrol(cadre, built.course)
            names.append(f"cadre{i}")
        db.session.commit()
        result = {"quiz_id": built.quiz.id, "usernames": names}
        db.session.remove()
    return result


def _login(app, username):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _answer_over_http(client, attempt_id, app):
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        form = right_form(attempt)
        positions = [a.position for a in attempt.answers]
        db.session.remove()
    for position in positions:
        fields = {k: v for k, v in form.items() if k.startswith(f"q{position}-")}
        response = client.post(f"/quizzes/attempts/{attempt_id}/answers/{position}", data=fields)
        assert response.status_code == 200 and response.get_json()["saved"] is True


def test_nothing_is_lost_when_the_server_restarts(tmp_path):
    with _database(tmp_path) as url:
        first = _app(url, tmp_path)
        seeded = _seed(first)
        client = _login(first, "cadre0")
        response = client.post(f"/quizzes/{seeded['quiz_id']}/start")
        attempt_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
        _answer_over_http(client, attempt_id, first)
        _dispose(first)  # the server stops; its connections and sessions are gone

        second = _app(url, tmp_path)
        client = _login(second, "cadre0")
        page = client.get(f"/quizzes/attempts/{attempt_id}")
        assert page.status_code == 200 and "checked" in page.get_data(as_text=True)
        response = client.post(f"/quizzes/attempts/{attempt_id}/submit")
        assert response.status_code == 302
        with second.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            assert attempt.state == GRADED and attempt.fraction == pytest.approx(1.0) and attempt.passed
            db.session.remove()
        _dispose(second)


def test_fifty_concurrent_submissions_grade_once(tmp_path, monkeypatch):
    graded = []
    lock = threading.Lock()
    original = quiz_ops._grade

    def counting(attempt, now):
        with lock:
            graded.append(attempt.id)
        return original(attempt, now)

    monkeypatch.setattr(quiz_ops, "_grade", counting)
    with _database(tmp_path) as url:
        app = _app(url, tmp_path)
        seeded = _seed(app)
        client = _login(app, "cadre0")
        response = client.post(f"/quizzes/{seeded['quiz_id']}/start")
        attempt_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
        _answer_over_http(client, attempt_id, app)
        clients = [_login(app, "cadre0") for _ in range(50)]
        barrier = threading.Barrier(len(clients))
        outcomes: list = []

        def submit(c):
            barrier.wait()
            try:
                outcomes.append(c.post(f"/quizzes/attempts/{attempt_id}/submit").status_code)
            except Exception as exc:  # recorded, so that the assertion below shows it
                outcomes.append(repr(exc))

        threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert graded == [attempt_id], outcomes
        # PostgreSQL: the others wait for the row lock, then see the attempt submitted; SQLite: the view
        # starts a refused writer's transaction again, which then sees it submitted.
        assert outcomes == [302] * 50
        with app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            assert attempt.state == GRADED and attempt.fraction == pytest.approx(1.0)
            marks = db.session.scalars(select(AttemptAnswer.graded_at).where(AttemptAnswer.attempt_id == attempt_id)).all()
            assert len(set(marks)) == 1
            db.session.remove()
        _dispose(app)
