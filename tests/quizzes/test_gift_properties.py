"""Property tests: the GIFT reader never raises, and export then import gives the questions back."""
from __future__ import annotations

import json
import unicodedata
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lms.quizzes.formats import clean_text, export_gift, parse_aiken, parse_gift
from lms.quizzes.formats.gift import GRADE_FRACTIONS

# Pieces that exercise every corner of the grammar, mixed with arbitrary text.
GIFT_TOKENS = [
    "{", "}", "~", "=", "#", "####", ":", "::", "\\", "\\n", "\\{", "\\}", "\\~", "\\=", "\\#", "\\:", "\\\\",
    "->", "%", "%50%", "%-25%", "%100%", "%33,3%", "..", "*", "$CATEGORY:", "//", "[html]", "[moodle]",
    "[plain]", "[markdown]", "[htm]", "[", "]", "T", "TRUE", "FALSE", "F", "true", "1822", "3.14", "abc",
    "ANSWER: A", "A) ", "B. ", "\n", "\n\n", "\r\n", "\r", " ", "\t", "Đ", "Ð", "ệ", "e\u0302\u0323",
    "\ufeff", "\ufdd0", "_____", "\u0303", "\x00",
]
gift_soup = st.one_of(
    st.text(),
    st.lists(st.one_of(st.sampled_from(GIFT_TOKENS), st.text(max_size=3)), max_size=40).map("".join),
)


def _check_result(result: Any, source: str) -> None:
    payload = result.to_json()
    json.dumps(payload, ensure_ascii=False, allow_nan=False)
    lines = source.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    for error in payload["errors"]:
        assert 1 <= error["line"] <= lines
        assert error["message"].startswith(f"Dòng {error['line']}: ")
    for question in payload["questions"]:
        assert 1 <= question["line"] <= lines
        assert unicodedata.is_normalized("NFC", question["text"])
        assert "\u00d0" not in question["text"]


@settings(max_examples=300, deadline=None)
@given(gift_soup)
def test_gift_reader_never_raises(source: str) -> None:
    _check_result(parse_gift(source), source)


@settings(max_examples=100, deadline=None)
@given(st.binary())
def test_gift_reader_accepts_any_bytes(source: bytes) -> None:
    result = parse_gift(source)
    json.dumps(result.to_json(), ensure_ascii=False)


@settings(max_examples=150, deadline=None)
@given(gift_soup)
def test_aiken_reader_never_raises(source: str) -> None:
    _check_result(parse_aiken(source), source)


# -- round trip -----------------------------------------------------------------------------------

_SPECIALS = st.sampled_from(list("{}~=#:\\[]%/*.-> \n\tTF_") + ["->", "//", "[html]", "%50%", "\\n", "ĐƯỜNG", "\u0303"])
_raw_text = st.lists(st.one_of(_SPECIALS, st.characters(exclude_categories=("Cs",))), min_size=1, max_size=12)


def _valid(text: str) -> bool:
    return (bool(text) and text == text.strip() and text == clean_text(text) and "\r" not in text
            and not any("\ufdd0" <= c <= "\ufdef" for c in text))


texts = _raw_text.map("".join).filter(_valid)
no_arrow_texts = texts.filter(lambda t: "->" not in t)
maybe_empty = st.one_of(st.just(""), texts)
no_arrow_maybe_empty = st.one_of(st.just(""), no_arrow_texts)
formats = st.sampled_from(["moodle", "html", "plain", "markdown"])
partial_grades = st.sampled_from([g for g in GRADE_FRACTIONS if g != 1.0])
any_grade = st.sampled_from(GRADE_FRACTIONS)


@st.composite
def common(draw: st.DrawFn, qtype: str, general_feedback: bool = True) -> dict[str, Any]:
    return {
        "type": qtype,
        "name": draw(st.one_of(st.none(), texts)),
        "text": draw(texts),
        "text_format": draw(formats),
        "category": None,
        "general_feedback": draw(maybe_empty) if general_feedback else "",
    }


