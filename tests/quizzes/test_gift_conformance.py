"""GIFT conformance: every case of Moodle's own tests, fixtures, examples and docs.

The cases live in ``/work/shared/conformance/gift/moodle_cases.json`` (Moodle's field
names); each expectation is mapped onto the platform's question JSON and asserted. Where the
platform deliberately differs from Moodle the test says so, with a one-line reason:

* ``ADAPTED`` - cases from the JSON whose Moodle result the platform's schema represents differently;
* ``GIFT_DEVIATIONS`` - inputs Moodle silently turns into nonsense questions,
  where the platform reports an error instead (with Moodle's result, read from its parser code).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from lms.quizzes.formats import export_gift, parse_gift
from lms.quizzes.formats.gift import extract_idnumber_and_tags

CONFORMANCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "conformance"
if not (CONFORMANCE / "gift" / "moodle_cases.json").is_file():
    pytest.skip(f"Moodle conformance cases not found in {CONFORMANCE.resolve()}", allow_module_level=True)

GIFT = json.loads((CONFORMANCE / "gift" / "moodle_cases.json").read_text(encoding="utf-8"))

QTYPES = {"truefalse": "true_false", "shortanswer": "short_answer", "numerical": "numeric",
          "match": "matching", "essay": "essay", "description": "description"}

# Cases whose Moodle result the platform's schema represents differently (asserted after adapting).
ADAPTED = {
    "unit_import_pre_content": "the unit test feeds untrimmed lines; a file import trims each line, as Moodle's does",
    "unit_import_question_with_tags": "[id:]/[tag:] are not in the question JSON; extract_idnumber_and_tags() reads them",
    "unit_export_match": "the JSON has one text format per question, so per-item [format] prefixes are not written",
    "unit_export_multichoice": "the JSON has one text format per question, so per-answer [format] prefixes are not written",
    "unit_export_shortanswer_with_general_feedback": "general feedback takes the question's format, so no [html] prefix",
    "unit_export_truefalse": "feedback takes the question's format, so no [html] prefix",
    "unit_export_truefalse_with_tags_and_idnumber": "no ids, tags or idnumbers in the JSON, so no '//' comment lines",
}

# The exporter never writes Moodle's "// question: <id>  name: ..." line: the JSON has no ids.
EXPORT_NOTE = "Moodle's '// question: id' comment line is not written (the JSON has no question ids)"


def _cases(kinds: tuple[str, ...]) -> list[Any]:
    return [pytest.param(c, id=c["id"]) for c in GIFT["cases"] if c["kind"] in kinds]


def _trim_lines(text: str) -> str:
    return "\n".join(line.strip() for line in text.split("\n"))


def _expected_question(moodle: dict[str, Any], *, category: str | None, trim: bool) -> dict[str, Any]:
    """Moodle's parse result (partial, as the case gives it) in the platform's schema."""
    qtype = moodle["qtype"]
    out: dict[str, Any] = {}
    if qtype == "multichoice":
        out["type"] = "single_choice" if moodle.get("single", True) else "multiple_response"
    else:
        out["type"] = QTYPES[qtype]
    if "name" in moodle:
        out["name"] = moodle["name"]
    if "questiontext" in moodle:
        out["text"] = _trim_lines(moodle["questiontext"]) if trim else moodle["questiontext"]
    if "questiontext_format" in moodle:
        out["text_format"] = moodle["questiontext_format"]
    if "generalfeedback" in moodle:
        out["general_feedback"] = moodle["generalfeedback"]
    out["category"] = category
    if "answers" in moodle and qtype == "numerical":
        out["ranges"] = [{
            "value": None if a["answer"] == "*" else pytest.approx(float(a["answer"])),
            "tolerance": pytest.approx(0.0 if a["tolerance"] == "" else float(a["tolerance"])),
            "fraction": pytest.approx(a["fraction"]),
            "feedback": a["feedback"]["text"],
        } for a in moodle["answers"]]
    elif "answers" in moodle:
        out["options"] = [{"text": a["text"], "fraction": pytest.approx(a["fraction"]),
                           "feedback": a["feedback"]["text"]} for a in moodle["answers"]]
    if "pairs" in moodle:
        out["pairs"] = [{"prompt": p["question"]["text"], "match": p["answer"]} for p in moodle["pairs"]]
    if qtype == "truefalse":
        out["answer"] = moodle["correct_answer"]
        out["feedback_true"] = moodle["feedback_true"]["text"]
        out["feedback_false"] = moodle["feedback_false"]["text"]
    return out


def _assert_matches(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        assert actual[key] == value, key
    allowed = {"type", "name", "text", "text_format", "category", "general_feedback", "line"} | {
        "single_choice": {"options"}, "multiple_response": {"options"}, "short_answer": {"options"},
        "numeric": {"ranges"}, "matching": {"pairs"},
        "true_false": {"answer", "feedback_true", "feedback_false"},
    }.get(actual["type"], set())
    assert set(actual) == allowed


def _expected_file(moodle_questions: list[dict[str, Any]], *, trim: bool) -> list[dict[str, Any]]:
    category, out = None, []
    for moodle in moodle_questions:
        if moodle["qtype"] == "category":
            category = moodle["category"]  # a $CATEGORY item is not a question in the JSON
        else:
            out.append(_expected_question(moodle, category=category, trim=trim))
    return out


@pytest.mark.parametrize("case", _cases(("import_question", "import_block", "import_file")))
def test_gift_import(case: dict[str, Any]) -> None:
    result = parse_gift(case["input"]["gift"])
    expected = case["expected"]
    assert expected.get("error", False) is False and not expected.get("errors")
    assert result.errors == []
    if "question" in expected:
        moodle_questions = [expected["question"]]
    else:
        moodle_questions = expected["questions"]
    wanted = _expected_file(moodle_questions, trim=case["kind"] == "import_question")
    if "question_count_excluding_categories" in expected:
        assert len(result.questions) == expected["question_count_excluding_categories"]
    assert len(result.questions) == len(wanted)
    for actual, want in zip(result.questions, wanted):
        _assert_matches(actual, want)
    if case["id"] == "unit_import_question_with_tags":
        comments = "\n".join(line for line in case["input"]["gift"].split("\n") if line.startswith("//"))
        q = expected["question"]
        assert extract_idnumber_and_tags(comments) == (q["idnumber"], q["tags"])


@pytest.mark.parametrize("case", _cases(("extract_idnumber_and_tags",)))
def test_gift_idnumber_and_tags(case: dict[str, Any]) -> None:
    expected = case["expected"]
    assert extract_idnumber_and_tags(case["input"]["comment"]) == (expected["idnumber"], expected["tags"])


def _platform_question(moodle: dict[str, Any]) -> dict[str, Any]:
    """An export case's Moodle question data as platform JSON (one text format per question)."""
    qtype = moodle["qtype"]
    q: dict[str, Any] = {
        "type": ("single_choice" if moodle["single"] else "multiple_response") if qtype == "multichoice"
        else QTYPES[qtype],
        "name": moodle["name"], "text": moodle["questiontext"], "text_format": moodle["questiontext_format"],
        "category": None, "general_feedback": moodle["generalfeedback"],
    }
    if qtype == "numerical":
        q["ranges"] = [{"value": None if a["answer"] == "*" else float(a["answer"]),
                        "tolerance": float(a["tolerance"] or 0), "fraction": float(a["fraction"]),
                        "feedback": a["feedback"]["text"]} for a in moodle["answers"]]
    elif "answers" in moodle:
        q["options"] = [{"text": a["text"], "fraction": float(a["fraction"]), "feedback": a["feedback"]["text"]}
                        for a in moodle["answers"]]
    if qtype == "match":
        q["pairs"] = [{"prompt": p["question"]["text"], "match": p["answer"]} for p in moodle["pairs"]]
    if qtype == "truefalse":
        q["answer"] = moodle["correct_answer"]
        q["feedback_true"] = moodle["feedback_for_true_response"]["text"]
        q["feedback_false"] = moodle["feedback_for_false_response"]["text"]
    return q


