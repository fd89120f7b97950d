"""Reads for the quiz pages, each in a fixed number of queries.

Pages for an open attempt are built only from the question type's ``view()``: nothing here hands a
template the stored ``data`` of a question (with its fractions and feedback) before submission.
"""
from __future__ import annotations

import datetime as dt
import functools
import math
import random
import re
from dataclasses import dataclass, field
from typing import Any

import nh3
from markupsafe import Markup, escape
from sqlalchemy import Integer, bindparam, case, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from lms.core import db as core_db
from lms.core.db import db
from lms.core.markdown import ATTRIBUTES, TAGS, URL_SCHEMES, render
from lms.core.text import text_sort_key
from lms.courses.models import Course, CourseVersion, Module, ModuleQuizSource
from lms.quizzes.formats import parse
from lms.quizzes.models import (
    FINISHED_STATES, GRADED, IN_PROGRESS, NEEDS_GRADING, Attempt, AttemptAnswer, Question, QuestionCategory, Quiz,
    _dumps,
)
from lms.quizzes.operations import (  # noqa: F401 (views read quiz_result here)
    Draw, QuizSettings, answer_at_statement, category_path, data_from_parsed, is_drawn, parse_draws, prefix_for,
    question_from_parsed, question_usage, quiz_result, result_of, visible_policies,
)
from lms.quizzes.types import question_type

DISCRIMINATION_MIN_ATTEMPTS = 5
FACILITY_LOW, FACILITY_HIGH, DISCRIMINATION_LOW = 0.2, 0.95, 0.2


@functools.lru_cache(maxsize=8192)
def question_html(text: str, text_format: str = "moodle") -> Markup:
    """A question's (or option's, or feedback's) text as safe HTML in its format (a pure function of both,
    remembered per process: an attempt page shows the same questions to every taker)."""
    text = text or ""
    if text_format == "markdown":
        return Markup(render(text))
    if text_format == "plain":
        return Markup("<br>".join(str(escape(line)) for line in text.split("\n")))
    if text_format == "moodle":
        text = text.replace("\n", "<br>")
    return Markup(nh3.clean(text, tags=TAGS | {"span", "sub", "sup", "u", "b", "i"}, attributes=ATTRIBUTES,
                            url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow",
                            attribute_filter=_url_filter))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _url_filter(tag: str, attr: str, value: str) -> str | None:
    """Drop a link or image address with control characters: ammonia reads ``\\x01java\\x03script:…``
    as a harmless relative URL, but browsers (and older ones more so) strip such characters."""
    if attr in ("href", "src") and _CONTROL.search(value):
        return None
    return value


def quiz_of_module(module_id: int) -> Quiz | None:
    return db.session.scalar(select(Quiz).where(Quiz.module_id == module_id))


# -- the learner's quiz block on the module page ------------------------------------------------------

@dataclass
class QuizBlock:
    quiz: Quiz
    questions: int
    attempts: list[Attempt]
    open_attempt: Attempt | None
    result: Any
    used: int
    now: dt.datetime

    @property
    def attempts_left(self) -> int | None:
        return None if not self.quiz.max_attempts else max(0, self.quiz.max_attempts - self.used)

    @property
    def can_start(self) -> bool:
        if self.open_attempt is not None:
            return True
        return not self.quiz.is_closed(self.now) and (self.attempts_left is None or self.attempts_left > 0)


_QUIZ_COURSE = joinedload(Quiz.module).joinedload(Module.version).joinedload(CourseVersion.course)


def quiz_with_course(quiz_id: int) -> Quiz | None:
    """The quiz with its module, version and course: one statement."""
    return db.session.scalars(_quiz_with_course(), {"quiz_id": quiz_id}).first()


def attempt_with_course(attempt_id: int, lock: bool = False) -> Attempt | None:
    """The attempt with its quiz, module, version and course: one statement; ``lock`` takes the
    attempt's row lock (``FOR UPDATE OF attempts``) in it."""
    return db.session.scalars(_attempt_with_course(lock), {"attempt_id": attempt_id}).first()


