"""A gunicorn worker killed (SIGKILL) in the middle of a quiz loses no saved answer.

A cadre starts the quiz of the first module of DIEU-LE-LUAT-2024 and keeps changing answers through
the autosave endpoint (as quiz.js does) while the test kills every worker with SIGKILL, three times;
the master starts new ones. A save that fails (the connection dropped with its worker) is sent
again, as quiz.js does, until it succeeds. Afterwards, from a fresh login, every answer whose last
save got ``{"saved": true}`` is checked in the page and in the database, and the attempt is
submitted exactly once.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from http.client import HTTPException
from pathlib import Path

from tests.faults.conftest import Http, read_attempt, save_answer, start_quiz, stored_answers, wait_until

KILL_ROUNDS = 3


def worker_pids(master: int) -> set[int]:
    """The master's children, from /proc (psutil is not installed)."""
    pids = set()
    for task in Path(f"/proc/{master}/task").iterdir():
        try:
            pids.update(int(p) for p in (task / "children").read_text().split())
        except OSError:
            continue
    return pids


def test_killing_the_workers_mid_quiz_loses_no_saved_answer(demo_server, server_db):
    http = Http(demo_server.url)
    http.login("cadre")
    attempt = start_quiz(http, "DIEU-LE-LUAT-2024")
    questions = attempt.questions
    assert len(questions) >= 4, "the sample quiz should have several radio-button questions"

    confirmed: dict[int, str] = {}   # position → the value whose save got a success response, last one wins
    failures: list[str] = []
    saves_after_kills = []
    kills_done = threading.Event()
    problems: list[str] = []

    def save_until_confirmed(question, value) -> bool:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                response = save_answer(http, attempt, question, value)
            except (OSError, HTTPException) as exc:
                # connection reset or refused while the worker died, or a response cut off after its headers
                # (IncompleteRead): not a confirmation, so the save is sent again
                failures.append(repr(exc))
                time.sleep(0.05)
                continue
            if response.status == 200 and response.json().get("saved") is True:
                confirmed[question.position] = value
                return True
            failures.append(f"HTTP {response.status}")
            time.sleep(0.05)
        problems.append(f"question {question.position}: no successful save in 30 s ({failures[-3:]})")
        return False

    def saver():
        deadline = time.monotonic() + 120
        round_ = 0
        while time.monotonic() < deadline:
            for question in questions:
                value = question.values[round_ % len(question.values)]
                if not save_until_confirmed(question, value):
                    return
                if kills_done.is_set():
                    saves_after_kills.append(question.position)
            round_ += 1
            if kills_done.is_set() and len(saves_after_kills) >= len(questions):
                return
        problems.append("the saver ran out of time")

    # some answers saved before anything happens
    for question in questions[:2]:
        assert save_until_confirmed(question, question.values[-1])

    thread = threading.Thread(target=saver, daemon=True)
    thread.start()
    master = demo_server.process.pid
    killed: set[int] = set()
    try:
        for _ in range(KILL_ROUNDS):
            time.sleep(0.4)
            workers = wait_until(lambda: worker_pids(master) - killed, 30, "gunicorn started no new workers")
            for pid in workers:
                os.kill(pid, signal.SIGKILL)
            killed |= workers
    finally:
        kills_done.set()
    thread.join(timeout=150)
    assert not thread.is_alive(), "the saver did not finish"
    assert not problems, problems
    assert demo_server.process.poll() is None, "the gunicorn master died"
    assert len(killed) >= 2 * KILL_ROUNDS
    assert worker_pids(master).isdisjoint(killed)
    assert set(confirmed) == {q.position for q in questions}
    print(f"{len(killed)} workers killed; {len(failures)} saves failed and were sent again")

    # a fresh login sees every confirmed answer, and so does the database
    other = Http(demo_server.url)
    other.login("cadre")
    seen = read_attempt(other, attempt.id)
    assert {q.position: q.checked for q in seen.questions} == confirmed
    stored = stored_answers(server_db, attempt.id)
    assert {position: stored[position] for position in confirmed} == confirmed

    # the attempt is submitted once: a second submission (another tab) changes nothing
    first = other.post(f"/quizzes/attempts/{attempt.id}/submit", {"csrf_token": seen.csrf})
    assert first.status == 200 and "/result" in first.url and "Kết quả bài kiểm tra" in first.text
    second = other.post(f"/quizzes/attempts/{attempt.id}/submit", {"csrf_token": seen.csrf})
    assert second.status == 200 and "Bài làm này đã được nộp trước đó." in second.text
    with server_db.connect() as conn:
        state, submitted_at = conn.exec_driver_sql(
            f"SELECT state, submitted_at FROM attempts WHERE id = {attempt.id}").one()
    assert state != "in_progress" and submitted_at is not None
    late = save_answer(other, seen, seen.questions[0], seen.questions[0].values[0])
    assert late.status == 409 and late.json()["saved"] is False