def _expected_export(gift: str, case_id: str) -> str:
    # EXPORT_NOTE: drop Moodle's comment lines; ADAPTED: drop per-part [format] prefixes.
    text = "".join(line for line in gift.splitlines(keepends=True) if not line.startswith("//"))
    if case_id in ADAPTED:
        text = re.sub(r"(?<=[=~#])\[(?:html|moodle|plain|markdown)\]", "", text)
    return text


@pytest.mark.parametrize("case", _cases(("export_question",)))
def test_gift_export(case: dict[str, Any]) -> None:
    question = _platform_question(case["input"]["question"])
    written = export_gift([question])
    assert written == _expected_export(case["expected"]["gift"], case["id"])
    result = parse_gift(written)
    assert result.errors == []
    assert [{k: v for k, v in q.items() if k != "line"} for q in result.questions] == [question]


def test_every_gift_case_is_exercised() -> None:
    kinds = {"import_question", "import_block", "import_file", "extract_idnumber_and_tags", "export_question"}
    assert {c["kind"] for c in GIFT["cases"]} <= kinds
    assert len(GIFT["cases"]) == 81
    assert set(ADAPTED) <= {c["id"] for c in GIFT["cases"]}


# -- deliberate deviations: Moodle accepts these silently, the platform reports an error ----------

