"""The built-in question types: import from GIFT, validation, grading, the learner's view (which must
never leak the answer key), the per-attempt state, and the input widgets."""
from __future__ import annotations

import json
import random
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from werkzeug.datastructures import MultiDict

from lms.quizzes.formats import export_gift, parse
from lms.quizzes.types.description import Description
from lms.quizzes.types.essay import Essay
from lms.quizzes.types.matching import Matching
from lms.quizzes.types.multiple_response import MultipleResponse
from lms.quizzes.types.numeric import Numeric, parse_number
from lms.quizzes.types.ordering import Ordering
from lms.quizzes.types.short_answer import ShortAnswer
from lms.quizzes.types.single_choice import SingleChoice, new_option_id, option_id
from lms.quizzes.types.true_false import TrueFalse

TEMPLATES = Path(__file__).resolve().parents[2] / "lms" / "quizzes" / "templates"
TYPES = {t.name: t for t in (SingleChoice, MultipleResponse, TrueFalse, ShortAnswer, Numeric, Matching, Ordering,
                             Essay, Description)}
PREFIX = "q3-"

# Every feedback text contains "PHẢN HỒI" so a leak is easy to find.
GIFT = """\
::single::Ai là người sáng lập Công đoàn đỏ năm 1929?{
=Nguyễn Đức Cảnh#PHẢN HỒI đúng rồi
~Hồ Chí Minh#PHẢN HỒI chưa đúng
~Tôn Đức Thắng
~%-50%Không biết#PHẢN HỒI bị trừ điểm
}

::multiple::Những quyền nào của công đoàn cơ sở?{
~%50%Đại diện người lao động#PHẢN HỒI một nửa
~%50%Thương lượng tập thể
~%-100%Tuyển dụng lao động#PHẢN HỒI sai hẳn
~%-50%Xử phạt người lao động
}

::truefalse::Đoàn phí công đoàn là 1% tiền lương.{TRUE#PHẢN HỒI nếu chọn sai#PHẢN HỒI nếu chọn đúng}

::short::Người sáng lập Công đoàn đỏ?{
=Nguyễn Đức Cảnh#PHẢN HỒI chính xác
=%50%Đức Cảnh#PHẢN HỒI thiếu họ
=%0%*#PHẢN HỒI mọi câu khác
}

::numeric::Công đoàn đỏ thành lập năm nào?{#
=1929:0#PHẢN HỒI đúng năm
=%50%1929:2#PHẢN HỒI gần đúng
~#PHẢN HỒI sai năm
}

::range::Số từ 1 đến 5?{#1..5}

::decimal::Tỉ lệ đoàn phí (%)?{#3.5:0.05}

::matching::Ghép cơ quan với vai trò.{
=Đại hội -> Cơ quan lãnh đạo cao nhất
=Ban chấp hành -> Lãnh đạo giữa hai kỳ đại hội
=Ủy ban kiểm tra -> Kiểm tra, giám sát
= -> Tuyển dụng lao động
}

::essay::Trình bày vai trò của công đoàn cơ sở.{}

::description::Đọc tình huống sau rồi trả lời các câu hỏi.
"""

FEEDBACK = "PHẢN HỒI"


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict]:
    result = parse(GIFT, "gift")
    assert result.ok, result.errors
    return {q["name"]: q for q in result.questions}


def data_of(parsed: dict, name: str) -> dict:
    question = parsed[name]
    return TYPES[question["type"]].from_parsed(question)


ORDERING = {"items": [{"id": "a", "text": "Thành lập ban vận động"}, {"id": "b", "text": "Kết nạp đoàn viên"},
                      {"id": "c", "text": "Tổ chức đại hội"}, {"id": "d", "text": "Công nhận công đoàn cơ sở"}]}
ESSAY = {"min_words": 50, "grader_info": "PHẢN HỒI cho người chấm: nêu đủ 3 ý"}


def samples(parsed: dict) -> dict[str, dict]:
    """(type name → data) with one sample of every built-in type."""
    out = {name: data_of(parsed, name) for name in
           ("single", "multiple", "truefalse", "short", "numeric", "matching", "essay", "description")}
    out = {TYPES[parsed[n]["type"]].name: d for n, d in out.items()}
    out["ordering"] = ORDERING
    out["essay"] = ESSAY
    return out


def form(**fields) -> MultiDict:
    items = []
    for key, value in fields.items():
        for v in value if isinstance(value, list) else [value]:
            items.append((PREFIX + key.replace("_", "-"), v))
    return MultiDict(items)


# -- ids, import and export ---------------------------------------------------------------------------


def test_option_ids_are_letters_then_pairs_of_letters():
    assert [option_id(i) for i in (0, 1, 25, 26, 27, 701, 702)] == ["a", "b", "z", "aa", "ab", "zz", "aaa"]
    assert new_option_id(["a", "b", "d"]) == "c"


