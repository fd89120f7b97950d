"""Single choice: one answer among several options (radio buttons).

``data``::

    {"options": [{"id": "a", "text": "…", "fraction": 1.0, "feedback": "…"}, …], "shuffle": true}

Exactly one option is worth 100%; the others are worth 0% or a Moodle grade (a negative grade is a
penalty, but a question's score never goes below 0). ``state`` is ``{"order": [option ids]}``; the
response is the chosen option id.

This module also holds the small helpers the other built-in types share (option ids, option
order, fraction checks), so each type stays one module.
"""
from __future__ import annotations

import math
import random
from typing import Any, Iterable

from werkzeug.datastructures import MultiDict

from lms.core.i18n import _, _l
from lms.quizzes.formats.gift import GRADE_FRACTIONS
from lms.quizzes.types.base import QuestionType

# -- shared helpers ----------------------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def option_id(index: int) -> str:
    """The stable id of the ``index``-th option: a … z, then aa, ab … (spreadsheet-column style)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = _LETTERS[rest] + letters
    return letters


def new_option_id(existing: Iterable[str]) -> str:
    """An id not in ``existing`` (for an option added while authoring; ids are never reused in place)."""
    taken = set(existing)
    index = 0
    while option_id(index) in taken:
        index += 1
    return option_id(index)


def clamp(value: float) -> float:
    """A score in [0, 1]; 0.9999999 (three Moodle thirds) counts as 1."""
    if value >= 1 - 1e-6:
        return 1.0
    if value <= 1e-9:
        return 0.0
    return value


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def is_grade(value: Any) -> bool:
    """True for one of Moodle's grades (100%, 90%, 83.33333% … and their negatives): GIFT can write only these."""
    return is_number(value) and any(abs(value - g) < 1e-5 for g in GRADE_FRACTIONS)


def percent(fraction: float) -> str:
    """0.3333333 → "33,33333%" (Vietnamese decimal comma, for messages)."""
    text = f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + "%"


def ordered(items: list[dict], order: list[str] | None) -> list[dict]:
    """``items`` in the stored ``order`` of ids; ids no longer in ``items`` are skipped and items
    missing from ``order`` (added after the attempt began) come last, in data order."""
    by_id = {item["id"]: item for item in items}
    seen: set[str] = set()
    out = []
    for item_id in order or []:
        if item_id in by_id and item_id not in seen:
            out.append(by_id[item_id])
            seen.add(item_id)
    out.extend(item for item in items if item["id"] not in seen)
    return out


def shuffled_ids(items: list[dict], rng: random.Random, shuffle: bool) -> list[str]:
    ids = [item["id"] for item in items]
    if shuffle:
        rng.shuffle(ids)
    return ids


def label_of(text: str, limit: int = 40) -> str:
    """A short quotation of an option's text for messages."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_items(items: Any, noun: str, errors: list[str], *, text_keys: tuple[str, ...] = ("text",)) -> list[dict]:
    """Common checks of a list of ``{"id", "text", …}`` dicts; returns the well-formed ones."""
    if not isinstance(items, list):
        errors.append(_("Thiếu danh sách %(noun)s.", noun=noun))
        return []
    good: list[dict] = []
    seen: set[str] = set()
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.append(_("%(noun)s thứ %(n)s không hợp lệ.", noun=noun.capitalize(), n=number))
            continue
        item_id = item.get("id")
        if not isinstance(item_id, str) or not item_id:
            errors.append(_("%(noun)s thứ %(n)s thiếu mã.", noun=noun.capitalize(), n=number))
            continue
        if item_id in seen:
            errors.append(_("Mã %(id)s bị trùng.", id=item_id))
            continue
        seen.add(item_id)
        for text_key in text_keys:
            if not isinstance(item.get(text_key), str):
                errors.append(_("%(noun)s thứ %(n)s thiếu nội dung.", noun=noun.capitalize(), n=number))
                break
        else:
            good.append(item)
    return good


def check_option_texts(options: list[dict], noun: str, errors: list[str]) -> None:
    for number, option in enumerate(options, start=1):
        if not option["text"].strip():
            errors.append(_("%(noun)s thứ %(n)s để trống.", noun=noun.capitalize(), n=number))
        if not isinstance(option.get("feedback", ""), str):
            errors.append(_("Phản hồi của %(noun)s thứ %(n)s không hợp lệ.", noun=noun, n=number))


def check_grades(options: list[dict], errors: list[str], *, allow_negative: bool) -> list[dict]:
    """Every option's fraction is a Moodle grade (negative only when allowed); returns those that are."""
    good = []
    for option in options:
        fraction = option.get("fraction")
        if not is_grade(fraction) or (fraction < 0 and not allow_negative):
            errors.append(_("Điểm của đáp án “%(text)s” không hợp lệ: chọn một mức điểm của Moodle "
                            "(100%%, 90%%, 83,33333%%, 80%%, 75%%, 70%%, 66,66667%%, 60%%, 50%%, 40%%, "
                            "33,33333%%, 30%%, 25%%, 20%%, 16,66667%%, 14,28571%%, 12,5%%, 11,11111%%, "
                            "10%%, 5%%, 0%%)%(negative)s.",
                            text=label_of(option.get("text", "")),
                            negative=_(" hoặc mức âm tương ứng") if allow_negative else ""))
        else:
            good.append(option)
    return good


