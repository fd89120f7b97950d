"""Description: text shown between questions (instructions, a case to read); it takes no answer.

``data`` is ``{}``. It is not answerable: :meth:`grade` is None and quizzes should not count it.
"""
from __future__ import annotations

from lms.core.i18n import _l
from lms.quizzes.types.base import QuestionType


class Description(QuestionType):
    name = "description"
    label = _l("Mô tả")
    template = "quizzes/types/description.html"
    answerable = False

    @classmethod
    def from_parsed(cls, question: dict) -> dict:
        return {}

    @classmethod
    def to_parsed(cls, data: dict) -> dict:
        return {}

    @classmethod
    def validate(cls, data: dict) -> list[str]:
        return []