GIFT_DEVIATIONS = [
    # (id, GIFT input, error line, a phrase of the message, why we differ from Moodle)
    ("numeric_not_a_number", "Năm sinh? {#abc}", 1, "không phải là số",
     "Moodle's is_numeric check has an assignment bug: {#abc} becomes '*', so any answer is right"),
    ("numeric_comma_decimal", "Số pi? {#3,14:0.01}", 1, "không phải là số",
     "Moodle's bug again: a decimal comma silently makes every answer right"),
    ("multichoice_no_correct_answer", "Chọn? {~a ~b ~c}", 1, "không có đáp án đúng",
     "Moodle imports a multiple-response question nobody can score on"),
    ("multiresponse_weights_not_100", "Chọn? {~%50%a ~%25%b ~c}", 1, "phải bằng 100%",
     "Moodle imports it; its own question editor rejects positive grades that do not add up to 100%"),
    ("weight_not_a_moodle_grade", "Chọn? {=a ~%45%b}", 1, "không phải mức điểm Moodle",
     "Moodle's parser accepts it and the whole import then fails (or is rounded); we name the line"),
    ("weight_with_comma", "Chọn? {=a ~%33,3%b}", 1, "không hợp lệ",
     "Moodle does not recognise it as a weight and keeps '%33,3%b' as the answer text"),
    ("weight_after_equals", "Chọn? {=%50%a ~b}", 1, "không dùng trọng số sau '='",
     "Moodle gives 100% and keeps '%50%a' as the answer text"),
    ("text_before_first_answer", "Chọn? {Hãy chọn: ~a =b}", 1, "đứng trước đáp án đầu tiên",
     "Moodle turns the instruction 'Hãy chọn:' into a wrong option"),
    ("empty_answer", "Chọn? {=a ~}", 1, "đáp án rỗng",
     "Moodle imports an empty option"),
    ("shortanswer_no_full_credit", "Thủ đô? {=%50%Huế}", 1, "100% điểm",
     "Moodle imports a question whose best answer scores 50%; its editor refuses it"),
    ("shortanswer_wildcard_full_credit", "Thủ đô? {=*}", 1, "mọi câu trả lời đều đúng",
     "Moodle imports a question that accepts any answer"),
    ("numeric_negative_tolerance", "Số? {#5:-1}", 1, "không được âm",
     "Moodle imports a range no answer can fall into"),
    ("numeric_reversed_range", "Số? {#5..1}", 1, "nhỏ nhất lớn hơn",
     "Moodle stores a negative tolerance"),
    ("numeric_text_after_tilde", "Số? {#3 ~4}", 1, "'~' chỉ dùng để ghi phản hồi",
     "Moodle silently drops '4' and adds a catch-all wrong answer"),
    ("matching_one_real_pair", "Ghép? {=mèo -> cá = -> xương}", 1, "ít nhất 2 cặp",
     "Moodle counts the distractor, so it imports a matching question with one real pair"),
    ("matching_feedback", "Ghép? {=mèo -> cá#đúng =chó -> xương}", 1, "không có phản hồi riêng",
     "Moodle keeps '#đúng' as part of the answer text"),
    ("matching_empty_answer", "Ghép? {=mèo -> =chó -> xương =gà -> thóc}", 1, "thiếu câu trả lời",
     "Moodle imports a pair with an empty answer"),
    ("unknown_text_format", "[htm]Câu hỏi? {T}", 1, "định dạng văn bản '[htm]' không hợp lệ",
     "Moodle keeps the typo '[htm]' as visible question text in the default format"),
    ("missing_closing_brace_then_next_question", "Câu 1 {=a\nCâu 2 {=b}", 2, "chưa được đóng",
     "Moodle reads 'a\\nCâu 2 {' as an answer: two questions silently become one"),
    ("second_answer_block", "Câu {=a} và {=b}", 1, "thừa sau khối đáp án",
     "Moodle keeps '{=b}' as literal question text"),
    ("unclosed_name", "::Câu 1 Trời xanh? {T}", 1, "thiếu '::' đóng",
     "Moodle drops the '::' and makes 'Câu 1 Trời xanh?' the question text"),
    ("empty_question_text", "::Câu 1::{T}", 1, "không có nội dung",
     "Moodle imports a question with no text"),
]


@pytest.mark.parametrize(("source", "line", "phrase", "reason"),
                         [pytest.param(*d[1:], id=d[0]) for d in GIFT_DEVIATIONS])
def test_gift_deliberate_deviation(source: str, line: int, phrase: str, reason: str) -> None:
    result = parse_gift(source)
    assert result.questions == [], reason
    assert [e["line"] for e in result.errors] == [line]
    assert result.errors[0]["message"].startswith(f"Dòng {line}: ")
    assert phrase in result.errors[0]["message"]


def test_gift_category_line_does_not_swallow_the_next_question() -> None:
    """Deviation: Moodle makes the whole block the category name; we read the question too."""
    result = parse_gift("$CATEGORY: Luật Công đoàn\n::C1:: Đúng không? {T}")
    assert result.errors == []
    assert [(q["name"], q["category"]) for q in result.questions] == [("C1", "Luật Công đoàn")]
