"""Ordering: the learner puts items in the right order (a position select per item, no JavaScript needed).

``data``::

    {"items": [{"id": "a", "text": "Bầu chủ tịch"}, {"id": "b", "text": "…"}, …]}   (the correct order)

The items are always shown shuffled, whatever the quiz's shuffle setting (otherwise the question
answers itself), and never in the correct order when there are two or more. ``state`` is
``{"order": [item ids in display order]}``. The form sends either ``{prefix}order`` (a comma-separated
id list, for a drag-and-drop enhancement) or one select ``{prefix}pos-<id>`` per item (1 = first).
The response maps item ids to the positions the learner gave: ``{"b": 1, "a": 2}``. Score = share of
items at their correct position (absolute positions; giving one position to two items can be right
for one of them at most).

GIFT has no ordering question, so :meth:`from_parsed` and :meth:`to_parsed` raise ``ValueError``.
"""
from __future__ import annotations

import random
from typing import Any

from werkzeug.datastructures import MultiDict

from lms.core.i18n import _, _l
from lms.core.text import nfc
from lms.quizzes.types.base import QuestionType
from lms.quizzes.types.single_choice import check_items, check_option_texts, clamp, label_of, ordered


class Ordering(QuestionType):
    name = "ordering"
    label = _l("Sắp xếp thứ tự")
    template = "quizzes/types/ordering.html"

    @classmethod
    def from_parsed(cls, question: dict) -> dict:
        raise ValueError(_("Câu hỏi sắp xếp thứ tự không có dạng GIFT hay Aiken; hãy soạn nó trên trang quản trị."))

    @classmethod
    def to_parsed(cls, data: dict) -> dict:
        raise ValueError(_("Câu hỏi sắp xếp thứ tự không ghi được sang GIFT hay Aiken."))

    @classmethod
    def validate(cls, data: dict) -> list[str]:
        if not isinstance(data, dict):
            return [_("Dữ liệu câu hỏi không hợp lệ.")]
        errors: list[str] = []
        items = check_items(data.get("items"), _("mục"), errors)
        check_option_texts(items, _("mục"), errors)
        if isinstance(data.get("items"), list) and len(data["items"]) < 2:
            errors.append(_("Câu sắp xếp thứ tự cần ít nhất 2 mục."))
        texts = [nfc(i["text"]) for i in items if i["text"].strip()]
        for text in sorted({t for t in texts if texts.count(t) > 1}):
            errors.append(_("Mục “%(text)s” bị lặp lại: người học không phân biệt được.", text=label_of(text)))
        return errors

    # -- taking a quiz ---------------------------------------------------------------------------

    @classmethod
    def prepare(cls, data: dict, rng: random.Random, shuffle: bool = True) -> dict:
        """A shuffled order that differs from the correct one (``shuffle`` is ignored, see above)."""
        correct = [item["id"] for item in data["items"]]
        order = list(correct)
        for _attempt in range(10):
            rng.shuffle(order)
            if order != correct or len(order) < 2:
                break
        else:
            order = correct[1:] + correct[:1]
        return {"order": order}

    @classmethod
    def view(cls, data: dict, state: dict) -> dict:
        """``{"items": [{"id", "text"}] in display order, "positions": n}`` — in Jinja write ``view["items"]``
        (``view.items`` is the dict method)."""
        items = ordered(data["items"], state.get("order"))
        return {"items": [{"id": i["id"], "text": i["text"]} for i in items], "positions": len(items)}

    @classmethod
    def parse_response(cls, data: dict, state: dict, form: MultiDict, prefix: str) -> Any:
        ids = [item["id"] for item in data["items"]]
        response: dict[str, int] = {}
        order = form.get(f"{prefix}order", "").strip()
        if order:
            for item_id in (part.strip() for part in order.split(",")):
                if item_id in ids and item_id not in response:
                    response[item_id] = len(response) + 1
            return response or None
        for item_id in ids:
            value = form.get(f"{prefix}pos-{item_id}", "").strip()
            if value.isdigit() and 1 <= int(value) <= len(ids):
                response[item_id] = int(value)
        return response or None

    @classmethod
    def grade(cls, data: dict, response: Any) -> float | None:
        """The share of items at their correct position."""
        items = data["items"]
        if not items or not isinstance(response, dict):
            return 0.0
        right = sum(1 for position, item in enumerate(items, start=1) if response.get(item["id"]) == position)
        return clamp(right / len(items))

    @classmethod
    def review(cls, data: dict, state: dict, response: Any) -> dict:
        """``{"items": [{"id", "text", "chosen": position given | None, "position": correct position,
        "correct"}] in the learner's order (unplaced items last), "right": [{"id", "text"}] in the correct
        order, "fraction"}``."""
        response = response if isinstance(response, dict) else {}
        correct = {item["id"]: n for n, item in enumerate(data["items"], start=1)}
        shown = ordered(data["items"], state.get("order"))
        rank = {item["id"]: n for n, item in enumerate(shown)}

        def chosen(item_id: str) -> int | None:
            value = response.get(item_id)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        learner = sorted(shown, key=lambda i: (chosen(i["id"]) is None, chosen(i["id"]) or 0, rank[i["id"]]))
        return {
            "items": [{"id": i["id"], "text": i["text"], "chosen": chosen(i["id"]), "position": correct[i["id"]],
                       "correct": chosen(i["id"]) == correct[i["id"]]} for i in learner],
            "right": [{"id": i["id"], "text": i["text"]} for i in data["items"]],
            "fraction": cls.grade(data, response or None),
        }