def locked_attempt(attempt_id: int) -> Attempt | None:
    """The attempt alone, under its row lock (``FOR UPDATE``): what an autosave reads. Its quiz is
    loaded only if needed (an attempt whose time ran out is submitted and graded)."""
    return db.session.scalars(_locked_attempt(), {"attempt_id": attempt_id}).first()


@functools.cache
def _locked_attempt():
    return select(Attempt).where(Attempt.id == bindparam("attempt_id", type_=Integer)).with_for_update()


def answer_to_save(attempt_id: int, position: int) -> AttemptAnswer | None:
    """The answer at ``position`` of attempt ``attempt_id`` with its question and its attempt, under the
    attempt's row lock (``FOR UPDATE OF attempts``): what an autosave reads, in one statement. None when
    the attempt has no such question, or there is no such attempt."""
    return db.session.scalars(_answer_to_save(), {"attempt_id": attempt_id, "position": position}).first()


@functools.cache
def _answer_to_save():
    """``operations.answer_at_statement`` with the attempt joined and locked."""
    return (answer_at_statement().join(AttemptAnswer.attempt).options(contains_eager(AttemptAnswer.attempt))
            .with_for_update(of=Attempt))


@functools.cache
def _quiz_with_course():
    return select(Quiz).options(_QUIZ_COURSE).where(Quiz.id == bindparam("quiz_id", type_=Integer))


@functools.cache
def _attempt_with_course(lock: bool):
    """Built once per kind: the attempt pages and every autosave run it."""
    statement = (select(Attempt).options(joinedload(Attempt.quiz).options(_QUIZ_COURSE))
                 .where(Attempt.id == bindparam("attempt_id", type_=Integer)))
    return statement.with_for_update(of=Attempt) if lock else statement


@functools.cache
def _module_quiz():
    """The quiz of module ``module_id`` with its slots (built once: every module page runs it)."""
    return select(Quiz).options(joinedload(Quiz.slots)).where(Quiz.module_id == bindparam("module_id", type_=Integer))


@functools.cache
def _attempts_of():
    """The attempts of cadre ``cadre_id`` at quiz ``quiz_id``, in order (built once)."""
    return (select(Attempt).where(Attempt.quiz_id == bindparam("quiz_id", type_=Integer),
                                  Attempt.cadre_id == bindparam("cadre_id", type_=Integer))
            .order_by(Attempt.number))


def quiz_block(module: Module, cadre, now: dt.datetime | None = None) -> QuizBlock | None:
    """The module's quiz with the cadre's attempts (2 queries), or None when the module has no quiz."""
    now = now or core_db.utcnow()
    quiz = db.session.scalars(_module_quiz(), {"module_id": module.id}).unique().first()
    if quiz is None:
        return None
    attempts = list(db.session.scalars(_attempts_of(), {"quiz_id": quiz.id, "cadre_id": cadre.id}))
    open_attempt = next((a for a in reversed(attempts) if a.state == IN_PROGRESS), None)
    questions = sum(s.count if s.question_id is None else 1 for s in quiz.slots)
    result = result_of(quiz, [a.fraction for a in attempts if a.state == GRADED])  # as quiz_result() reads them
    return QuizBlock(quiz, questions, attempts, open_attempt, result, len(attempts), now)


# -- an attempt's pages ---------------------------------------------------------------------------

@dataclass
class Item:
    """One question of an attempt as a page shows it."""

    answer: AttemptAnswer
    question: Question
    number: int | None  # None for a description (no answer expected)
    cls: Any  # the question type, None when not installed
    prefix: str
    view: dict = field(default_factory=dict)
    response: Any = None
    review: dict | None = None

    @property
    def installed(self) -> bool:
        return self.cls is not None

    @property
    def template(self) -> str | None:
        return getattr(self.cls, "template", None)

    @functools.cached_property
    def warning(self) -> str | None:
        """The type's warning about the saved response (a numeric answer that is not a number); none for a
        question without a number (nothing to mark), which the confirmation page could not name."""
        return _warning(self.cls, self.question, self.response) if self.number is not None else None