def test_from_parsed_builds_data_with_stable_ids(parsed):
    single = data_of(parsed, "single")
    assert single == {"shuffle": True, "options": [
        {"id": "a", "text": "Nguyễn Đức Cảnh", "fraction": 1.0, "feedback": "PHẢN HỒI đúng rồi"},
        {"id": "b", "text": "Hồ Chí Minh", "fraction": 0.0, "feedback": "PHẢN HỒI chưa đúng"},
        {"id": "c", "text": "Tôn Đức Thắng", "fraction": 0.0, "feedback": ""},
        {"id": "d", "text": "Không biết", "fraction": -0.5, "feedback": "PHẢN HỒI bị trừ điểm"},
    ]}
    assert data_of(parsed, "truefalse") == {"answer": True, "feedback_true": "PHẢN HỒI nếu chọn đúng",
                                            "feedback_false": "PHẢN HỒI nếu chọn sai"}
    short = data_of(parsed, "short")
    assert [a["id"] for a in short["answers"]] == ["a", "b", "c"]
    assert (short["case_sensitive"], short["ignore_spaces"], short["ignore_diacritics"]) == (False, True, False)
    assert data_of(parsed, "numeric")["ranges"][2] == {"id": "c", "value": None, "tolerance": 0.0, "fraction": 0.0,
                                                       "feedback": "PHẢN HỒI sai năm"}
    assert data_of(parsed, "range")["ranges"] == [{"id": "a", "value": 3.0, "tolerance": 2.0, "fraction": 1.0,
                                                   "feedback": ""}]
    assert data_of(parsed, "matching")["pairs"][3] == {"id": "d", "prompt": "", "match": "Tuyển dụng lao động"}
    assert data_of(parsed, "essay") == {"min_words": 0, "grader_info": ""}
    assert data_of(parsed, "description") == {}


def test_aiken_questions_become_single_choice():
    result = parse("Ai là Chủ tịch?\nA) Một\nB) Hai\nANSWER: B\n", "aiken")
    data = SingleChoice.from_parsed(result.questions[0])
    assert [(o["id"], o["fraction"]) for o in data["options"]] == [("a", 0.0), ("b", 1.0)]
    assert SingleChoice.validate(data) == []


def test_gift_round_trip_gives_back_the_same_data(parsed):
    for question in parsed.values():
        qtype = TYPES[question["type"]]
        data = qtype.from_parsed(question)
        common = {k: question[k] for k in ("name", "text", "text_format", "category", "general_feedback")}
        text = export_gift([{"type": qtype.name, **common, **qtype.to_parsed(data)}])
        again = parse(text, "gift")
        assert again.ok, (text, again.errors)
        assert again.questions[0]["type"] == qtype.name
        assert qtype.from_parsed(again.questions[0]) == data, text


def test_short_answer_wildcards_survive_the_round_trip():
    data = {"answers": [{"id": "a", "text": "5\\*3", "fraction": 1.0, "feedback": ""},
                        {"id": "b", "text": "*", "fraction": 0.0, "feedback": "khác"}],
            "case_sensitive": False, "ignore_spaces": True, "ignore_diacritics": False}
    text = export_gift([{"type": "short_answer", "name": None, "text": "Viết 5 nhân 3", "text_format": "moodle",
                         "category": None, "general_feedback": "", **ShortAnswer.to_parsed(data)}])
    assert ShortAnswer.from_parsed(parse(text, "gift").questions[0]) == data


def test_ordering_has_no_gift_form():
    with pytest.raises(ValueError, match="sắp xếp thứ tự"):
        Ordering.to_parsed(ORDERING)
    with pytest.raises(ValueError, match="sắp xếp thứ tự"):
        Ordering.from_parsed({"type": "ordering", "text": "x"})


# -- validation ------------------------------------------------------------------------------------------


def test_every_sample_is_valid(parsed):
    for name, data in samples(parsed).items():
        assert TYPES[name].validate(data) == [], name
    for name in ("range", "decimal"):
        assert Numeric.validate(data_of(parsed, name)) == []


def _options(*fractions):
    return [{"id": option_id(i), "text": f"Đáp án {i}", "fraction": f, "feedback": ""} for i, f in enumerate(fractions)]


