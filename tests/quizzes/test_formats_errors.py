"""Error reporting of the question readers: every error kind, its line, its Vietnamese message;
file encodings (CRLF, BOM, bytes); the public entry points; and the package's purity."""
from __future__ import annotations

import ast
import json
import unicodedata
from pathlib import Path

import pytest

from lms.quizzes.formats import (
    ParseResult, _, detect_format, export_aiken, export_gift, parse, parse_aiken, parse_gift,
)

PACKAGE = Path(__file__).resolve().parents[2] / "lms" / "quizzes" / "formats"


def errors(result: ParseResult) -> list[tuple[int, str]]:
    return [(e["line"], e["message"]) for e in result.errors]


# -- GIFT: one test per error kind, with the line where the problem is -----------------------------

GIFT_ERRORS = [
    # (id, source, line, exact start of the message after "Dòng N: ")
    ("missing_closing_brace", "// c\n::Q1:: Câu hỏi {\n=a\n~b", 4,
     "thiếu dấu đóng ngoặc '}' cho câu hỏi bắt đầu ở dòng 2"),
    ("closing_brace_without_opening", "Câu hỏi\n=a }", 2, "dấu '}' không có dấu '{' mở tương ứng"),
    ("nested_opening_brace", "Câu 1 {=a\nCâu 2 {=b}", 2,
     "gặp dấu '{' mới trong khi khối đáp án mở ở dòng 1 chưa được đóng bằng '}'"),
    ("second_block", "Câu {=a}\nvà {=b}", 2, "dấu '{' thừa sau khối đáp án đóng ở dòng 1"),
    ("unclosed_name", "\n\n::Tên câu hỏi {T}", 3, "tên câu hỏi mở bằng '::' nhưng thiếu '::' đóng"),
    ("empty_question_text", "::Tên::\n{T}", 1, "câu hỏi không có nội dung"),
    ("empty_category", "$CATEGORY:   ", 1, "thiếu tên danh mục sau '$CATEGORY:'"),
    ("unknown_format", "::Q::[HTML]<b>Đúng</b>? {T}", 1, "định dạng văn bản '[HTML]' không hợp lệ"),
    ("unknown_format_in_answer", "Câu hỏi {\n=a\n~[plian]b\n}", 3, "định dạng văn bản '[plian]' không hợp lệ"),
    ("one_choice_only", "Câu hỏi {\n~a\n}", 1, "câu hỏi nhiều lựa chọn cần ít nhất 2 đáp án"),
    ("no_correct_choice", "Câu hỏi\n{\n~a\n~b\n}", 2, "câu hỏi nhiều lựa chọn không có đáp án đúng"),
    ("weights_do_not_add_up", "Câu hỏi {\n~%50%a\n~%40%b\n~c\n}", 1, "câu hỏi nhiều đáp án đúng (không có '=')"
                                                                      " nhưng tổng trọng số dương là 90%"),
    ("text_before_first_choice", "Câu hỏi {\nChọn một:\n~a\n=b\n}", 2, "văn bản 'Chọn một:' đứng trước"),
    ("weight_after_equals", "Câu hỏi {\n~a\n=%50%b\n}", 3, "không dùng trọng số sau '='"),
    ("percent_text_is_not_a_weight", "Câu hỏi {\n=a\n~%1/2%b\n}", None, None),  # literal text, as in Moodle
    ("weight_with_comma", "Câu hỏi {\n=a\n~%12,5%b\n}", 3, "trọng số '%12,5%' không hợp lệ"),
    ("weight_not_allowed", "Câu hỏi {\n=a\n~%45%b\n}", 3, "trọng số 45% không phải mức điểm Moodle cho phép"),
    ("empty_choice", "Câu hỏi {\n=a\n~\n~c\n}", 3, "đáp án rỗng sau '~'"),
    ("empty_choice_with_feedback", "Câu hỏi {\n=a\n~ # phản hồi\n}", 3, "đáp án rỗng sau '~'"),
    ("empty_short_answer", "Câu hỏi {=Hà Nội =}", 1, "đáp án rỗng sau '='"),
    ("short_answer_without_full_credit", "Câu hỏi {\n=%50%a\n=%25%b\n}", 1,
     "không có đáp án nào được 100% điểm"),
    ("short_answer_wildcard_full_credit", "Câu hỏi {\n=a\n=*\n}", 3, "đáp án '*' được 100% điểm"),
    ("numeric_no_answer", "Câu hỏi {#\n~#Sai rồi\n}", 1, "câu hỏi số không có đáp án"),
    ("numeric_not_a_number", "Câu hỏi {#\n=1822:0\n=%50%năm 1822\n}", 3, "'năm 1822' không phải là số"),
    ("numeric_bad_tolerance", "Câu hỏi {#1822:hai}", 1, "'hai' không phải là số"),
    ("numeric_negative_tolerance", "Câu hỏi {#1822:-2}", 1, "sai số '-2' không được âm"),
    ("numeric_reversed_range", "Câu hỏi {#\n=5..1\n}", 2, "khoảng '5..1' có giá trị nhỏ nhất lớn hơn"),
    ("numeric_wildcard_full_credit", "Câu hỏi {#\n=3\n=*\n}", 3, "đáp án '*' được 100% điểm"),
    ("numeric_no_full_credit", "Câu hỏi {#=%50%3}", 1, "không có đáp án nào được 100% điểm"),
    ("numeric_text_after_tilde", "Câu hỏi {#3\n~4#Sai}", 2, "trong câu hỏi số, '~' chỉ dùng để ghi phản hồi"),
    ("matching_pair_without_arrow", "Ghép {\n=mèo -> cá\n=chó\n=gà -> thóc\n}", 3, "cặp ghép 'chó' thiếu '->'"),
    ("matching_feedback", "Ghép {\n=mèo -> cá\n=chó -> xương # đúng\n}", 3,
     "câu hỏi ghép đôi không có phản hồi riêng cho từng cặp"),
    ("matching_empty_answer", "Ghép {\n=mèo ->\n=chó -> xương\n=gà -> thóc\n}", 2,
     "cặp ghép thiếu câu trả lời sau '->'"),
    ("matching_too_few_pairs", "Ghép {\n=mèo -> cá\n= -> xương\n}", 1, "câu hỏi ghép đôi cần ít nhất 2 cặp"),
]


