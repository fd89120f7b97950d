"""Essay: a free text answer graded by a trainer.

``data``::

    {"min_words": 0, "grader_info": "…"}

``min_words`` is shown to the learner as a hint (0 = none); ``grader_info`` is guidance for the trainer
who grades and is never shown to the learner (it is in neither :meth:`view` nor :meth:`review`). GIFT
carries neither, so they come back as the defaults on import. There is no state; the response is the
text (NFC, line breaks kept, at most 20,000 characters). :meth:`grade` is None: a trainer decides.
"""
from __future__ import annotations

import random
import unicodedata
from typing import Any

from werkzeug.datastructures import MultiDict

from lms.core.i18n import _, _l
from lms.quizzes.types.base import QuestionType

MAX_LENGTH = 20_000


def word_count(text: str | None) -> int:
    return len(text.split()) if text else 0


class Essay(QuestionType):
    name = "essay"
    label = _l("Tự luận")
    template = "quizzes/types/essay.html"
    manual = True

    @classmethod
    def from_parsed(cls, question: dict) -> dict:
        return {"min_words": 0, "grader_info": ""}

    @classmethod
    def to_parsed(cls, data: dict) -> dict:
        return {}

    @classmethod
    def validate(cls, data: dict) -> list[str]:
        if not isinstance(data, dict):
            return [_("Dữ liệu câu hỏi không hợp lệ.")]
        errors = []
        min_words = data.get("min_words", 0)
        if not isinstance(min_words, int) or isinstance(min_words, bool) or min_words < 0:
            errors.append(_("Số từ tối thiểu phải là một số nguyên ≥ 0."))
        if not isinstance(data.get("grader_info", ""), str):
            errors.append(_("Hướng dẫn chấm không hợp lệ."))
        return errors

    @classmethod
    def prepare(cls, data: dict, rng: random.Random, shuffle: bool = True) -> dict:
        return {}

    @classmethod
    def view(cls, data: dict, state: dict) -> dict:
        return {"min_words": data.get("min_words", 0), "max_length": MAX_LENGTH}

    @classmethod
    def parse_response(cls, data: dict, state: dict, form: MultiDict, prefix: str) -> Any:
        """The text of ``{prefix}text``; None when empty."""
        text = unicodedata.normalize("NFC", form.get(f"{prefix}text", "")).replace("\r\n", "\n").replace("\r", "\n")
        text = text.strip()[:MAX_LENGTH]
        return text or None

    @classmethod
    def grade(cls, data: dict, response: Any) -> float | None:
        return None

    @classmethod
    def review(cls, data: dict, state: dict, response: Any) -> dict:
        """``{"text": the answer | None, "words": count, "min_words"}``; the trainer's grade and comment
        belong to the attempt, not to the type."""
        text = response if isinstance(response, str) else None
        return {"text": text, "words": word_count(text), "min_words": data.get("min_words", 0)}