@pytest.mark.parametrize(("qtype", "data", "message"), [
    (SingleChoice, {"options": _options(1.0, 1.0, 0.0)}, "Câu một lựa chọn cần đúng một đáp án được 100% (hiện có 2)."),
    (SingleChoice, {"options": _options(0.5, 0.0)}, "Câu một lựa chọn cần đúng một đáp án được 100% (hiện có 0)."),
    (SingleChoice, {"options": _options(1.0)}, "Cần ít nhất 2 đáp án."),
    (SingleChoice, {"options": _options(1.0, 0.45)}, "Điểm của đáp án “Đáp án 1” không hợp lệ"),
    (SingleChoice, {"options": [*_options(1.0), {"id": "a", "text": "x", "fraction": 0.0}]}, "Mã a bị trùng."),
    (SingleChoice, {"options": [*_options(1.0), {"id": "b", "text": " ", "fraction": 0.0}]}, "Đáp án thứ 2 để trống."),
    (SingleChoice, {}, "Thiếu danh sách đáp án."),
    (SingleChoice, None, "Dữ liệu câu hỏi không hợp lệ."),
    (MultipleResponse, {"options": _options(0.5, 0.25, -1.0)},
     "Tổng điểm các đáp án đúng (điểm dương) phải bằng 100% (hiện là 75%)."),
    (MultipleResponse, {"options": _options(1.0, 0.5)}, "phải bằng 100% (hiện là 150%)"),
    (TrueFalse, {"feedback_true": ""}, "Chọn đáp án đúng: Đúng hoặc Sai."),
    (ShortAnswer, {"answers": _options(0.5)}, "Cần ít nhất một đáp án được 100%."),
    (ShortAnswer, {"answers": []}, "Cần ít nhất một đáp án được chấp nhận."),
    (ShortAnswer, {"answers": _options(-0.5, 1.0)}, "Điểm của đáp án “Đáp án 0” không hợp lệ"),
    (ShortAnswer, {"answers": [*_options(1.0), {"id": "z", "text": "*", "fraction": 0.5, "feedback": ""}]},
     "Đáp án “*” chấp nhận mọi câu trả lời nên chỉ được 0%"),
    (ShortAnswer, {"answers": _options(1.0), "case_sensitive": "có"}, "Tuỳ chọn so sánh không hợp lệ."),
    (Numeric, {"ranges": [{"id": "a", "value": 5.0, "tolerance": -1.0, "fraction": 1.0, "feedback": ""}]},
     "Đáp án số thứ 1: sai số cho phép phải là một số ≥ 0."),
    (Numeric, {"ranges": [{"id": "a", "value": "năm", "tolerance": 0.0, "fraction": 1.0, "feedback": ""}]},
     "Đáp án số thứ 1: giá trị phải là một số."),
    (Numeric, {"ranges": [{"id": "a", "value": 5.0, "tolerance": 0.0, "fraction": 0.5, "feedback": ""}]},
     "Cần ít nhất một đáp án số được 100%."),
    (Numeric, {"ranges": [{"id": "a", "value": 5.0, "tolerance": 0.0, "fraction": 1.0, "feedback": ""},
                          {"id": "b", "value": None, "tolerance": 0.0, "fraction": 0.5, "feedback": ""}]},
     "Mục “mọi câu trả lời khác” chỉ được 0%"),
    (Numeric, {"ranges": []}, "Cần ít nhất một đáp án số."),
    (Matching, {"pairs": [{"id": "a", "prompt": "Mèo", "match": "Cá"}, {"id": "b", "prompt": "", "match": "Cỏ"}]},
     "Câu ghép đôi cần ít nhất 2 cặp có cả hai vế."),
    (Matching, {"pairs": [{"id": "a", "prompt": "Mèo", "match": "Cá"}, {"id": "b", "prompt": "Mèo", "match": "Cỏ"}]},
     "Vế trái “Mèo” bị lặp lại."),
    (Matching, {"pairs": [{"id": "a", "prompt": "Mèo", "match": "Cá"}, {"id": "b", "prompt": "Chó", "match": ""}]},
     "Cặp ghép thứ 2 thiếu vế phải (đáp án)."),
    (Ordering, {"items": ORDERING["items"][:1]}, "Câu sắp xếp thứ tự cần ít nhất 2 mục."),
    (Ordering, {"items": [{"id": "a", "text": "X"}, {"id": "b", "text": "X"}]}, "Mục “X” bị lặp lại"),
    (Essay, {"min_words": -1, "grader_info": ""}, "Số từ tối thiểu phải là một số nguyên ≥ 0."),
])
def test_validate_explains_what_is_wrong_in_vietnamese(qtype, data, message):
    errors = qtype.validate(data)
    assert any(e.startswith(message) or message in e for e in errors), errors


# -- grading ---------------------------------------------------------------------------------------------


def test_single_choice_grading(parsed):
    data = data_of(parsed, "single")
    assert SingleChoice.grade(data, "a") == 1.0
    assert SingleChoice.grade(data, "b") == 0.0
    assert SingleChoice.grade(data, "d") == 0.0  # a negative option never makes the score negative
    assert SingleChoice.grade(data, None) == 0.0
    assert SingleChoice.grade(data, "zz") == 0.0


