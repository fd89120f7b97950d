"""Numeric: the learner types a number, accepted within a tolerance or a range.

``data``::

    {"ranges": [{"id": "a", "value": 1929.0, "tolerance": 0.0, "fraction": 1.0, "feedback": "…"},
                {"id": "b", "value": 1929.0, "tolerance": 2.0, "fraction": 0.5, "feedback": "Gần đúng"},
                {"id": "c", "value": null, "tolerance": 0.0, "fraction": 0.0, "feedback": "Sai"}]}

A range accepts ``value ± tolerance`` (a GIFT ``{#min..max}`` is stored as midpoint and half-width);
``value: null`` is "any other answer", used only when no other range accepts the number. When several
ranges accept it the best counts. The learner may write a decimal comma ("3,5", the Vietnamese way)
or a decimal point ("3.5"); thousands separators are not accepted ("1.929" is one point nine…), so
the widget says so. The response keeps what was typed, for the form to show it again:
``{"text": "3,5", "value": 3.5}``; ``value`` is null when the text is not a number (scored 0).
"""
from __future__ import annotations

import random
import re
from typing import Any

from werkzeug.datastructures import MultiDict

from lms.core.i18n import _, _l
from lms.core.text import nfc
from lms.quizzes.types.base import QuestionType
from lms.quizzes.types.single_choice import check_grades, clamp, is_number, option_id

MAX_LENGTH = 40
_NUMBER = re.compile(r"([+\-\u2212]?)([0-9]+(?:[.,][0-9]+)?|[.,][0-9]+)")


def parse_number(text: str) -> float | None:
    """"3,5" / "3.5" / "-2" / "−2" / ",5" → float; None for anything else (including "1.234,5")."""
    match = _NUMBER.fullmatch(nfc(text))
    if not match:
        return None
    sign, digits = match.groups()
    value = float(digits.replace(",", "."))
    return -value if sign in ("-", "\u2212") else value


def accepts(entry: dict, number: float) -> bool:
    """True when ``number`` is within ``value ± tolerance`` (allowing for binary rounding)."""
    value = entry["value"]
    if value is None:
        return True
    slack = 1e-9 * max(1.0, abs(value), abs(number))
    return abs(number - value) <= entry["tolerance"] + slack


class Numeric(QuestionType):
    name = "numeric"
    label = _l("Số")
    template = "quizzes/types/numeric.html"

    @classmethod
    def from_parsed(cls, question: dict) -> dict:
        return {"ranges": [
            {
                "id": option_id(i),
                "value": None if r["value"] is None else float(r["value"]),
                "tolerance": float(r.get("tolerance") or 0.0),
                "fraction": float(r["fraction"]),
                "feedback": r.get("feedback", ""),
            }
            for i, r in enumerate(question["ranges"])
        ]}

    @classmethod
    def to_parsed(cls, data: dict) -> dict:
        return {"ranges": [
            {"value": r["value"], "tolerance": float(r["tolerance"]), "fraction": float(r["fraction"]),
             "feedback": r.get("feedback", "")}
            for r in data["ranges"]
        ]}

    @classmethod
    def validate(cls, data: dict) -> list[str]:
        if not isinstance(data, dict) or not isinstance(data.get("ranges"), list):
            return [_("Thiếu danh sách đáp án số.")]
        errors: list[str] = []
        ranges: list[dict] = []
        ids: set[str] = set()
        for number, entry in enumerate(data["ranges"], start=1):
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
                errors.append(_("Đáp án số thứ %(n)s không hợp lệ.", n=number))
                continue
            if entry["id"] in ids:
                errors.append(_("Mã %(id)s bị trùng.", id=entry["id"]))
                continue
            ids.add(entry["id"])
            ok = True
            if entry.get("value") is not None and not is_number(entry.get("value")):
                errors.append(_("Đáp án số thứ %(n)s: giá trị phải là một số.", n=number))
                ok = False
            tolerance = entry.get("tolerance", 0)
            if not is_number(tolerance) or tolerance < 0:
                errors.append(_("Đáp án số thứ %(n)s: sai số cho phép phải là một số ≥ 0.", n=number))
                ok = False
            if not isinstance(entry.get("feedback", ""), str):
                errors.append(_("Phản hồi của đáp án số thứ %(n)s không hợp lệ.", n=number))
            if ok:
                ranges.append({**entry, "text": str(entry.get("value") if entry.get("value") is not None else "*")})
        graded = check_grades(ranges, errors, allow_negative=False)
        if not data["ranges"]:
            errors.append(_("Cần ít nhất một đáp án số."))
        elif len(graded) == len(ranges) == len(data["ranges"]):
            if not any(r["value"] is not None and r["fraction"] >= 1 - 1e-6 for r in ranges):
                errors.append(_("Cần ít nhất một đáp án số được 100%."))
            if any(r["value"] is None and r["fraction"] > 0 for r in ranges):
                errors.append(_("Mục “mọi câu trả lời khác” chỉ được 0%; nó dùng để phản hồi cho câu trả lời sai."))
        return errors

    @classmethod
    def best_range(cls, data: dict, response: Any) -> dict | None:
        """The accepting range with the highest fraction; the "any answer" entry only when no other accepts."""
        number = response.get("value") if isinstance(response, dict) else None
        if not is_number(number):
            return None
        specific = [r for r in data["ranges"] if r["value"] is not None and accepts(r, number)]
        if specific:
            return max(specific, key=lambda r: r["fraction"])  # max keeps the first of equals
        return next((r for r in data["ranges"] if r["value"] is None), None)

    # -- taking a quiz ---------------------------------------------------------------------------

    @classmethod
    def prepare(cls, data: dict, rng: random.Random, shuffle: bool = True) -> dict:
        return {}

    @classmethod
    def view(cls, data: dict, state: dict) -> dict:
        return {"max_length": MAX_LENGTH}

    @classmethod
    def parse_response(cls, data: dict, state: dict, form: MultiDict, prefix: str) -> Any:
        """``{"text", "value"}`` from ``{prefix}number``; None when empty."""
        text = nfc(form.get(f"{prefix}number", ""))[:MAX_LENGTH]
        if not text:
            return None
        return {"text": text, "value": parse_number(text)}

    @classmethod
    def response_warning(cls, data: dict, response: Any) -> str | None:
        """Typed text that is not a number would score 0 whatever the key: say so while it can be fixed."""
        if isinstance(response, dict) and response.get("text") and response.get("value") is None:
            return _("“%(text)s” không phải là một số nên sẽ không được điểm. Hãy viết một số, ví dụ 3,5 hoặc -2.",
                     text=response["text"])
        return None

    @classmethod
    def grade(cls, data: dict, response: Any) -> float | None:
        best = cls.best_range(data, response)
        return clamp(best["fraction"]) if best else 0.0

    @classmethod
    def review(cls, data: dict, state: dict, response: Any) -> dict:
        """``{"response": typed text | None, "value": float | None, "matched": range id | None,
        "feedback", "fraction", "right": [{"value", "tolerance"} of the ranges worth 100%]}``."""
        best = cls.best_range(data, response)
        return {
            "response": response.get("text") if isinstance(response, dict) else None,
            "value": response.get("value") if isinstance(response, dict) else None,
            "matched": best["id"] if best else None,
            "feedback": best.get("feedback", "") if best else "",
            "fraction": cls.grade(data, response),
            "right": [{"value": r["value"], "tolerance": r["tolerance"]}
                      for r in data["ranges"] if r["value"] is not None and r["fraction"] >= 1 - 1e-6],
        }