@st.composite
def single_choice(draw: st.DrawFn) -> dict[str, Any]:
    q = draw(common("single_choice"))
    right = [{"text": draw(texts), "fraction": 1.0, "feedback": draw(maybe_empty)}
             for _ in range(draw(st.integers(1, 2)))]
    other = [{"text": draw(texts), "fraction": draw(partial_grades), "feedback": draw(maybe_empty)}
             for _ in range(draw(st.integers(1, 3)))]
    q["options"] = draw(st.permutations(right + other))
    return q


@st.composite
def multiple_response(draw: st.DrawFn) -> dict[str, Any]:
    q = draw(common("multiple_response"))
    positives = draw(st.sampled_from([[1.0], [0.5, 0.5], [0.3333333] * 3, [0.75, 0.25], [0.2] * 5, [0.9, 0.1]]))
    others = draw(st.lists(st.sampled_from([g for g in GRADE_FRACTIONS if g <= 0]), min_size=2 - len(positives)
                           if len(positives) < 2 else 0, max_size=3))
    q["options"] = [{"text": draw(texts), "fraction": f, "feedback": draw(maybe_empty)}
                    for f in draw(st.permutations(positives + others))]
    return q


@st.composite
def short_answer(draw: st.DrawFn) -> dict[str, Any]:
    q = draw(common("short_answer"))
    answers = no_arrow_texts.filter(lambda t: t != "*")  # '*' at 100% is refused on purpose
    options = [{"text": draw(answers), "fraction": 1.0, "feedback": draw(no_arrow_maybe_empty)}]
    for _ in range(draw(st.integers(0, 3))):
        options.append({"text": draw(answers), "fraction": draw(any_grade), "feedback": draw(no_arrow_maybe_empty)})
    if draw(st.booleans()):
        options.append({"text": "*", "fraction": 0.0, "feedback": draw(no_arrow_maybe_empty)})
    q["options"] = options
    return q


finite = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def numeric(draw: st.DrawFn) -> dict[str, Any]:
    q = draw(common("numeric"))
    ranges = [{"value": draw(finite), "tolerance": draw(finite.map(abs)), "fraction": 1.0,
               "feedback": draw(maybe_empty)}]
    for _ in range(draw(st.integers(0, 2))):
        ranges.append({"value": draw(finite), "tolerance": draw(finite.map(abs)), "fraction": draw(any_grade),
                       "feedback": draw(maybe_empty)})
    for _ in range(draw(st.integers(0, 2))):
        ranges.append({"value": None, "tolerance": 0.0, "fraction": draw(partial_grades),
                       "feedback": draw(maybe_empty)})
    q["ranges"] = draw(st.permutations(ranges))
    return q


@st.composite
def matching(draw: st.DrawFn) -> dict[str, Any]:
    q = draw(common("matching"))
    pairs = [{"prompt": draw(no_arrow_texts), "match": draw(texts)} for _ in range(draw(st.integers(2, 4)))]
    pairs += [{"prompt": "", "match": draw(texts)} for _ in range(draw(st.integers(0, 2)))]
    q["pairs"] = pairs
    return q


@st.composite
def true_false(draw: st.DrawFn) -> dict[str, Any]:
    q = draw(common("true_false"))
    q.update(answer=draw(st.booleans()), feedback_true=draw(maybe_empty), feedback_false=draw(maybe_empty))
    return q


question = st.one_of(
    single_choice(), multiple_response(), short_answer(), numeric(), matching(), true_false(),
    common("essay"), common("description", general_feedback=False),
)


@st.composite
def question_lists(draw: st.DrawFn) -> list[dict[str, Any]]:
    questions = draw(st.lists(question, min_size=1, max_size=4))
    category = None
    for q in questions:
        # A GIFT file cannot go back to "no category" once one is set.
        if draw(st.booleans()):
            category = draw(texts)
        q["category"] = category
    return questions


@settings(max_examples=200, deadline=None)
@given(question_lists())
def test_export_then_parse_gives_the_same_questions(questions: list[dict[str, Any]]) -> None:
    written = export_gift(questions)
    result = parse_gift(written)
    assert result.errors == [], written
    assert [{k: v for k, v in q.items() if k != "line"} for q in result.questions] == questions, written


@settings(max_examples=50, deadline=None)
@given(question_lists())
def test_export_is_stable(questions: list[dict[str, Any]]) -> None:
    written = export_gift(questions)
    assert export_gift(parse_gift(written).questions) == written