def test_multiple_response_partial_credit_and_negative_weights(parsed):
    data = data_of(parsed, "multiple")
    grade = lambda chosen: MultipleResponse.grade(data, chosen)  # noqa: E731
    assert grade(["a", "b"]) == 1.0
    assert grade(["a"]) == 0.5
    assert grade(["a", "b", "d"]) == 0.5
    assert grade(["a", "c"]) == 0.0  # 50% − 100% is clamped to 0
    assert grade(["c", "d"]) == 0.0
    assert grade(["a", "b", "c", "d"]) == 0.0  # ticking everything does not pay
    assert grade(None) == 0.0
    thirds = {"options": _options(0.3333333, 0.3333333, 0.3333333, -1.0)}
    assert MultipleResponse.validate(thirds) == []
    assert MultipleResponse.grade(thirds, ["a", "b", "c"]) == 1.0


def test_true_false_grading(parsed):
    data = data_of(parsed, "truefalse")
    assert (TrueFalse.grade(data, True), TrueFalse.grade(data, False), TrueFalse.grade(data, None)) == (1.0, 0.0, 0.0)
    review = TrueFalse.review(data, {}, False)
    assert review["feedback"] == "PHẢN HỒI nếu chọn sai" and review["answer"] is True
    assert [(o["id"], o["chosen"], o["correct"]) for o in review["options"]] == [("true", False, True),
                                                                                 ("false", True, False)]


def _short(**options):
    return {"answers": [{"id": "a", "text": "Nguyễn Đức Cảnh", "fraction": 1.0, "feedback": "đúng"}],
            "case_sensitive": False, "ignore_spaces": True, "ignore_diacritics": False, **options}


@pytest.mark.parametrize(("options", "response", "fraction"), [
    ({}, "Nguyễn Đức Cảnh", 1.0),
    ({}, "  nguyễn   đức CẢNH ", 1.0),
    ({}, "NguyễnĐứcCảnh", 1.0),  # spaces ignored
    ({}, "Nguyen Duc Canh", 0.0),  # diacritics matter by default
    ({}, "Nguye\u0302\u0303n \u0110u\u031b\u0301c Ca\u0309nh", 1.0),  # decomposed (NFD) typing
    ({}, "Nguyễn Ðức Cảnh", 1.0),  # Icelandic eth typed for Đ
    ({"ignore_diacritics": True}, "Nguyen Duc Canh", 1.0),
    ({"ignore_diacritics": True}, "nguyen duc canh", 1.0),
    ({"ignore_diacritics": True}, "Nguyễn Đức Cảnh", 1.0),
    ({"case_sensitive": True}, "nguyễn đức cảnh", 0.0),
    ({"case_sensitive": True}, "Nguyễn Đức Cảnh", 1.0),
    ({"case_sensitive": True, "ignore_diacritics": True}, "Nguyen Duc Canh", 1.0),
    ({"case_sensitive": True, "ignore_diacritics": True}, "nguyen duc canh", 0.0),
    ({"ignore_spaces": False}, "NguyễnĐứcCảnh", 0.0),
    ({"ignore_spaces": False}, " Nguyễn  Đức   Cảnh ", 1.0),  # runs of spaces still collapse
    ({}, "", 0.0),
    ({}, None, 0.0),
])
def test_short_answer_comparison_options(options, response, fraction):
    assert ShortAnswer.grade(_short(**options), response) == fraction


def test_short_answer_partial_credit_wildcards_and_feedback(parsed):
    data = data_of(parsed, "short")
    assert ShortAnswer.grade(data, "nguyễn đức cảnh") == 1.0
    assert ShortAnswer.grade(data, "Đức Cảnh") == 0.5
    assert ShortAnswer.grade(data, "Hồ Chí Minh") == 0.0
    review = ShortAnswer.review(data, {}, "Hồ Chí Minh")
    assert review["matched"] == "c" and review["feedback"] == "PHẢN HỒI mọi câu khác"
    assert review["right"] == ["Nguyễn Đức Cảnh"]
    wild = {"answers": [{"id": "a", "text": "*Cảnh", "fraction": 0.5, "feedback": ""},
                        {"id": "b", "text": "Nguyễn * Cảnh", "fraction": 1.0, "feedback": ""},
                        {"id": "c", "text": "5\\*3", "fraction": 1.0, "feedback": ""}],
            "case_sensitive": False, "ignore_spaces": False, "ignore_diacritics": False}
    assert ShortAnswer.grade(wild, "Nguyễn Đức Cảnh") == 1.0  # the best matching answer counts
    assert ShortAnswer.grade(wild, "Đức Cảnh") == 0.5
    assert ShortAnswer.grade(wild, "Cảnh sát") == 0.0
    assert ShortAnswer.grade(wild, "5*3") == 1.0  # \* is a literal asterisk
    assert ShortAnswer.grade(wild, "513") == 0.0
    assert ShortAnswer.grade(wild, "Nguyễn (.*) Cảnh") == 1.0  # regex characters are literal
    assert ShortAnswer.review(wild, {}, "x")["right"] == ["Nguyễn * Cảnh", "5*3"]