def options_from_parsed(parsed: list[dict]) -> list[dict]:
    return [
        {"id": option_id(i), "text": o["text"], "fraction": float(o["fraction"]), "feedback": o.get("feedback", "")}
        for i, o in enumerate(parsed)
    ]


def options_to_parsed(options: list[dict]) -> list[dict]:
    return [{"text": o["text"], "fraction": float(o["fraction"]), "feedback": o.get("feedback", "")} for o in options]


# -- the type ------------------------------------------------------------------------------------


class SingleChoice(QuestionType):
    """One option is right (radio buttons). Other options may carry partial or negative credit."""

    name = "single_choice"
    label = _l("Một lựa chọn")
    template = "quizzes/types/single_choice.html"

    @classmethod
    def from_parsed(cls, question: dict) -> dict:
        return {"options": options_from_parsed(question["options"]), "shuffle": True}

    @classmethod
    def to_parsed(cls, data: dict) -> dict:
        return {"options": options_to_parsed(data["options"])}

    @classmethod
    def validate(cls, data: dict) -> list[str]:
        errors: list[str] = []
        options = cls._check_options(data, errors)
        graded = check_grades(options, errors, allow_negative=True)
        if len(graded) == len(options):
            right = [o for o in options if o["fraction"] >= 1 - 1e-6]
            if len(right) != 1:
                errors.append(_("Câu một lựa chọn cần đúng một đáp án được 100%% (hiện có %(n)s).", n=len(right)))
        return errors

    @classmethod
    def _check_options(cls, data: dict, errors: list[str]) -> list[dict]:
        if not isinstance(data, dict):
            errors.append(_("Dữ liệu câu hỏi không hợp lệ."))
            return []
        options = check_items(data.get("options"), _("đáp án"), errors)
        check_option_texts(options, _("đáp án"), errors)
        if isinstance(data.get("options"), list) and len(data["options"]) < 2:
            errors.append(_("Cần ít nhất 2 đáp án."))
        if not isinstance(data.get("shuffle", True), bool):
            errors.append(_("Tuỳ chọn xáo trộn đáp án không hợp lệ."))
        return options

    # -- taking a quiz ---------------------------------------------------------------------------

    @classmethod
    def prepare(cls, data: dict, rng: random.Random, shuffle: bool = True) -> dict:
        """The option order: shuffled when both the quiz and the question allow it."""
        return {"order": shuffled_ids(data["options"], rng, shuffle and data.get("shuffle", True))}

    @classmethod
    def view(cls, data: dict, state: dict) -> dict:
        return {"options": [{"id": o["id"], "text": o["text"]} for o in ordered(data["options"], state.get("order"))]}

    @classmethod
    def parse_response(cls, data: dict, state: dict, form: MultiDict, prefix: str) -> Any:
        """The chosen option id from the radio group ``{prefix}choice``."""
        chosen = form.get(f"{prefix}choice")
        return chosen if chosen in {o["id"] for o in data["options"]} else None

    @classmethod
    def grade(cls, data: dict, response: Any) -> float | None:
        for option in data["options"]:
            if option["id"] == response:
                return clamp(option["fraction"])
        return 0.0

    @classmethod
    def _chosen(cls, response: Any) -> set[str]:
        return {response} if isinstance(response, str) else set()

    @classmethod
    def review(cls, data: dict, state: dict, response: Any) -> dict:
        """``{"options": [{"id", "text", "chosen", "fraction", "correct", "feedback"}] in the learner's order,
        "right": [ids of the options worth 100%], "fraction": score}``. ``correct`` is True for an option
        worth 100% (single choice) or worth a positive share (multiple response)."""
        chosen = cls._chosen(response)
        options = [
            {
                "id": o["id"],
                "text": o["text"],
                "chosen": o["id"] in chosen,
                "fraction": o["fraction"],
                "correct": cls._is_correct(o),
                "feedback": o.get("feedback", ""),
            }
            for o in ordered(data["options"], state.get("order"))
        ]
        return {
            "options": options,
            "right": [o["id"] for o in options if o["correct"]],
            "fraction": cls.grade(data, response),
        }

    @classmethod
    def _is_correct(cls, option: dict) -> bool:
        return option["fraction"] >= 1 - 1e-6
