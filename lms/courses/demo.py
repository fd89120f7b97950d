"""The demo's "learning" step: a history of online learning spread over the past months.

Cadres enrol, read modules in the evening (part-time cadres learn after work), take quizzes through the
quiz engine — some fail a first attempt and pass the next day, some stop halfway — and receive their
certificates from the listener that issues them in production, the moment a course is completed. Each
step happens at its own moment: the whole history is replayed in time order under
:func:`lms.core.clock.travel_to`, so enrolments, attempts, completions, certificates (with their
register numbers of that year, in order of issue) and record entries carry the dates they would carry
had the platform been in use since then.
"""
from __future__ import annotations

import datetime as dt
import heapq
import json
import random
from collections.abc import Generator, Iterator
from dataclasses import dataclass

from sqlalchemy import select

from lms.cadres.models import Cadre
from lms.core import clock
from lms.core.db import db

#: How far back the history goes, in days before the day the demo is built; the sample courses are
#: published a few days before that.
HISTORY_DAYS = 540
PUBLISHED_BEFORE_DAYS = 570

COMMON_COURSE = "DIEU-LE-LUAT-2024"
TRACK_COURSES = {"business": "THUONG-LUONG-DOI-THOAI", "public": "DAN-CHU-CO-SO"}
FINANCE_COURSE = "KIEM-TRA-TAI-CHINH"

#: Colleagues of the `cadre` and `cadre2` logins who learn online in the demo.
OTHER_LEARNERS = 30

DEMO_SIGNER = "Hoàng Văn Thái"  # a fictional chair of the federation for the demo's certificates


def published_on(today: dt.date) -> dt.datetime:
    """The moment the sample courses are published in the demo (before the first learner enrols)."""
    return clock.local_moment(today - dt.timedelta(days=PUBLISHED_BEFORE_DAYS), 9)


def right_answer(type_name: str, data: dict):
    """The full-mark response of a question, as the question type stores it."""
    if type_name == "single_choice":
        return next(o["id"] for o in data["options"] if o["fraction"] >= 1)
    if type_name == "multiple_response":
        return [o["id"] for o in data["options"] if o["fraction"] > 0]
    if type_name == "true_false":
        return bool(data["answer"])
    if type_name == "short_answer":
        return next(a["text"] for a in data["answers"] if a["fraction"] >= 1)
    if type_name == "numeric":
        value = next(r["value"] for r in data["ranges"] if r["fraction"] >= 1)
        return {"text": f"{value:g}", "value": value}
    if type_name == "matching":
        return {p["id"]: p["match"] for p in data["pairs"] if p["prompt"]}
    if type_name == "ordering":
        return {item["id"]: position for position, item in enumerate(data["items"], start=1)}
    if type_name == "essay":
        return "Bài làm của học viên."
    return None


@dataclass
class Plan:
    """What one learner does with one course: when they start, how they pace it, where they stop."""

    cadre: Cadre
    course_code: str
    start: dt.date
    stop_after: int | None = None  # modules read before stopping (None: the whole course)
    fails_first: bool = False  # fails the first quiz once and passes it the next evening


def _evening(rng: random.Random, day: dt.date) -> dt.datetime:
    return clock.local_moment(day, rng.choice((19, 20, 21)), rng.randrange(60))


Step = Generator[dt.datetime, None, None]


def _journey(plan: Plan, rng: random.Random, results: dict) -> Step:
    """One learner on one course. Yields the moment of its next step; the caller resumes it then."""
    from lms.courses import operations as course_ops
    from lms.courses.models import Course
    from lms.courses.queries import outline
    from lms.quizzes import operations as quiz_ops
    from lms.quizzes.models import Quiz

    day = plan.start
    yield _evening(rng, day)
    course = db.session.scalar(select(Course).where(Course.code == plan.course_code))
    enrolment = course_ops.enrol(plan.cadre, course)
    modules = outline(course, plan.cadre, enrolment=enrolment).modules
    for index, module in enumerate(modules):
        if plan.stop_after is not None and index >= plan.stop_after:
            results["stopped"] += 1
            return
        if index:
            day += dt.timedelta(days=rng.choice((0, 1, 1, 2, 3, 5)))
            yield _evening(rng, day)
        course_ops.record_visit(enrolment, module)
        quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == module.id))
        if quiz is None:
            course_ops.complete_module(enrolment, module)
            continue
        tries = 2 if plan.fails_first and index == 0 else 1
        for attempt_number in range(tries):
            if attempt_number:  # the next evening
                day += dt.timedelta(days=1)
                yield _evening(rng, day)
            if quiz_ops.can_start_new(quiz, plan.cadre) is not None:
                return
            attempt = quiz_ops.start_attempt(quiz, plan.cadre, enrolment)
            failing = attempt_number < tries - 1
            for position, answer in enumerate(attempt.answers):
                response = right_answer(answer.question.type, json.loads(answer.question.data))
                if failing and position % 2 == 0:
                    response = None  # left unanswered: half the marks at most
                answer.response = None if response is None else json.dumps(response, ensure_ascii=False)
                answer.saved_at = clock.utcnow()
            db.session.flush()
            yield clock.utcnow() + dt.timedelta(minutes=rng.randint(4, 12))
            quiz_ops.submit_attempt(attempt)
            results["attempts"] += 1
    db.session.refresh(enrolment)
    results["completed"] += enrolment.completed_at is not None


