"""Matching: each prompt is matched with one answer from a shared list (one select per prompt).

``data``::

    {"pairs": [{"id": "a", "prompt": "Mèo", "match": "Cá"}, {"id": "b", "prompt": "Chó", "match": "Xương"},
               {"id": "c", "prompt": "", "match": "Cỏ"}]}

A pair with an empty prompt only adds a wrong answer to the list (a distractor). Prompts are shown in
data order; the answer list holds every distinct ``match`` text once, shuffled (sorted alphabetically
when the quiz does not shuffle, so that its order never mirrors the prompts). ``state`` is
``{"choices": [pair ids, one per distinct match text, in display order]}``; the form's option values
are positions in that list, so they reveal nothing. The response maps prompt pair ids to the chosen
answer *text*: ``{"a": "Cá", "b": "Cỏ"}`` (two prompts may share an answer text, and any pair with
that text is then right). Score = share of prompts matched correctly (2 of 3 → 0.6666667).
"""
from __future__ import annotations

import random
from typing import Any

from werkzeug.datastructures import MultiDict

from lms.core.i18n import _, _l
from lms.core.text import fold, nfc
from lms.quizzes.types.base import QuestionType
from lms.quizzes.types.single_choice import check_items, clamp, label_of, option_id, ordered


class Matching(QuestionType):
    name = "matching"
    label = _l("Ghép đôi")
    template = "quizzes/types/matching.html"

    @classmethod
    def from_parsed(cls, question: dict) -> dict:
        return {"pairs": [{"id": option_id(i), "prompt": p["prompt"], "match": p["match"]}
                          for i, p in enumerate(question["pairs"])]}

    @classmethod
    def to_parsed(cls, data: dict) -> dict:
        return {"pairs": [{"prompt": p["prompt"], "match": p["match"]} for p in data["pairs"]]}

    @classmethod
    def validate(cls, data: dict) -> list[str]:
        if not isinstance(data, dict):
            return [_("Dữ liệu câu hỏi không hợp lệ.")]
        errors: list[str] = []
        pairs = check_items(data.get("pairs"), _("cặp ghép"), errors, text_keys=("prompt", "match"))
        for number, pair in enumerate(pairs, start=1):
            if not pair["match"].strip():
                errors.append(_("Cặp ghép thứ %(n)s thiếu vế phải (đáp án).", n=number))
        prompts = [nfc(p["prompt"]) for p in pairs if p["prompt"].strip()]
        if len(prompts) < 2:
            errors.append(_("Câu ghép đôi cần ít nhất 2 cặp có cả hai vế."))
        for prompt in sorted({p for p in prompts if prompts.count(p) > 1}):
            errors.append(_("Vế trái “%(text)s” bị lặp lại.", text=label_of(prompt)))
        return errors

    @classmethod
    def _prompts(cls, data: dict) -> list[dict]:
        return [p for p in data["pairs"] if p["prompt"].strip()]

    @classmethod
    def _distinct(cls, data: dict) -> list[dict]:
        """One pair per distinct answer text (the first), in data order."""
        seen: set[str] = set()
        out = []
        for pair in data["pairs"]:
            key = nfc(pair["match"])
            if key not in seen:
                seen.add(key)
                out.append(pair)
        return out

    @classmethod
    def _choices(cls, data: dict, state: dict) -> list[dict]:
        return ordered(cls._distinct(data), state.get("choices"))

    # -- taking a quiz ---------------------------------------------------------------------------

    @classmethod
    def prepare(cls, data: dict, rng: random.Random, shuffle: bool = True) -> dict:
        choices = cls._distinct(data)
        if shuffle:
            rng.shuffle(choices)
        else:
            choices.sort(key=lambda p: (fold(p["match"]), nfc(p["match"])))
        return {"choices": [p["id"] for p in choices]}

    @classmethod
    def view(cls, data: dict, state: dict) -> dict:
        """``{"prompts": [{"id", "text"}], "choices": [{"id": "1", "text"}, …]}``: choice ids are positions."""
        return {
            "prompts": [{"id": p["id"], "text": p["prompt"]} for p in cls._prompts(data)],
            "choices": [{"id": str(i), "text": p["match"]} for i, p in enumerate(cls._choices(data, state), start=1)],
        }

    @classmethod
    def parse_response(cls, data: dict, state: dict, form: MultiDict, prefix: str) -> Any:
        """The select ``{prefix}<pair id>`` of each prompt holds a choice position."""
        choices = cls._choices(data, state)
        response = {}
        for pair in cls._prompts(data):
            value = form.get(f"{prefix}{pair['id']}", "")
            if value.isdigit() and 1 <= int(value) <= len(choices):
                response[pair["id"]] = choices[int(value) - 1]["match"]
        return response or None

    @classmethod
    def grade(cls, data: dict, response: Any) -> float | None:
        """The share of prompts matched correctly."""
        prompts = cls._prompts(data)
        if not prompts or not isinstance(response, dict):
            return 0.0
        right = sum(1 for p in prompts if isinstance(response.get(p["id"]), str)
                    and nfc(response[p["id"]]) == nfc(p["match"]))
        return clamp(right / len(prompts))

    @classmethod
    def review(cls, data: dict, state: dict, response: Any) -> dict:
        """``{"prompts": [{"id", "prompt", "chosen": text | None, "match": the right text, "correct"}],
        "fraction"}``."""
        response = response if isinstance(response, dict) else {}
        rows = []
        for p in cls._prompts(data):
            chosen = response.get(p["id"]) if isinstance(response.get(p["id"]), str) else None
            rows.append({"id": p["id"], "prompt": p["prompt"], "chosen": chosen, "match": p["match"],
                         "correct": chosen is not None and nfc(chosen) == nfc(p["match"])})
        return {"prompts": rows, "fraction": cls.grade(data, response or None)}
