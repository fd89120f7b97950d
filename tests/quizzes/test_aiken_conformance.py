"""Aiken conformance: every case of Moodle's Aiken importer and exporter tests.

The cases live in ``/work/shared/conformance/aiken/moodle_cases.json``. ``AIKEN_ADAPTED`` says
where the platform's JSON represents Moodle's result differently; ``AIKEN_DEVIATIONS`` lists
inputs Moodle silently turns into nonsense and the platform reports as errors, each with a reason.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from lms.quizzes.formats import export_aiken, parse_aiken

CONFORMANCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "conformance"
if not (CONFORMANCE / "aiken" / "moodle_cases.json").is_file():
    pytest.skip(f"Moodle conformance cases not found in {CONFORMANCE.resolve()}", allow_module_level=True)

AIKEN = json.loads((CONFORMANCE / "aiken" / "moodle_cases.json").read_text(encoding="utf-8"))


AIKEN_ADAPTED = {
    "html_escaping": "text is stored as plain text (text_format 'plain'), not HTML-escaped with format html",
    "hidden": "hidden questions are filtered by the caller: export_aiken writes what it is given",
}


def _aiken_cases(kind: str) -> list[Any]:
    return [pytest.param(c, id=c["id"]) for c in AIKEN["cases"] if c["kind"] == kind]


@pytest.mark.parametrize("case", _aiken_cases("import_file"))
def test_aiken_import(case: dict[str, Any]) -> None:
    result = parse_aiken(case["input"]["aiken"])
    expected = case["expected"]
    full = expected["full_parse_executed"]
    assert len(result.questions) == expected["question_count"] == len(full["questions"])
    for actual, moodle in zip(result.questions, full["questions"]):
        assert actual["type"] == "single_choice" and moodle["single"] is True
        # AIKEN_ADAPTED["html_escaping"]
        assert actual["text"] == html.unescape(moodle["questiontext"])
        assert actual["text_format"] == "plain"
        assert actual["name"] is None and actual["category"] is None and actual["general_feedback"] == ""
        assert [(o["text"], o["fraction"], o["feedback"]) for o in actual["options"]] == [
            (html.unescape(a["text"]), a["fraction"], "") for a in moodle["answers"]]
    # Moodle's error lines: "... on line N" for every error it reports.
    moodle_lines = [int(m) for e in full["errors"] for m in re.findall(r"on line (\d+)", e)]
    assert [e["line"] for e in result.errors] == moodle_lines
    assert all(e["message"].startswith(f"Dòng {e['line']}: ") for e in result.errors)


def _aiken_question(moodle: dict[str, Any]) -> dict[str, Any]:
    qtype = moodle["qtype"]
    if qtype == "multichoice" and "answers" in moodle:
        return {"type": "single_choice" if moodle["single"] else "multiple_response", "name": None,
                "text": moodle["questiontext"], "text_format": moodle.get("questiontext_format", "moodle"),
                "category": None, "general_feedback": "",
                "options": [{"text": a["text"], "fraction": float(a["fraction"]), "feedback": ""}
                            for a in moodle["answers"]]}
    if qtype == "multichoice":  # Moodle's generator template "two_of_four"
        return {"type": "multiple_response", "name": None, "text": "Which are odd?", "text_format": "moodle",
                "category": None, "general_feedback": "",
                "options": [{"text": t, "fraction": f, "feedback": ""}
                            for t, f in (("One", 0.5), ("Two", 0.0), ("Three", 0.5), ("Four", 0.0))]}
    other = {"shortanswer": {"type": "short_answer", "options": [{"text": "x", "fraction": 1.0, "feedback": ""}]},
             "essay": {"type": "essay"},
             "numerical": {"type": "numeric",
                           "ranges": [{"value": 1.0, "tolerance": 0.0, "fraction": 1.0, "feedback": ""}]}}[qtype]
    return {"name": None, "text": "Other", "text_format": "moodle", "category": None, "general_feedback": "",
            **other}


@pytest.mark.parametrize("case", _aiken_cases("export_category"))
def test_aiken_export(case: dict[str, Any]) -> None:
    # AIKEN_ADAPTED["hidden"]
    questions = [_aiken_question(q) for q in case["input"]["questions"] if q.get("status") != "hidden"]
    assert export_aiken(questions) == case["expected"]["aiken"]


def test_every_aiken_case_is_exercised() -> None:
    assert {c["kind"] for c in AIKEN["cases"]} == {"import_file", "export_category"}


AIKEN_DEVIATIONS = [
    ("answer_letter_without_choice", "Câu hỏi?\nA) Một\nB) Hai\nANSWER: C\n", 4, "không khớp lựa chọn nào",
     "Moodle marks a non-existent choice right, so the question has no right answer"),
    ("answer_lower_case", "Câu hỏi?\nA) Một\nB) Hai\nANSWER: b\n", 4, "không khớp lựa chọn nào",
     "Moodle maps 'b' to choice number 33"),
    ("labels_out_of_order", "Câu hỏi?\nA) Một\nC) Hai\nANSWER: A\n", 3, "không đúng thứ tự",
     "Moodle ignores labels and counts positions, so a skipped letter silently shifts every later choice"),
    ("empty_choice", "Câu hỏi?\nA)\nB) Hai\nANSWER: B\n", 2, "không có nội dung",
     "Moodle imports an empty choice"),
    ("unfinished_at_end_of_file", "Câu hỏi?\nA) Một\nB) Hai\n", 3, "thiếu dòng 'ANSWER",
     "Moodle drops the last question without a word"),
]


@pytest.mark.parametrize(("source", "line", "phrase", "reason"),
                         [pytest.param(*d[1:], id=d[0]) for d in AIKEN_DEVIATIONS])
def test_aiken_deliberate_deviation(source: str, line: int, phrase: str, reason: str) -> None:
    result = parse_aiken(source)
    assert result.questions == [], reason
    assert [e["line"] for e in result.errors] == [line]
    assert phrase in result.errors[0]["message"]
