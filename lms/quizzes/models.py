"""The question bank of a course, quizzes on modules, and cadres' attempts.

Questions belong to a course (not to a version), so a new draft reuses them; a quiz belongs to one
module of one version and lists its questions in slots (a fixed question, or N random questions from
a category). An attempt stores, once and for all when it starts, its layout (which question sits at
which position) and per question the type's presentation state (option order), so that resuming on
another device shows the same page. Every answer is a row of its own, saved as soon as it changes.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from lms.core.db import UTCDateTime, db, utcnow

# Attempt states
IN_PROGRESS = "in_progress"
SUBMITTED = "submitted"  # finished, grading under way in the request that submitted it
NEEDS_GRADING = "needs_grading"  # an essay (or a question whose type is missing) waits for a trainer
GRADED = "graded"
FINISHED_STATES = (SUBMITTED, NEEDS_GRADING, GRADED)

GRADING_METHODS = ("highest", "last", "average")
FEEDBACK_WHEN = ("immediately", "after_submit", "after_close")
REVIEW_WHEN = ("after_submit", "after_close", "never")


def _loads(text: str | None, default: Any = None) -> Any:
    if text is None or text == "":
        return default
    return json.loads(text)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class QuestionCategory(db.Model):
    __tablename__ = "question_categories"
    __table_args__ = (UniqueConstraint("course_id", "parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("question_categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[QuestionCategory | None] = relationship(remote_side=[id])


class Question(db.Model):
    """One question of a course's bank. ``data`` (JSON) is owned by the question type named ``type``."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("question_categories.id"), index=True)
    type: Mapped[str] = mapped_column(String(60))
    name: Mapped[str | None] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    text_format: Mapped[str] = mapped_column(String(20), default="moodle")
    data: Mapped[str] = mapped_column(Text, default="{}")
    general_feedback: Mapped[str] = mapped_column(Text, default="")
    default_mark: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[QuestionCategory] = relationship()

    @property
    def payload(self) -> dict:
        """``data`` decoded."""
        return _loads(self.data, {})


class Quiz(db.Model):
    """A module's quiz and its policies. Times are enforced on the server."""

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), unique=True)
    pass_mark: Mapped[int] = mapped_column(Integer, default=70)  # percent
    max_attempts: Mapped[int] = mapped_column(Integer, default=0)  # 0 = unlimited
    grading_method: Mapped[str] = mapped_column(String(20), default="highest")
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    feedback_when: Mapped[str] = mapped_column(String(20), default="immediately")
    review_when: Mapped[str] = mapped_column(String(20), default="after_submit")
    closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=True)
    questions_per_page: Mapped[int] = mapped_column(Integer, default=5)
    source_sha256: Mapped[str | None] = mapped_column(String(64))  # the quiz file the slots were built from
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    module = relationship("Module", backref=backref("quiz", uselist=False, cascade="all, delete-orphan",
                                                      passive_deletes=True))
    slots: Mapped[list[QuizSlot]] = relationship(order_by="QuizSlot.position", cascade="all, delete-orphan",
                                                 passive_deletes=True)

    def is_closed(self, now: dt.datetime) -> bool:
        return self.closes_at is not None and now >= self.closes_at


class QuizSlot(db.Model):
    """A place in a quiz: a fixed question, or ``count`` questions drawn at random from a category."""

    __tablename__ = "quiz_slots"
    __table_args__ = (UniqueConstraint("quiz_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("question_categories.id"), index=True)
    count: Mapped[int] = mapped_column(Integer, default=1)

    question: Mapped[Question | None] = relationship()
    category: Mapped[QuestionCategory | None] = relationship()


class Attempt(db.Model):
    """A cadre's attempt at a quiz. ``layout`` is the ordered list of ``[slot position, question id]``."""

    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("quiz_id", "cadre_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"), index=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default=IN_PROGRESS)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    graded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float, default=0.0)
    fraction: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    layout: Mapped[str] = mapped_column(Text, default="[]")

    quiz: Mapped[Quiz] = relationship()
    cadre = relationship("Cadre")
    enrolment = relationship("Enrolment")
    answers: Mapped[list[AttemptAnswer]] = relationship(order_by="AttemptAnswer.position",
                                                        back_populates="attempt", cascade="all, delete-orphan")

    @property
    def positions(self) -> list[list[int]]:
        return _loads(self.layout, [])

    @property
    def is_open(self) -> bool:
        return self.state == IN_PROGRESS

    def is_overdue(self, now: dt.datetime) -> bool:
        return self.state == IN_PROGRESS and self.deadline_at is not None and now >= self.deadline_at


class AttemptAnswer(db.Model):
    """One question of an attempt: its presentation state, the saved response and, once graded, the mark."""

    __tablename__ = "attempt_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1-based place in the attempt's layout
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    state: Mapped[str] = mapped_column(Text, default="{}")
    response: Mapped[str | None] = mapped_column(Text)
    saved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    max_mark: Mapped[float] = mapped_column(Float, default=1.0)
    fraction: Mapped[float | None] = mapped_column(Float)
    mark: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    graded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    attempt: Mapped[Attempt] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
    graded_by = relationship("User")

    @property
    def state_data(self) -> dict:
        return _loads(self.state, {})

    @property
    def response_data(self) -> Any:
        return _loads(self.response, None)

    @property
    def answered(self) -> bool:
        return self.response is not None