@dataclass
class AttemptPages:
    attempt: Attempt
    items: list[Item]
    page: int
    pages: int
    per_page: int

    def on_page(self, page: int | None = None) -> list[Item]:
        page = self.page if page is None else page
        return [i for i in self.items if self.page_of(i) == page]

    def page_of(self, item: Item) -> int:
        return (item.answer.position - 1) // self.per_page + 1

    @property
    def unanswered(self) -> list[Item]:
        return [i for i in self.items if i.number is not None and not i.answer.answered]

    @property
    def answerable(self) -> list[Item]:
        return [i for i in self.items if i.number is not None]

    @property
    def with_warnings(self) -> list[Item]:
        """Answered questions whose response cannot earn marks as written (listed before submitting)."""
        return [i for i in self.items if i.warning]


def _answers(attempt: Attempt) -> list[AttemptAnswer]:
    return list(db.session.scalars(_answers_statement(), {"attempt_id": attempt.id}))


@functools.cache
def _answers_statement():
    """The answers of attempt ``attempt_id`` with their questions, in order (built once: every attempt page)."""
    return (select(AttemptAnswer).where(AttemptAnswer.attempt_id == bindparam("attempt_id", type_=Integer))
            .order_by(AttemptAnswer.position).options(joinedload(AttemptAnswer.question)))


def _items(attempt: Attempt) -> list[Item]:
    return _numbered(_answers(attempt))


def _numbered(answers: list[AttemptAnswer]) -> list[Item]:
    """The answers' questions as items, numbered as the attempt page numbers them (a question that
    earns no mark, such as a description, has no number)."""
    items, number = [], 0
    for answer in answers:
        cls = question_type(answer.question.type)
        counted = answer.max_mark > 0 and (cls is None or cls.answerable)
        if counted:
            number += 1
        items.append(Item(answer, answer.question, number if counted else None, cls, prefix_for(answer.position),
                          response=answer.response_data))
    return items


def _warning(cls, question: Question, response) -> str | None:
    if cls is None or response is None:
        return None
    return cls.response_warning(question.payload, response)


def response_warning(answer: AttemptAnswer) -> str | None:
    """The warning about one saved answer (the autosave's reply), as :attr:`Item.warning`."""
    return _warning(question_type(answer.question.type), answer.question, answer.response_data)


def attempt_pages(attempt: Attempt, page: int = 1) -> AttemptPages:
    """The questions of an open attempt for one page, with only what the types' ``view()`` gives (1 query)."""
    items = _items(attempt)
    per_page = max(1, attempt.quiz.questions_per_page or len(items) or 1)
    pages = max(1, math.ceil(len(items) / per_page))
    page = min(max(1, page), pages)
    result = AttemptPages(attempt, items, page, pages, per_page)
    for item in result.on_page():
        if item.cls is not None:
            item.view = item.cls.view(item.question.payload, item.answer.state_data)
    return result


def attempt_review(attempt: Attempt, with_feedback: bool) -> list[Item]:
    """A finished attempt's questions with the learner's answers and, with feedback, the types' review."""
    items = _items(attempt)
    for item in items:
        if item.cls is None:
            continue
        data, state = item.question.payload, item.answer.state_data
        item.view = item.cls.view(data, state)
        if with_feedback:
            item.review = item.cls.review(data, state, item.response)
    return items


def review_policies(attempt: Attempt, now: dt.datetime | None = None) -> tuple[bool, bool]:
    return visible_policies(attempt.quiz, attempt, now)


# -- trainers -------------------------------------------------------------------------------------

@dataclass
class QuizPreview:
    """A module's quiz as its learners will get it once published, built from its quiz file without
    writing anything: the fixed questions as the attempt page shows them (only the types' ``view()``,
    no answer key), then the draw rules, which each attempt fills with other questions."""

    pass_mark: int
    items: list[Item]
    draws: list[Draw]

    @property
    def questions(self) -> int:
        """How many questions an attempt has (the fixed ones that are answered, and the drawn ones)."""
        return sum(1 for item in self.items if item.number is not None) + sum(d.count for d in self.draws)


def quiz_preview(module_id: int, course_code: str) -> QuizPreview | None:
    """The preview of module ``module_id``'s quiz file (1 query), None when the module has none."""
    row = db.session.execute(
        select(ModuleQuizSource, Quiz.shuffle_options).outerjoin(Quiz, Quiz.module_id == ModuleQuizSource.module_id)
        .where(ModuleQuizSource.module_id == module_id)).first()
    if row is None:
        return None
    source, shuffle = row
    return source_preview(source, course_code, seed=module_id, shuffle=shuffle)


