"""Multiple response: any number of options may be chosen (checkboxes), with partial credit.

``data`` is that of single choice::

    {"options": [{"id": "a", "text": "…", "fraction": 0.5, "feedback": "…"}, …], "shuffle": true}

The positive weights add up to 100%; wrong options usually carry negative weights so that ticking
everything does not pay. The score is the sum of the chosen weights, clamped to [0, 1] (as Moodle's
"multiple answers" question). The response is the list of chosen option ids, in data order.
"""
from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from lms.core.i18n import _, _l
from lms.quizzes.types.single_choice import SingleChoice, check_grades, clamp, percent


class MultipleResponse(SingleChoice):
    """Checkboxes; score = sum of the chosen options' weights, never below 0 nor above 1."""

    name = "multiple_response"
    label = _l("Nhiều lựa chọn")
    template = "quizzes/types/multiple_response.html"

    @classmethod
    def validate(cls, data: dict) -> list[str]:
        errors: list[str] = []
        options = cls._check_options(data, errors)
        graded = check_grades(options, errors, allow_negative=True)
        if options and len(graded) == len(options):
            positive = sum(o["fraction"] for o in options if o["fraction"] > 0)
            if abs(positive - 1) > 1e-5:
                errors.append(_("Tổng điểm các đáp án đúng (điểm dương) phải bằng 100%% (hiện là %(total)s).",
                                total=percent(positive)))
        return errors

    @classmethod
    def parse_response(cls, data: dict, state: dict, form: MultiDict, prefix: str) -> Any:
        """The ticked option ids from the checkboxes ``{prefix}choice`` (unknown ids ignored)."""
        ticked = set(form.getlist(f"{prefix}choice"))
        chosen = [o["id"] for o in data["options"] if o["id"] in ticked]
        return chosen or None

    @classmethod
    def grade(cls, data: dict, response: Any) -> float | None:
        chosen = cls._chosen(response)
        return clamp(sum(o["fraction"] for o in data["options"] if o["id"] in chosen))

    @classmethod
    def _chosen(cls, response: Any) -> set[str]:
        return {r for r in response if isinstance(r, str)} if isinstance(response, list) else set()

    @classmethod
    def _is_correct(cls, option: dict) -> bool:
        return option["fraction"] > 0