@pytest.mark.parametrize(("text", "value"), [
    ("3,5", 3.5), ("3.5", 3.5), ("-2", -2.0), ("\u22122,25", -2.25), ("+7", 7.0), (",5", 0.5), (" 1929 ", 1929.0),
    ("1.234,5", None), ("1,234.5", None), ("1 929", None), ("abc", None), ("3,", None), ("", None), ("1e3", None),
])
def test_numbers_accept_a_decimal_comma_or_point_but_no_thousands_separators(text, value):
    assert parse_number(text) == value


def test_numeric_tolerance_ranges_and_any_answer(parsed):
    data = data_of(parsed, "numeric")

    def grade(text):
        return Numeric.grade(data, Numeric.parse_response(data, {}, form(number=text), PREFIX))

    assert grade("1929") == 1.0
    assert grade("1930") == 0.5 and grade("1927") == 0.5 and grade("1931,0") == 0.5
    assert grade("1925") == 0.0
    assert Numeric.review(data, {}, {"text": "1925", "value": 1925.0})["feedback"] == "PHẢN HỒI sai năm"
    assert Numeric.review(data, {}, {"text": "1929", "value": 1929.0})["matched"] == "a"
    assert grade("một nghìn") == 0.0
    assert Numeric.parse_response(data, {}, form(number="  "), PREFIX) is None
    assert Numeric.parse_response(data, {}, form(number="x"), PREFIX) == {"text": "x", "value": None}

    span = data_of(parsed, "range")
    assert [Numeric.grade(span, {"text": t, "value": v}) for t, v in
            [("1", 1.0), ("5", 5.0), ("2,7", 2.7), ("0,99", 0.99), ("5,01", 5.01)]] == [1.0, 1.0, 1.0, 0.0, 0.0]

    decimal = data_of(parsed, "decimal")
    for text, expected in [("3,5", 1.0), ("3.5", 1.0), ("3,54", 1.0), ("3,46", 1.0), ("3,6", 0.0), ("35", 0.0)]:
        assert Numeric.grade(decimal, Numeric.parse_response(decimal, {}, form(number=text), PREFIX)) == expected, text
    binary = {"ranges": [{"id": "a", "value": 0.3, "tolerance": 0.0, "fraction": 1.0, "feedback": ""}]}
    assert Numeric.grade(binary, {"text": "0,3", "value": 0.1 + 0.2}) == 1.0


def test_matching_scores_the_share_of_right_pairs(parsed):
    data = data_of(parsed, "matching")
    right = {p["id"]: p["match"] for p in data["pairs"] if p["prompt"]}
    assert Matching.grade(data, right) == 1.0
    assert Matching.grade(data, {**right, "c": "Tuyển dụng lao động"}) == pytest.approx(2 / 3)
    assert Matching.grade(data, {"a": "Cơ quan lãnh đạo cao nhất"}) == pytest.approx(1 / 3)
    assert Matching.grade(data, None) == 0.0
    shared = {"pairs": [{"id": "a", "prompt": "Hà Nội", "match": "Miền Bắc"},
                        {"id": "b", "prompt": "Hải Phòng", "match": "Miền Bắc"},
                        {"id": "c", "prompt": "Cần Thơ", "match": "Miền Nam"}]}
    state = Matching.prepare(shared, random.Random(1))
    view = Matching.view(shared, state)
    assert sorted(c["text"] for c in view["choices"]) == ["Miền Bắc", "Miền Nam"]  # no duplicates
    position = {c["text"]: c["id"] for c in view["choices"]}
    response = Matching.parse_response(shared, state, form(a=position["Miền Bắc"], b=position["Miền Bắc"],
                                                           c=position["Miền Bắc"], zz="1"), PREFIX)
    assert response == {"a": "Miền Bắc", "b": "Miền Bắc", "c": "Miền Bắc"}
    assert Matching.grade(shared, response) == pytest.approx(2 / 3)
    review = Matching.review(shared, state, response)
    assert [(r["prompt"], r["chosen"], r["match"], r["correct"]) for r in review["prompts"]] == [
        ("Hà Nội", "Miền Bắc", "Miền Bắc", True), ("Hải Phòng", "Miền Bắc", "Miền Bắc", True),
        ("Cần Thơ", "Miền Bắc", "Miền Nam", False)]
    assert Matching.parse_response(shared, state, form(a="", b="9", c="x"), PREFIX) is None