def replay(journeys: Iterator[Step]) -> None:
    """Run every journey's steps in time order, each at its own moment. A journey does nothing before
    its first ``yield``, which tells when it starts."""
    queue: list[tuple[dt.datetime, int, Step]] = []
    for order, journey in enumerate(journeys):
        first = next(journey, None)
        if first is not None:
            heapq.heappush(queue, (first, order, journey))
    while queue:
        moment, order, journey = heapq.heappop(queue)
        with clock.travel_to(moment):
            following = next(journey, None)
        if following is not None:
            heapq.heappush(queue, (max(following, moment), order, journey))


def learning_plans(ctx, rng: random.Random, today: dt.date) -> list[Plan]:
    """Who learns what, from when: `cadre` and `cadre2` complete the common course; colleagues spread over
    the past months complete it too, some also their track's course or the finance course; a few stop halfway."""
    first_day = today - dt.timedelta(days=HISTORY_DAYS)
    last_day = today - dt.timedelta(days=10)
    span = (last_day - first_day).days

    def when() -> dt.date:
        return first_day + dt.timedelta(days=int(span * rng.random() ** 0.7))  # more learners lately

    logins = [ctx.users["cadre"].cadre, ctx.users["cadre2"].cadre]
    taken = {c.code for c in logins}
    pool = sorted((c.code for c in ctx.cadres if c.code not in taken and c.unit.level == "grassroots"))
    others = list(db.session.scalars(
        select(Cadre).where(Cadre.code.in_(rng.sample(pool, OTHER_LEARNERS))).order_by(Cadre.code)))
    plans = [Plan(cadre, COMMON_COURSE, when()) for cadre in logins]
    for number, cadre in enumerate(others):
        start = when()
        if number % 10 == 9:  # one in ten stops after a module or two
            plans.append(Plan(cadre, COMMON_COURSE, start, stop_after=rng.choice((1, 2))))
            continue
        plans.append(Plan(cadre, COMMON_COURSE, start, fails_first=number % 4 == 1))
        track = cadre.track.code if cadre.track else None
        if number % 3 == 0 and track in TRACK_COURSES:
            later = start + dt.timedelta(days=rng.randint(20, 90))
            if later < last_day:
                plans.append(Plan(cadre, TRACK_COURSES[track], later, stop_after=1 if number % 9 == 6 else None))
        if number % 7 == 2:
            later = start + dt.timedelta(days=rng.randint(30, 120))
            if later < last_day:
                plans.append(Plan(cadre, FINANCE_COURSE, later))
    return plans


def build_learning(ctx) -> str:
    """The online learning history of the demo (see the module docstring)."""
    from lms.core.i18n import format_number
    from lms.core.settings import save_settings
    from lms.courses.models import Course

    import lms.certificates.listeners  # noqa: F401  (issues certificates on completion)

    codes = set(db.session.scalars(select(Course.code)))
    if COMMON_COURSE not in codes:
        return "không có khóa học mẫu"
    save_settings({"signer_name": DEMO_SIGNER})
    rng = ctx.rng("learning")
    today = clock.local_today()
    plans = [p for p in learning_plans(ctx, rng, today) if p.course_code in codes]
    results = {"attempts": 0, "completed": 0, "stopped": 0}
    replay(_journey(p, random.Random(f"{ctx.seed}:{p.cadre.code}:{p.course_code}"), results) for p in plans)
    learners = len({p.cadre.id for p in plans})
    return (f"{format_number(learners)} cán bộ học trực tuyến từ {clock.local_today() - dt.timedelta(days=HISTORY_DAYS):%d/%m/%Y}: "
            f"{format_number(results['attempts'])} lần làm bài, {format_number(results['completed'])} khóa hoàn thành "
            f"(có giấy chứng nhận), {format_number(results['stopped'])} đang học dở")