def source_preview(source: ModuleQuizSource, course_code: str, seed: int = 0,
                   shuffle: bool | None = None) -> QuizPreview:
    """:func:`quiz_preview` of a quiz file (also one being typed, not saved).

    The options come as a learner gets them: shuffled unless the quiz (built at an earlier publishing,
    its settings kept by the draft) says not to (``shuffle`` False; None: the default), and the same way
    on every visit (``seed``): the written order would put the right option first, as GIFT files
    usually do.
    """
    shuffle = QuizSettings.shuffle_options if shuffle is None else shuffle
    rng = random.Random(seed)
    draws = parse_draws(source.draws)[0]
    answers = []
    for parsed in parse(source.text, source.format).questions:
        if is_drawn(parsed, draws, course_code):
            continue
        cls = question_type(parsed["type"])
        data, _problems = data_from_parsed(parsed)
        question = question_from_parsed(parsed, data)
        state = cls.prepare(data, rng, shuffle) if cls is not None else {}
        answers.append(AttemptAnswer(position=len(answers) + 1, question=question, state=_dumps(state),
                                     max_mark=question.default_mark))
    items = _numbered(answers)
    for item in items:
        if item.cls is not None:
            item.view = item.cls.view(item.question.payload, item.answer.state_data)
    return QuizPreview(source.pass_mark, items, draws)


@dataclass
class QuizRow:
    quiz: Quiz
    module: Module
    version: CourseVersion
    attempts: int
    to_grade: int


def course_quizzes(course: Course) -> list[QuizRow]:
    """Every quiz of every version of the course, newest version first, with its slots and counts (3 queries)."""
    rows = db.session.execute(
        select(Quiz, Module, CourseVersion).options(selectinload(Quiz.slots)).join(Module, Quiz.module_id == Module.id)
        .join(CourseVersion, Module.version_id == CourseVersion.id).where(CourseVersion.course_id == course.id)
        .order_by(CourseVersion.number.desc(), Module.position)
    ).all()
    ids = [quiz.id for quiz, _m, _v in rows]
    counts: dict[int, tuple[int, int]] = {}
    if ids:
        for quiz_id, total, waiting in db.session.execute(
            select(Attempt.quiz_id, func.count(Attempt.id),
                   func.sum(case((Attempt.state == NEEDS_GRADING, 1), else_=0)))
            .where(Attempt.quiz_id.in_(ids)).group_by(Attempt.quiz_id)
        ):
            counts[quiz_id] = (total, int(waiting or 0))
    return [QuizRow(quiz, module, version, *counts.get(quiz.id, (0, 0))) for quiz, module, version in rows]


def quiz_attempts(quiz: Quiz) -> list[Attempt]:
    """All attempts at a quiz with their cadres (2 queries)."""
    return list(db.session.scalars(
        select(Attempt).where(Attempt.quiz_id == quiz.id).options(selectinload(Attempt.cadre))
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
    ))


def grading_queue(course: Course) -> list[AttemptAnswer]:
    """Answers waiting for a trainer's mark in the course's quizzes, oldest submission first (4 queries)."""
    return list(db.session.scalars(
        select(AttemptAnswer).join(Attempt, AttemptAnswer.attempt_id == Attempt.id)
        .join(Quiz, Attempt.quiz_id == Quiz.id).join(Module, Quiz.module_id == Module.id)
        .join(CourseVersion, Module.version_id == CourseVersion.id)
        .where(CourseVersion.course_id == course.id, Attempt.state == NEEDS_GRADING,
               AttemptAnswer.fraction.is_(None), AttemptAnswer.max_mark > 0)
        .options(selectinload(AttemptAnswer.question),
                 selectinload(AttemptAnswer.attempt).selectinload(Attempt.cadre),
                 selectinload(AttemptAnswer.attempt).selectinload(Attempt.quiz).selectinload(Quiz.module))
        .order_by(Attempt.submitted_at, Attempt.id, AttemptAnswer.position)
    ))


