"""True/false: a statement the learner marks "Đúng" or "Sai".

``data``::

    {"answer": true, "feedback_true": "…", "feedback_false": "…"}

``feedback_true`` is shown when the learner answers true, ``feedback_false`` when the learner answers
false, whichever is right (as in the GIFT JSON). There is no state; the response is ``true`` or
``false`` (form values ``"true"`` / ``"false"`` of the radio group ``{prefix}choice``).
"""
from __future__ import annotations

import random
from typing import Any

from werkzeug.datastructures import MultiDict

from lms.core.i18n import _, _l
from lms.quizzes.types.base import QuestionType

_VALUES = {"true": True, "false": False}


class TrueFalse(QuestionType):
    name = "true_false"
    label = _l("Đúng/Sai")
    template = "quizzes/types/true_false.html"

    @classmethod
    def from_parsed(cls, question: dict) -> dict:
        return {
            "answer": bool(question["answer"]),
            "feedback_true": question.get("feedback_true", ""),
            "feedback_false": question.get("feedback_false", ""),
        }

    @classmethod
    def to_parsed(cls, data: dict) -> dict:
        return {"answer": data["answer"], "feedback_true": data.get("feedback_true", ""),
                "feedback_false": data.get("feedback_false", "")}

    @classmethod
    def validate(cls, data: dict) -> list[str]:
        if not isinstance(data, dict):
            return [_("Dữ liệu câu hỏi không hợp lệ.")]
        errors = []
        if not isinstance(data.get("answer"), bool):
            errors.append(_("Chọn đáp án đúng: Đúng hoặc Sai."))
        for key in ("feedback_true", "feedback_false"):
            if not isinstance(data.get(key, ""), str):
                errors.append(_("Phản hồi không hợp lệ."))
        return errors

    @classmethod
    def prepare(cls, data: dict, rng: random.Random, shuffle: bool = True) -> dict:
        return {}

    @classmethod
    def choices(cls) -> list[dict]:
        return [{"id": "true", "text": str(_("Đúng"))}, {"id": "false", "text": str(_("Sai"))}]

    @classmethod
    def view(cls, data: dict, state: dict) -> dict:
        return {"options": cls.choices()}

    @classmethod
    def parse_response(cls, data: dict, state: dict, form: MultiDict, prefix: str) -> Any:
        return _VALUES.get(form.get(f"{prefix}choice", ""))

    @classmethod
    def grade(cls, data: dict, response: Any) -> float | None:
        return 1.0 if isinstance(response, bool) and response == data["answer"] else 0.0

    @classmethod
    def review(cls, data: dict, state: dict, response: Any) -> dict:
        """``{"options": [{"id", "text", "chosen", "correct"}], "answer": bool, "chosen": bool | None,
        "feedback": the feedback for the learner's answer ("" when unanswered), "fraction"}``."""
        chosen = response if isinstance(response, bool) else None
        options = [
            {**choice, "chosen": chosen is not None and _VALUES[choice["id"]] == chosen,
             "correct": _VALUES[choice["id"]] == data["answer"]}
            for choice in cls.choices()
        ]
        feedback = "" if chosen is None else data.get("feedback_true" if chosen else "feedback_false", "")
        return {"options": options, "answer": data["answer"], "chosen": chosen, "feedback": feedback,
                "fraction": cls.grade(data, response)}