@pytest.mark.parametrize(("source", "line", "message"), [pytest.param(*c[1:], id=c[0]) for c in GIFT_ERRORS])
def test_gift_error(source: str, line: int | None, message: str | None) -> None:
    result = parse_gift(source)
    if line is None:
        assert result.errors == [] and len(result.questions) == 1
        return
    assert result.questions == []
    assert [e["line"] for e in result.errors] == [line]
    assert result.errors[0]["message"].startswith(f"Dòng {line}: {message}")


def test_blank_line_inside_answers_gives_two_precise_errors() -> None:
    source = "::Q1:: Thủ đô của Việt Nam? {\n=Hà Nội\n\n~Huế\n}\n"
    assert errors(parse_gift(source)) == [
        (2, "Dòng 2: thiếu dấu đóng ngoặc '}' cho câu hỏi bắt đầu ở dòng 1 (lưu ý: một dòng trống kết thúc câu "
            "hỏi, kể cả khi đang ở trong khối đáp án)"),
        (5, "Dòng 5: dấu '}' không có dấu '{' mở tương ứng (muốn viết ký tự '}' hãy dùng \\})"),
    ]


def test_errors_do_not_stop_the_other_questions() -> None:
    source = "\n".join([
        "$CATEGORY: Luật Công đoàn",       # 1
        "",                                # 2
        "::C1:: Công đoàn cơ sở được thành lập khi có ít nhất 5 đoàn viên. {T}",  # 3
        "",                                # 4
        "::C2:: Năm ban hành Luật Công đoàn 2012? {#abc}",  # 5
        "",                                # 6
        "::C3:: Chọn đáp án đúng {",       # 7
        "  ~%45%Một",                      # 8
        "  =Hai",                          # 9
        "}",                               # 10
        "",                                # 11
        "// câu hỏi hợp lệ",               # 12
        "::C4:: Kinh phí công đoàn bằng bao nhiêu phần trăm quỹ tiền lương? {#2}",  # 13
    ])
    result = parse_gift(source)
    assert [q["name"] for q in result.questions] == ["C1", "C4"]
    assert [q["line"] for q in result.questions] == [3, 13]
    assert {q["category"] for q in result.questions} == {"Luật Công đoàn"}
    assert [e["line"] for e in result.errors] == [5, 8]