@dataclass
class QuestionStats:
    question: Question
    count: int
    facility: float | None
    discrimination: float | None

    @property
    def hints(self) -> list[str]:
        from lms.core.i18n import _

        hints = []
        if self.facility is not None and self.facility < FACILITY_LOW:
            hints.append(_("Quá khó: kiểm tra lại đáp án và cách hỏi."))
        if self.facility is not None and self.facility > FACILITY_HIGH:
            hints.append(_("Quá dễ: hầu như ai cũng đúng."))
        if self.discrimination is not None and self.discrimination < DISCRIMINATION_LOW:
            hints.append(_("Phân loại kém: người làm tốt cả bài không làm tốt câu này hơn; xem lại đáp án và phương án nhiễu."))
        return hints

    @property
    def installed(self) -> bool:
        return question_type(self.question.type) is not None


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / math.sqrt(sxx * syy)


def statistics(quiz: Quiz) -> tuple[int, list[QuestionStats]]:
    """(graded attempts, per question: facility index and discrimination index) over graded attempts.

    Facility is the mean fraction scored on the question. Discrimination is the correlation between
    the question's fraction and the rest of the attempt's score (the attempt's score without this
    question), None ("–") with fewer than DISCRIMINATION_MIN_ATTEMPTS answers or no spread.
    """
    rows = db.session.execute(
        select(AttemptAnswer.question_id, AttemptAnswer.fraction, AttemptAnswer.mark, Attempt.score)
        .join(Attempt, AttemptAnswer.attempt_id == Attempt.id)
        .where(Attempt.quiz_id == quiz.id, Attempt.state == GRADED, AttemptAnswer.max_mark > 0)
        .order_by(AttemptAnswer.question_id, Attempt.id)
    ).all()
    attempts = db.session.scalar(select(func.count(Attempt.id)).where(Attempt.quiz_id == quiz.id, Attempt.state == GRADED)) or 0
    per_question: dict[int, list[tuple[float, float]]] = {}
    for question_id, fraction, mark, score in rows:
        if fraction is None:
            continue
        per_question.setdefault(question_id, []).append((fraction, (score or 0.0) - (mark or 0.0)))
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(list(per_question))))} \
        if per_question else {}
    stats = []
    for question_id, pairs in per_question.items():
        fractions = [p[0] for p in pairs]
        facility = sum(fractions) / len(fractions)
        discrimination = _pearson(fractions, [p[1] for p in pairs]) if len(pairs) >= DISCRIMINATION_MIN_ATTEMPTS else None
        stats.append(QuestionStats(questions[question_id], len(pairs), facility, discrimination))
    order = {s.question_id: s.position for s in quiz.slots if s.question_id}
    stats.sort(key=lambda s: (order.get(s.question.id, 10**6), s.question.id))
    return attempts, stats


def bank(course: Course) -> list[tuple[QuestionCategory, str, list[Question]]]:
    """The course's categories with their paths, as draw rules name them ("Luật Công đoàn/Chương 1"),
    in Vietnamese order, and their questions (2 queries: a category's parent is among those loaded)."""
    categories = list(db.session.scalars(select(QuestionCategory).where(QuestionCategory.course_id == course.id)))
    questions = list(db.session.scalars(select(Question).where(Question.course_id == course.id).order_by(Question.id)))
    by_category: dict[int, list[Question]] = {}
    for question in questions:
        by_category.setdefault(question.category_id, []).append(question)
    rows = [(c, category_path(c), by_category.get(c.id, [])) for c in categories]
    rows.sort(key=lambda row: text_sort_key(row[1]))
    return rows


def category_sizes(course: Course) -> list[tuple[str, int]]:
    """Each category of the course's bank by path, with how many questions can be drawn from it (2 queries)."""
    categories = list(db.session.scalars(select(QuestionCategory).where(QuestionCategory.course_id == course.id)))
    counts = dict(db.session.execute(
        select(Question.category_id, func.count(Question.id))
        .where(Question.course_id == course.id, Question.type != "description").group_by(Question.category_id)).all())
    return sorted(((category_path(c), counts.get(c.id, 0)) for c in categories), key=lambda row: text_sort_key(row[0]))


def attempts_finished(attempts: list[Attempt]) -> list[Attempt]:
    return [a for a in attempts if a.state in FINISHED_STATES]