def test_ordering_scores_the_share_of_right_positions():
    assert Ordering.grade(ORDERING, {"a": 1, "b": 2, "c": 3, "d": 4}) == 1.0
    assert Ordering.grade(ORDERING, {"a": 1, "b": 3, "c": 2, "d": 4}) == 0.5
    assert Ordering.grade(ORDERING, {"a": 1, "b": 1, "c": 1, "d": 1}) == 0.25  # one position cannot fit all
    assert Ordering.grade(ORDERING, {"d": 1, "c": 2, "b": 3, "a": 4}) == 0.0
    assert Ordering.grade(ORDERING, None) == 0.0
    state = Ordering.prepare(ORDERING, random.Random(3))
    by_list = Ordering.parse_response(ORDERING, state, form(order="b, a,zz,a, c"), PREFIX)
    assert by_list == {"b": 1, "a": 2, "c": 3}
    assert Ordering.grade(ORDERING, by_list) == 0.25
    by_selects = Ordering.parse_response(ORDERING, state, form(pos_a="1", pos_b="2", pos_c="4", pos_d="9",
                                                               pos_zz="3"), PREFIX)
    assert by_selects == {"a": 1, "b": 2, "c": 4}
    assert Ordering.grade(ORDERING, by_selects) == 0.5
    assert Ordering.parse_response(ORDERING, state, form(pos_a="", order=""), PREFIX) is None
    review = Ordering.review(ORDERING, state, by_selects)
    assert [(i["id"], i["chosen"], i["position"], i["correct"]) for i in review["items"]] == [
        ("a", 1, 1, True), ("b", 2, 2, True), ("c", 4, 3, False), ("d", None, 4, False)]
    assert [i["id"] for i in review["right"]] == ["a", "b", "c", "d"]


def test_essay_is_graded_by_a_trainer_and_description_takes_no_answer():
    assert Essay.manual and Essay.answerable
    text = "Công đoàn cơ sở\r\nđại diện người lao động.  "
    response = Essay.parse_response(ESSAY, {}, form(text=text), PREFIX)
    assert response == "Công đoàn cơ sở\nđại diện người lao động."
    assert Essay.grade(ESSAY, response) is None
    assert Essay.review(ESSAY, {}, response) == {"text": response, "words": 9, "min_words": 50}
    assert Essay.parse_response(ESSAY, {}, form(text="   "), PREFIX) is None
    assert not Description.answerable
    assert Description.grade({}, None) is None and Description.view({}, {}) == {}
    assert Description.parse_response({}, {}, form(text="x"), PREFIX) is None


def test_parse_response_reads_only_the_prefixed_fields_and_ignores_unknown_ids(parsed):
    single, multiple = data_of(parsed, "single"), data_of(parsed, "multiple")
    assert SingleChoice.parse_response(single, {}, form(choice="b"), PREFIX) == "b"
    assert SingleChoice.parse_response(single, {}, form(choice="zz"), PREFIX) is None
    assert SingleChoice.parse_response(single, {}, MultiDict({"q4-choice": "a"}), PREFIX) is None
    assert MultipleResponse.parse_response(multiple, {}, form(choice=["c", "a", "zz", "a"]), PREFIX) == ["a", "c"]
    assert MultipleResponse.parse_response(multiple, {}, form(choice=["zz"]), PREFIX) is None
    assert TrueFalse.parse_response({}, {}, form(choice="false"), PREFIX) is False
    assert TrueFalse.parse_response({}, {}, form(choice="maybe"), PREFIX) is None
    assert ShortAnswer.parse_response({}, {}, form(text="  Hà   Nội "), PREFIX) == "Hà Nội"
    assert ShortAnswer.parse_response({}, {}, form(text="x" * 900), PREFIX) == "x" * 500


# -- what the learner sees before submitting ------------------------------------------------------------

LEAKY_KEYS = {"fraction", "feedback", "correct", "answer", "right", "match", "tolerance", "value", "position",
              "grader_info", "feedback_true", "feedback_false", "ranges", "pairs", "answers"}


def _keys(obj) -> set[str]:
    if isinstance(obj, dict):
        return set(obj) | set().union(*(_keys(v) for v in obj.values()))
    if isinstance(obj, list):
        return set().union(*(_keys(v) for v in obj)) if obj else set()
    return set()


def test_view_never_contains_fractions_feedback_or_the_key(parsed):
    for name, data in samples(parsed).items():
        qtype = TYPES[name]
        for seed in range(5):
            state = qtype.prepare(data, random.Random(seed), True)
            view = qtype.view(data, state)
            text = json.dumps(view, ensure_ascii=False)
            json.dumps(state)  # the state is stored as JSON too
            assert FEEDBACK not in text, (name, text)
            assert not _keys(view) & LEAKY_KEYS, (name, view)
            assert "fraction" not in text and "correct" not in text
    matching = data_of(parsed, "matching")
    choices = Matching.view(matching, Matching.prepare(matching, random.Random(0)))["choices"]
    assert not {c["id"] for c in choices} & {p["id"] for p in matching["pairs"]}  # no pair id to compare with


