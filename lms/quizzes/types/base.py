"""The contract every question type implements.

A question is stored as ``(type name, text, data)`` where ``data`` is a JSON-able dict owned by the
type (options with stable ids, fractions, feedback, tolerances…). An attempt stores, per question, a
``state`` made once by :meth:`QuestionType.prepare` (for example the shuffled order of the options)
and the learner's ``response``. Pages before submission only ever receive :meth:`view`, which must
never contain fractions, correct answers or feedback: the answer key stays on the server.
"""
from __future__ import annotations

import random
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from flask import current_app
from werkzeug.datastructures import MultiDict

from lms.core.plugins import GROUP_QUESTION_TYPES, register_base, registry


class QuestionType(ABC):
    """Base class of question-type plugins. Subclasses set ``name`` (stable, stored in the database)."""

    name: ClassVar[str]
    #: Vietnamese label shown to trainers (a lazy gettext string).
    label: ClassVar[Any]
    #: Jinja template (under a ``templates`` folder on the app's loader) that renders the input widgets
    #: from :meth:`view`; it receives ``question``, ``view``, ``response``, ``prefix`` and ``disabled``.
    template: ClassVar[str]
    #: False for types that take no answer (description).
    answerable: ClassVar[bool] = True
    #: True when a trainer grades the answer (essay).
    manual: ClassVar[bool] = False

    # -- authoring and import ----------------------------------------------------------------

    @classmethod
    @abstractmethod
    def from_parsed(cls, question: dict) -> dict:
        """``data`` from one question of the GIFT/Aiken JSON (docs/question-formats.md)."""

    @classmethod
    @abstractmethod
    def to_parsed(cls, data: dict) -> dict:
        """The type-specific keys of the GIFT/Aiken JSON, for export (inverse of :meth:`from_parsed`)."""

    @classmethod
    def validate(cls, data: dict) -> list[str]:
        """Vietnamese messages for everything wrong with ``data``; empty when it is usable."""
        return []

    # -- taking a quiz -----------------------------------------------------------------------

    @classmethod
    def prepare(cls, data: dict, rng: random.Random, shuffle: bool = True) -> dict:
        """The per-attempt presentation state (e.g. option order), stored with the attempt."""
        return {}

    @classmethod
    def view(cls, data: dict, state: dict) -> dict:
        """What the page may show before submission. NEVER fractions, keys or feedback."""
        return {}

    @classmethod
    def parse_response(cls, data: dict, state: dict, form: MultiDict, prefix: str) -> Any:
        """The learner's answer from submitted form fields named ``prefix…`` (None when unanswered)."""
        return None

    @classmethod
    def response_warning(cls, data: dict, response: Any) -> str | None:
        """What the learner should know, before submitting, about a saved response that cannot earn
        marks as written (a numeric answer that is not a number); None when there is nothing to say.
        Shown before submission, so it must tell nothing of the answer key."""
        return None

    @classmethod
    def grade(cls, data: dict, response: Any) -> float | None:
        """A fraction between 0 and 1 (never below 0), or None when a trainer must grade it."""
        return None

    @classmethod
    def review(cls, data: dict, state: dict, response: Any) -> dict:
        """After submission: the right answer, per-option feedback and what the learner chose."""
        return {}


def question_types():
    """The registry of installed question types (loaded at start-up from the entry points)."""
    return registry(current_app, GROUP_QUESTION_TYPES)


def question_type(name: str) -> type[QuestionType] | None:
    """The installed type called ``name``, or None: pages then show "not installed" instead of breaking."""
    return question_types().get(name)


register_base(GROUP_QUESTION_TYPES, QuestionType)
