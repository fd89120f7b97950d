"""Short answer: the learner types a word or a phrase, compared with the author's accepted answers.

``data``::

    {"answers": [{"id": "a", "text": "Nguyễn Đức Cảnh", "fraction": 1.0, "feedback": "…"}, …],
     "case_sensitive": false, "ignore_spaces": true, "ignore_diacritics": false}

Comparison: both sides are NFC-normalised with white space collapsed and trimmed
(:func:`lms.core.text.nfc`); then, as the author chose, Vietnamese diacritics are removed
("Nguyễn Đức Cảnh" = "Nguyen Duc Canh", đ = d), case is ignored (``str.casefold``) and spaces are
removed altogether ("Hà Nội" = "HàNội"). ``*`` in an accepted answer matches any run of characters
(Moodle's wildcard; ``\\*`` is a literal asterisk), so ``=%0%*#…`` gives feedback for any other answer.
When several answers match, the best one counts (Moodle takes the first in the list; the best is
kinder when a wildcard answer comes first). The response is the learner's text (NFC, trimmed).
"""
from __future__ import annotations

import random
import re
import unicodedata
from typing import Any

from werkzeug.datastructures import MultiDict

from lms.core.i18n import _, _l
from lms.core.text import fold, nfc
from lms.quizzes.types.base import QuestionType
from lms.quizzes.types.single_choice import (
    check_grades,
    check_items,
    check_option_texts,
    clamp,
    label_of,
    option_id,
)

MAX_LENGTH = 500
_ESCAPED_STAR = "\ufdd7"  # a Unicode noncharacter: never in stored text (the GIFT reader replaces them)
_OPTIONS = ("case_sensitive", "ignore_spaces", "ignore_diacritics")
DEFAULTS = {"case_sensitive": False, "ignore_spaces": True, "ignore_diacritics": False}


def _strip_marks(text: str) -> str:
    """Remove Vietnamese diacritics but keep the case (fold() also lower-cases)."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped.replace("đ", "d").replace("Đ", "D"))


class ShortAnswer(QuestionType):
    name = "short_answer"
    label = _l("Trả lời ngắn")
    template = "quizzes/types/short_answer.html"

    @classmethod
    def from_parsed(cls, question: dict) -> dict:
        answers = [
            {"id": option_id(i), "text": o["text"], "fraction": float(o["fraction"]), "feedback": o.get("feedback", "")}
            for i, o in enumerate(question["options"])
        ]
        return {"answers": answers, **DEFAULTS}

    @classmethod
    def to_parsed(cls, data: dict) -> dict:
        """GIFT has no place for the comparison options: they come back as the defaults on import."""
        return {"options": [{"text": a["text"], "fraction": float(a["fraction"]), "feedback": a.get("feedback", "")}
                            for a in data["answers"]]}

    @classmethod
    def validate(cls, data: dict) -> list[str]:
        if not isinstance(data, dict):
            return [_("Dữ liệu câu hỏi không hợp lệ.")]
        errors: list[str] = []
        answers = check_items(data.get("answers"), _("đáp án"), errors)
        check_option_texts(answers, _("đáp án"), errors)
        graded = check_grades(answers, errors, allow_negative=False)
        if isinstance(data.get("answers"), list) and not data["answers"]:
            errors.append(_("Cần ít nhất một đáp án được chấp nhận."))
        elif len(graded) == len(answers):
            if not any(a["fraction"] >= 1 - 1e-6 for a in answers):
                errors.append(_("Cần ít nhất một đáp án được 100%."))
        for answer in answers:
            if answer["text"].strip() and not answer["text"].replace("*", "").strip() and answer.get("fraction", 0) > 0:
                errors.append(_("Đáp án “%(text)s” chấp nhận mọi câu trả lời nên chỉ được 0%%; "
                                "dùng nó để phản hồi cho các câu trả lời khác.", text=label_of(answer["text"])))
        for key in _OPTIONS:
            if not isinstance(data.get(key, DEFAULTS[key]), bool):
                errors.append(_("Tuỳ chọn so sánh không hợp lệ."))
                break
        return errors

    # -- comparison --------------------------------------------------------------------------------

    @classmethod
    def normalise(cls, data: dict, text: str) -> str:
        """The comparison key of ``text`` under the question's options."""
        text = nfc(text)
        if data.get("ignore_diacritics", DEFAULTS["ignore_diacritics"]):
            text = _strip_marks(text) if data.get("case_sensitive", False) else fold(text)
        if not data.get("case_sensitive", DEFAULTS["case_sensitive"]):
            text = text.casefold()
        if data.get("ignore_spaces", DEFAULTS["ignore_spaces"]):
            text = text.replace(" ", "")
        return text

    @classmethod
    def matches(cls, data: dict, pattern: str, response: str) -> bool:
        """True when ``response`` is accepted by the answer ``pattern`` (``*`` wildcard, ``\\*`` literal)."""
        key = cls.normalise(data, response)
        pattern = cls.normalise(data, pattern.replace("\\*", _ESCAPED_STAR))
        if "*" not in pattern:
            return key == pattern.replace(_ESCAPED_STAR, "*")
        parts = [re.escape(part.replace(_ESCAPED_STAR, "*")) for part in pattern.split("*")]
        return re.fullmatch(".*".join(parts), key, flags=re.DOTALL) is not None

    @classmethod
    def best_answer(cls, data: dict, response: Any) -> dict | None:
        """The matching accepted answer with the highest fraction (the first of equals), or None."""
        if not isinstance(response, str) or not response.strip():
            return None
        best = None
        for answer in data["answers"]:
            if cls.matches(data, answer["text"], response) and (best is None or answer["fraction"] > best["fraction"]):
                best = answer
        return best

    # -- taking a quiz ---------------------------------------------------------------------------

    @classmethod
    def prepare(cls, data: dict, rng: random.Random, shuffle: bool = True) -> dict:
        return {}

    @classmethod
    def view(cls, data: dict, state: dict) -> dict:
        return {"max_length": MAX_LENGTH}

    @classmethod
    def parse_response(cls, data: dict, state: dict, form: MultiDict, prefix: str) -> Any:
        """The text of ``{prefix}text``, NFC and trimmed (at most 500 characters); None when empty."""
        text = nfc(form.get(f"{prefix}text", ""))[:MAX_LENGTH]
        return text or None

    @classmethod
    def grade(cls, data: dict, response: Any) -> float | None:
        best = cls.best_answer(data, response)
        return clamp(best["fraction"]) if best else 0.0

    @classmethod
    def review(cls, data: dict, state: dict, response: Any) -> dict:
        """``{"response": text | None, "matched": id of the accepted answer that counted | None,
        "feedback": its feedback, "fraction", "right": [texts of the answers worth 100%]}``
        (``\\*`` shown as ``*``)."""
        best = cls.best_answer(data, response)
        return {
            "response": response if isinstance(response, str) else None,
            "matched": best["id"] if best else None,
            "feedback": best.get("feedback", "") if best else "",
            "fraction": cls.grade(data, response),
            "right": [a["text"].replace("\\*", "*") for a in data["answers"] if a["fraction"] >= 1 - 1e-6],
        }