def test_single_choice_is_shuffled_by_the_given_rng_and_deterministic(parsed):
    data = data_of(parsed, "single")
    data_order = [o["id"] for o in data["options"]]
    orders = {tuple(o["id"] for o in SingleChoice.view(data, SingleChoice.prepare(data, random.Random(s)))["options"])
              for s in range(20)}
    assert any(list(order) != data_order for order in orders)
    assert all(sorted(order) == sorted(data_order) for order in orders)
    assert SingleChoice.prepare(data, random.Random(1), shuffle=False) == {"order": data_order}
    assert SingleChoice.prepare({**data, "shuffle": False}, random.Random(1)) == {"order": data_order}
    view = SingleChoice.view(data, {"order": ["c", "zz", "a"]})  # an option added or removed since
    assert [o["id"] for o in view["options"]] == ["c", "a", "b", "d"]


def test_prepare_with_the_same_seed_gives_the_same_state(parsed):
    for name, data in samples(parsed).items():
        qtype = TYPES[name]
        assert qtype.prepare(data, random.Random(42)) == qtype.prepare(data, random.Random(42)), name


def test_ordering_and_matching_never_show_the_answer_in_order(parsed):
    correct = [i["id"] for i in ORDERING["items"]]
    for seed in range(50):
        for shuffle in (True, False):
            state = Ordering.prepare(ORDERING, random.Random(seed), shuffle)
            assert state["order"] != correct and sorted(state["order"]) == sorted(correct)
    two = {"items": ORDERING["items"][:2]}
    assert all(Ordering.prepare(two, random.Random(s))["order"] == ["b", "a"] for s in range(10))
    matching = data_of(parsed, "matching")
    unshuffled = Matching.view(matching, Matching.prepare(matching, random.Random(0), shuffle=False))
    assert [c["text"] for c in unshuffled["choices"]] == sorted(
        (p["match"] for p in matching["pairs"]), key=lambda t: t.replace("Đ", "D"))  # alphabetical, not paired
    assert [p["text"] for p in unshuffled["prompts"]] == ["Đại hội", "Ban chấp hành", "Ủy ban kiểm tra"]


def test_review_lists_options_in_the_learners_order_with_feedback(parsed):
    data = data_of(parsed, "multiple")
    state = {"order": ["d", "b", "a", "c"]}
    review = MultipleResponse.review(data, state, ["a", "c"])
    assert [(o["id"], o["chosen"], o["correct"]) for o in review["options"]] == [
        ("d", False, False), ("b", False, True), ("a", True, True), ("c", True, False)]
    assert review["options"][2]["feedback"] == "PHẢN HỒI một nửa"
    assert review["right"] == ["b", "a"] and review["fraction"] == 0.0
    single = SingleChoice.review(data_of(parsed, "single"), {"order": ["b", "a", "c", "d"]}, "b")
    assert single["right"] == ["a"] and single["options"][0]["chosen"] and single["fraction"] == 0.0


# -- the input widgets ---------------------------------------------------------------------------------


class _Form(HTMLParser):
    """Collects inputs, labels and what a browser would submit."""

    def __init__(self):
        super().__init__()
        self.controls: list[dict] = []
        self.labels: set[str] = set()
        self.submitted: list[tuple[str, str]] = []
        self.attrs_seen: list[dict] = []
        self._select: dict | None = None
        self._textarea: dict | None = None
        self._option: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.attrs_seen.append(a)
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if tag in ("input", "select", "textarea"):
            self.controls.append({"tag": tag, **a})
        if tag == "input":
            if a.get("type") in ("radio", "checkbox"):
                if "checked" in a:
                    self.submitted.append((a["name"], a["value"]))
            else:
                self.submitted.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a
        elif tag == "option" and self._select is not None and "selected" in a:
            self.submitted.append((self._select["name"], a["value"]))
        elif tag == "textarea":
            self._textarea = a
            self.submitted.append((a["name"], ""))

    def handle_data(self, data):
        if self._textarea is not None:
            name, text = self.submitted.pop()
            self.submitted.append((name, text + data))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None


@pytest.fixture(scope="module")
def env():
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
    environment.globals["_"] = lambda s, **kw: s % kw if kw else s
    return environment


RESPONSES = {
    "single_choice": "b",
    "multiple_response": ["a", "d"],
    "true_false": False,
    "short_answer": "Đức \"Cảnh\" <b>",
    "numeric": {"text": "1929,5", "value": 1929.5},
    "matching": {"a": "Kiểm tra, giám sát", "c": "Tuyển dụng lao động"},
    "ordering": {"c": 1, "a": 2},
    "essay": "Dòng một\nDòng <hai> & ba",
    "description": None,
}