def test_messages_are_vietnamese_and_wrapped_for_translation() -> None:
    assert _("Dòng 1: x") == "Dòng 1: x"
    result = parse_gift("Câu {~a ~b}\n\nCâu {#x}\n\n::Q")
    assert len(result.errors) == 3
    for error in result.errors:
        assert error["message"].startswith(f"Dòng {error['line']}: ")
        assert any(ch in error["message"] for ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịỉọỏốồổỗộớờởỡợụủứừửữựỳỷỹ")


# -- encodings and normalisation ------------------------------------------------------------------


def test_crlf_file_keeps_line_numbers_and_text() -> None:
    source = "// đề thi\r\n::Q1::Câu một\r\ncó hai dòng {\r\n=Đúng\r\n~Sai\r\n}\r\n\r\nCâu hai {~a ~b}\r\n"
    result = parse_gift(source)
    assert result.questions[0]["text"] == "Câu một\ncó hai dòng"
    assert [o["text"] for o in result.questions[0]["options"]] == ["Đúng", "Sai"]
    assert result.questions[0]["line"] == 2
    assert [e["line"] for e in result.errors] == [8]


def test_bom_in_text_and_bytes() -> None:
    text = "\ufeff::Q1:: Đúng hay sai? {T}\n"
    for source in (text, text.encode("utf-8"), text[1:].encode("utf-8")):
        result = parse_gift(source)
        assert result.errors == []
        assert result.questions[0]["name"] == "Q1" and result.questions[0]["answer"] is True


def test_bom_and_crlf_in_aiken() -> None:
    result = parse_aiken("\ufeffCâu hỏi?\r\nA) Một\r\nB) Hai\r\nANSWER: B\r\n".encode("utf-8"))
    assert result.errors == []
    assert [o["fraction"] for o in result.questions[0]["options"]] == [0.0, 1.0]


def test_invalid_utf8_is_reported_with_its_line() -> None:
    source = "::Q1:: Đúng? {T}\n\n::Q2:: Sai? {F}\n".encode("utf-8").replace("Sai".encode(), b"S\xe0i")
    result = parse_gift(source)
    assert [e["line"] for e in result.errors] == [3]
    assert "UTF-8" in result.errors[0]["message"]
    assert [q["name"] for q in result.questions] == ["Q1", "Q2"]


def test_text_is_nfc_and_eth_becomes_dj() -> None:
    decomposed = unicodedata.normalize("NFD", "Tiếng Việt")
    result = parse_gift(f"::\u00d0ề 1:: {decomposed} \u00d0úng không? {{T}}")
    question = result.questions[0]
    assert question["name"] == "Đề 1"
    assert question["text"] == "Tiếng Việt Đúng không?"
    assert unicodedata.is_normalized("NFC", question["text"])
    aiken = parse_aiken(f"{decomposed}?\nA) \u00d0úng\nB) Sai\nANSWER: A")
    assert aiken.questions[0]["text"] == "Tiếng Việt?"
    assert aiken.questions[0]["options"][0]["text"] == "Đúng"


def test_escaped_newline_before_a_combining_mark_stays_a_newline() -> None:
    result = parse_gift("Dòng một\\n\u0303x {T}")
    assert result.questions[0]["text"] == "Dòng một\n\u0303x"


# -- Aiken errors -----------------------------------------------------------------------------------


def test_aiken_error_kinds_and_lines() -> None:
    source = "\n".join([
        "A) Lựa chọn lạc",                 # 1 choice outside a question
        "ANSWER: A",                       # 2 answer outside a question
        "Câu có một lựa chọn?",            # 3
        "A) Một",                          # 4
        "ANSWER: A",                       # 5 fewer than 2 choices
        "Câu hai dòng",                    # 6
        "tiếp tục?",                       # 7 new question before ANSWER
        "A) Một",                          # 8
        "B) Hai",                          # 9
        "ANSWER: C",                       # 10 letter without a choice
        "Câu tốt?",                        # 11
        "A. Một",                          # 12
        "B.Hai",                           # 13
        "ANSWER: B",                       # 14
        "Câu dở dang?",                    # 15
        "A) Một",                          # 16 end of file without ANSWER
    ])
    result = parse_aiken(source)
    assert [q["text"] for q in result.questions] == ["Câu tốt?"]
    assert result.questions[0]["line"] == 11
    assert [o["text"] for o in result.questions[0]["options"]] == ["Một", "Hai"]
    assert errors(result) == [
        (1, "Dòng 1: lựa chọn 'A' nằm ngoài câu hỏi (phía trên chưa có dòng nội dung câu hỏi)"),
        (2, "Dòng 2: dòng 'ANSWER:' nằm ngoài câu hỏi (phía trên chưa có dòng nội dung câu hỏi)"),
        (5, "Dòng 5: câu hỏi bắt đầu ở dòng 3 cần ít nhất 2 lựa chọn (A, B, …)"),
        # (it said "câu hỏi đó bị bỏ qua", the question is skipped, but nothing of a file with errors is saved)
        (7, "Dòng 7: câu hỏi bắt đầu ở dòng 6 chưa có dòng 'ANSWER: …' thì câu hỏi mới đã bắt đầu; thêm dòng "
            "'ANSWER: …' sau các lựa chọn của câu hỏi ở dòng 6. Nội dung câu hỏi Aiken phải nằm trên một dòng."),
        (10, "Dòng 10: đáp án 'C' không khớp lựa chọn nào; viết 'ANSWER: ' và một chữ cái in hoa từ A đến B"),
        (16, "Dòng 16: câu hỏi bắt đầu ở dòng 15 thiếu dòng 'ANSWER: …' ở cuối"),
    ]


# -- public entry points ------------------------------------------------------------------------------


def test_parse_dispatches_and_to_json_is_the_public_shape() -> None:
    result = parse("::Q1:: Đúng? {T}\n\nSai {#x}", "GIFT")
    payload = result.to_json()
    assert set(payload) == {"format", "questions", "errors"} and payload["format"] == "gift"
    assert payload["questions"] == [{
        "type": "true_false", "name": "Q1", "text": "Đúng?", "text_format": "moodle", "category": None,
        "general_feedback": "", "answer": True, "feedback_true": "", "feedback_false": "", "line": 1,
    }]
    assert payload["errors"][0]["line"] == 3
    json.dumps(payload, ensure_ascii=False)
    assert parse("Q?\nA) a\nB) b\nANSWER: A", "aiken").format == "aiken"
    with pytest.raises(ValueError):
        parse("x", "qti")


def test_detect_format() -> None:
    aiken = "Câu hỏi?\nA) Một\nB) Hai\nANSWER: A\n"
    assert detect_format(aiken) == "aiken"
    assert detect_format(aiken, "de-thi.txt") == "aiken"
    assert detect_format(aiken, "de-thi.GIFT") == "gift"
    assert detect_format("::Q:: Đúng? {T}") == "gift"
    assert detect_format("bất kỳ", "x.aiken") == "aiken"
    assert detect_format(aiken.encode("utf-8")) == "aiken"


def test_export_refuses_what_gift_cannot_express() -> None:
    base = {"name": "Q", "text": "Câu hỏi", "text_format": "moodle", "category": None, "general_feedback": ""}
    impossible = [
        {**base, "type": "description", "general_feedback": "phản hồi"},
        {**base, "type": "single_choice", "options": [{"text": "a", "fraction": 1.0, "feedback": ""}] * 2},
        {**base, "type": "matching", "pairs": [{"prompt": "a->b", "match": "c"}, {"prompt": "d", "match": "e"}]},
        {**base, "type": "short_answer", "options": [{"text": "a->b", "fraction": 1.0, "feedback": ""},
                                                     {"text": "c", "fraction": 0.5, "feedback": ""}]},
        {**base, "type": "cloze"},
    ]
    for question in impossible:
        with pytest.raises(ValueError, match="Không thể ghi câu hỏi 'Q' sang GIFT"):
            export_gift([question])


def test_short_answer_with_arrow_round_trips_when_alone() -> None:
    question = {"type": "short_answer", "name": None, "text": "Mũi tên?", "text_format": "moodle",
                "category": None, "general_feedback": "",
                "options": [{"text": "a->b", "fraction": 1.0, "feedback": "đúng -> tốt"}]}
    result = parse_gift(export_gift([question]))
    assert result.errors == []
    assert {k: v for k, v in result.questions[0].items() if k != "line"} == question


def test_aiken_export_skips_what_aiken_cannot_express() -> None:
    base = {"name": None, "text_format": "plain", "category": None, "general_feedback": ""}
    ok = {**base, "type": "single_choice", "text": "Câu hỏi\nhai dòng?",
          "options": [{"text": "Một", "fraction": 0.0, "feedback": ""}, {"text": "Hai", "fraction": 1.0, "feedback": ""}]}
    skipped = [
        {**ok, "type": "multiple_response"},
        {**ok, "options": ok["options"][:1]},
        {**ok, "options": [{**o, "fraction": 1.0} for o in ok["options"]]},
        {**ok, "text": "A) trông như một lựa chọn"},
    ]
    written = export_aiken([ok, *skipped])
    assert written == "Câu hỏi hai dòng?\nA) Một\nB) Hai\nANSWER: B\n\n"
    assert parse_aiken(written).questions[0]["options"] == ok["options"]


def test_formats_package_is_pure() -> None:
    """The readers are used outside the web app: no Flask, nothing else from lms."""
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
            else:
                continue
            for name in names:
                root = name.split(".")[0]
                assert root not in {"flask", "lms", "sqlalchemy", "flask_babel"}, f"{path.name} imports {name}"