def _render(env, qtype, data, state, response, disabled):
    view = qtype.view(data, state)
    html = env.get_template(qtype.template).render(
        question={"text": "Câu hỏi", "type": qtype.name}, view=view, response=response, prefix=PREFIX,
        disabled=disabled)
    parser = _Form()
    parser.feed(html)
    return html, parser


def test_widgets_show_no_feedback_and_label_every_input(env, parsed):
    for name, data in samples(parsed).items():
        qtype = TYPES[name]
        assert qtype.template == f"quizzes/types/{name}.html"
        state = qtype.prepare(data, random.Random(7))
        for response in (None, RESPONSES[name]):
            html, parser = _render(env, qtype, data, state, response, disabled=False)
            assert FEEDBACK not in html and "fraction" not in html, name
            assert "<script" not in html and "<style" not in html, name  # the CSP allows neither inline
            assert not {k for a in parser.attrs_seen for k in a if k == "style" or k.startswith("on")}, name
            for control in parser.controls:
                assert control["name"].startswith(PREFIX), (name, control)
                assert control["id"] in parser.labels, (name, control)
                assert "disabled" not in control
            if name != "description":
                assert parser.controls, name
            ids = [c["id"] for c in parser.controls]
            assert len(ids) == len(set(ids)), name


def test_widgets_honour_disabled(env, parsed):
    for name, data in samples(parsed).items():
        qtype = TYPES[name]
        _, parser = _render(env, qtype, data, qtype.prepare(data, random.Random(7)), RESPONSES[name], disabled=True)
        assert all("disabled" in c for c in parser.controls), name


def test_widgets_prefill_the_saved_response(env, parsed):
    """What a browser submits from a pre-filled widget parses back to the saved response."""
    for name, data in samples(parsed).items():
        qtype = TYPES[name]
        state = qtype.prepare(data, random.Random(11))
        saved = RESPONSES[name]
        _, parser = _render(env, qtype, data, state, saved, disabled=False)
        assert qtype.parse_response(data, state, MultiDict(parser.submitted), PREFIX) == saved, name
        _, empty = _render(env, qtype, data, state, None, disabled=False)
        assert qtype.parse_response(data, state, MultiDict(empty.submitted), PREFIX) is None, name


def test_numeric_widget_opens_the_decimal_keypad_and_explains_the_comma(env, parsed):
    data = data_of(parsed, "numeric")
    html, parser = _render(env, Numeric, data, {}, None, disabled=False)
    assert parser.controls[0]["inputmode"] == "decimal" and parser.controls[0]["type"] == "text"
    assert "dấu phẩy" in html
    essay_html, _ = _render(env, Essay, ESSAY, {}, None, disabled=False)
    assert "Viết ít nhất 50 từ." in essay_html and "nêu đủ 3 ý" not in essay_html


def test_labels_are_vietnamese():
    assert {name: str(t.label) for name, t in TYPES.items()} == {
        "single_choice": "Một lựa chọn", "multiple_response": "Nhiều lựa chọn", "true_false": "Đúng/Sai",
        "short_answer": "Trả lời ngắn", "numeric": "Số", "matching": "Ghép đôi", "ordering": "Sắp xếp thứ tự",
        "essay": "Tự luận", "description": "Mô tả"}


# -- scores stay in [0, 1] whatever the learner sends -------------------------------------------------

GRADES = [1.0, 0.5, 0.3333333, 0.25, 0.0, -0.25, -0.5, -1.0]


@settings(max_examples=200, deadline=None)
@given(weights=st.lists(st.sampled_from(GRADES), min_size=2, max_size=8), picks=st.lists(st.integers(0, 9)),
       text=st.text(max_size=30))
def test_scores_never_leave_zero_to_one(weights, picks, text):
    options = _options(*weights)
    response = sorted({option_id(p) for p in picks})
    for qtype in (SingleChoice, MultipleResponse):
        for r in (response, response[:1] and response[0], None, text):
            assert 0.0 <= qtype.grade({"options": options}, r) <= 1.0
    sa = {"answers": [{**o, "fraction": abs(o["fraction"])} for o in options], "ignore_diacritics": True}
    assert 0.0 <= ShortAnswer.grade(sa, text) <= 1.0
    parse_number(text)
    n = {"ranges": [{"id": "a", "value": 3.0, "tolerance": 0.5, "fraction": 1.0, "feedback": ""}]}
    assert Numeric.grade(n, Numeric.parse_response(n, {}, form(number=text), PREFIX)) in (0.0, 1.0)
    assert 0.0 <= Ordering.grade(ORDERING, {option_id(p): p for p in picks}) <= 1.0
