"""GIFT (Moodle's "General Import Format Template"): reader and writer.

The reader follows Moodle's own parser (``question/format/gift/format.php``) question by question,
including its documented quirks, but where Moodle silently turns a mistake into a nonsense
question it reports a Vietnamese error with the line number instead. Every such deviation is
listed in ``docs/question-formats.md``.

A file is read as Moodle's file import reads it: each line is trimmed, blank lines separate
questions, and lines starting with ``//`` are comments.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from . import ParseResult, Question, _, clean_text, split_lines

__all__ = ["parse_gift", "export_gift", "extract_idnumber_and_tags", "GRADE_FRACTIONS", "TEXT_FORMATS"]

TEXT_FORMATS: tuple[str, ...] = ("moodle", "html", "plain", "markdown")
BLANK = "_____"
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}

# Moodle's allowed grades (question_bank::fraction_options_full), stored to 7 decimals.
_POSITIVE_GRADES = (
    1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2,
    0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05,
)
GRADE_FRACTIONS: tuple[float, ...] = (0.0, *_POSITIVE_GRADES, *(-g for g in _POSITIVE_GRADES))

# Escaped characters are swapped for noncharacters while a question is taken apart, as Moodle
# does with its "&&058;" placeholders, so the structure-finding code never sees them.
_ESCAPES = {":": "\ufdd0", "#": "\ufdd1", "=": "\ufdd2", "{": "\ufdd3", "}": "\ufdd4", "~": "\ufdd5", "n": "\ufdd6"}
_UNESCAPE = str.maketrans({v: ("\n" if k == "n" else k) for k, v in _ESCAPES.items()})
_EXPORT_ESCAPES = str.maketrans({
    "\\": "\\\\", "#": "\\#", "=": "\\=", "~": "\\~", "{": "\\{", "}": "\\}", ":": "\\:",
    "\n": "\\n", "\r": "",
})

_WEIGHT_LIKE = re.compile(r"%([-+0-9., \t]*)%")
_WEIGHT_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]*)?")
_NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_FORMAT_LIKE = re.compile(r"[A-Za-z]{2,}")
_TAG = re.compile(r"\[tag:((?:\\[^\x00-\x1f\x7f]|[^\]\\\x00-\x1f\x7f])*)\]")
_IDNUMBER = re.compile(r"\[id:((?:\\[^\x00-\x1f\x7f]|[^\]\\\x00-\x1f\x7f])*)\]")


def _protect(line: str) -> str:
    """Replace GIFT escapes in one line: ``\\\\`` -> ``\\``, ``\\~`` etc. -> placeholders."""
    if "\\" not in line:
        return line
    out: list[str] = []
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c == "\\" and i + 1 < n:
            nxt = line[i + 1]
            if nxt == "\\":
                out.append("\\")
                i += 2
                continue
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
        out.append(c)
        i += 1
    return "".join(out)


def _finish(s: str) -> str:
    """Resolve placeholders, normalise and trim a piece of text for output."""
    return clean_text(s.translate(_UNESCAPE)).strip()


def _percent(fraction: float) -> str:
    """A fraction as Moodle writes a percentage: 0.5 -> "50", 0.3333333 -> "33.33333"."""
    text = f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def extract_idnumber_and_tags(comment: str) -> tuple[str, list[str]]:
    """Read ``[id:xxx]`` and ``[tag:yyy]`` from a question's ``//`` comment lines (as Moodle does).

    Whitespace inside the brackets is trimmed, ``\\]`` is a literal ``]``, and a token may not span
    a line break. The platform's question JSON does not carry these yet; this helper is for
    callers that want them.
    """
    tags = [m.group(1).replace("\\]", "]").strip() for m in _TAG.finditer(comment)]
    found = _IDNUMBER.search(comment)
    idnumber = found.group(1).replace("\\]", "]").strip() if found else ""
    return idnumber, [t for t in tags if t]


@dataclass
class _Block:
    """Consecutive non-blank lines: trimmed, escapes protected, comment lines blanked to " "."""

    lines: list[str]
    numbers: list[int]

    def __post_init__(self) -> None:
        self.text = "\n".join(self.lines)

    def line_at(self, pos: int) -> int:
        """The original 1-based line number of a position in ``text``."""
        index = self.text.count("\n", 0, max(pos, 0))
        return self.numbers[min(index, len(self.numbers) - 1)]

    def last_line(self) -> int:
        """The last line of the block that is not a comment."""
        for line, number in zip(reversed(self.lines), reversed(self.numbers)):
            if line.strip():
                return number
        return self.numbers[-1]


def _blocks(lines: list[str]) -> Iterator[_Block]:
    texts: list[str] = []
    numbers: list[int] = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            if texts:
                yield _Block(texts, numbers)
                texts, numbers = [], []
            continue
        # "//" is a comment only at the start of a (trimmed) line, as in Moodle. NFC comes after the
        # escapes are replaced, or an escaped "\n" before a combining mark would compose into "ñ".
        texts.append(" " if line.startswith("//") else clean_text(_protect(line)))
        numbers.append(number)
    if texts:
        yield _Block(texts, numbers)


def _split(text: str, offset: int, markers: str) -> list[tuple[str, str, int]]:
    """Split at every marker character: ``[(marker, body, body_offset)]``; the first marker is ""."""
    parts: list[tuple[str, str, int]] = []
    marker, start = "", 0
    for i, c in enumerate(text):
        if c in markers:
            parts.append((marker, text[start:i], offset + start))
            marker, start = c, i + 1
    parts.append((marker, text[start:], offset + start))
    return parts


def _lstrip(text: str, offset: int) -> tuple[str, int]:
    """Trim ``text`` and return it with the offset of its first character."""
    return text.strip(), offset + len(text) - len(text.lstrip())


def _cut(text: str, offset: int, sep: str) -> tuple[str, str | None, int]:
    """Split at the first ``sep``: (before, after or None, offset of after)."""
    at = text.find(sep)
    if at < 0:
        return text, None, offset + len(text)
    return text[:at], text[at + len(sep):], offset + at + len(sep)


class _Reader:
    """Reads the blocks of one file; keeps the category in effect and the current block's errors."""

    def __init__(self, result: ParseResult) -> None:
        self.result = result
        self.category: str | None = None
        self.block = _Block([" "], [1])
        self.errors: list[dict[str, Any]] = []

    def error(self, line: int, message: str) -> None:
        self.errors.append({"line": line, "message": message})

    def read(self, block: _Block) -> None:
        while True:
            text = block.text
            if not text.strip():
                return  # only comments
            start = len(text) - len(text.lstrip())
            if not text.startswith("$CATEGORY:", start):
                break
            index = text.count("\n", 0, start)
            self._category(block.lines[index], block.numbers[index])
            # Moodle would swallow the following lines into the category name; read them as a question.
            if index + 1 == len(block.lines):
                return
            block = _Block(block.lines[index + 1:], block.numbers[index + 1:])
        self.block, self.errors = block, []
        question = self._question(start)
        if self.errors:
            self.result.errors.extend(self.errors)
        elif question is not None:
            self.result.questions.append(question)

    def _category(self, line: str, number: int) -> None:
        value = _finish(line[len("$CATEGORY:"):])
        if value:
            self.category = value
        else:
            self.result.add_error(number, _("Dòng {line}: thiếu tên danh mục sau '$CATEGORY:'").format(line=number))

    # -- one question ------------------------------------------------------------------------

    def _question(self, start: int) -> Question | None:
        block, text = self.block, self.block.text
        first_line = block.line_at(start)
        pos, name = start, None
        if text.startswith("::", start):
            end = text.find("::", start + 2)
            if end < 0:
                self.error(first_line, _(
                    "Dòng {line}: tên câu hỏi mở bằng '::' nhưng thiếu '::' đóng "
                    "(muốn viết dấu ':' trong nội dung hãy dùng \\:)").format(line=first_line))
                return None
            name = _finish(text[start + 2:end]) or None
            pos = end + 2

        opening, closing = text.find("{", pos), text.find("}", pos)
        if opening < 0 and closing < 0:
            body, body_pos = text[pos:], pos
            inner = None
        else:
            if not self._braces_ok(opening, closing, first_line):
                return None
            after = text[closing + 1:]
            # Text after the block makes a missing-word question, as in Moodle.
            body = text[pos:opening] + (BLANK + after if after.strip() else "")
            body_pos = pos
            inner = text[opening + 1:closing]

        question_text, text_format = self._text(body, "moodle", body_pos)
        if not question_text:
            self.error(first_line, _(
                "Dòng {line}: câu hỏi không có nội dung (chỉ có tên hoặc khối đáp án)").format(line=first_line))

        def make(qtype: str, general_feedback: str = "", **fields: Any) -> Question:
            question: Question = {
                "type": qtype, "name": name, "text": question_text, "text_format": text_format,
                "category": self.category, "general_feedback": general_feedback,
            }
            question.update(fields)
            question["line"] = first_line
            return question

        if inner is None:
            return make("description")

        inner_pos = opening + 1
        general_feedback = ""
        gf_at = inner.rfind("####")
        if gf_at >= 0:
            general_feedback = self._text(inner[gf_at + 4:], text_format, inner_pos + gf_at + 4)[0]
            inner = inner[:gf_at]
        answers = inner.strip()
        open_line = block.line_at(opening)

        if answers == "":
            return make("essay", general_feedback)
        if answers[0] == "#":
            ranges = self._numeric(inner, inner_pos, text_format, open_line)
            return make("numeric", general_feedback, ranges=ranges)
        if "~" in answers:
            single = "=" in answers
            options = self._choices(inner, inner_pos, text_format, single, open_line)
            return make("single_choice" if single else "multiple_response", general_feedback, options=options)
        if "=" in answers and "->" in answers:
            pairs = self._pairs(inner, inner_pos, text_format, open_line)
            return make("matching", general_feedback, pairs=pairs)
        word = answers
        if answers.find("#") > 0:
            word = answers[:answers.find("#")].strip()
        if word in _TRUE_FALSE:
            return make("true_false", general_feedback, **self._true_false(inner, inner_pos, text_format))
        options = self._short_answers(inner, inner_pos, text_format, open_line)
        return make("short_answer", general_feedback, options=options)

    def _braces_ok(self, opening: int, closing: int, first_line: int) -> bool:
        block, text = self.block, self.block.text
        if closing >= 0 and (opening < 0 or closing < opening):
            line = block.line_at(closing)
            self.error(line, _(
                "Dòng {line}: dấu '}}' không có dấu '{{' mở tương ứng "
                "(muốn viết ký tự '}}' hãy dùng \\}})").format(line=line))
            return False
        nested = text.find("{", opening + 1, closing if closing >= 0 else len(text))
        if nested >= 0:
            line = block.line_at(nested)
            self.error(line, _(
                "Dòng {line}: gặp dấu '{{' mới trong khi khối đáp án mở ở dòng {open_line} chưa được "
                "đóng bằng '}}' (muốn viết ký tự '{{' hãy dùng \\{{)").format(
                    line=line, open_line=block.line_at(opening)))
            return False
        if closing < 0:
            line = block.last_line()
            self.error(line, _(
                "Dòng {line}: thiếu dấu đóng ngoặc '}}' cho câu hỏi bắt đầu ở dòng {start} "
                "(lưu ý: một dòng trống kết thúc câu hỏi, kể cả khi đang ở trong khối đáp án)").format(
                    line=line, start=first_line))
            return False
        extras = [p for p in (text.find("{", closing + 1), text.find("}", closing + 1)) if p >= 0]
        if extras:
            at = min(extras)
            line = block.line_at(at)
            self.error(line, _(
                "Dòng {line}: dấu '{char}' thừa sau khối đáp án đóng ở dòng {close_line}. Mỗi câu hỏi chỉ có "
                "một khối {{…}} và các câu hỏi phải cách nhau bằng một dòng trống (muốn viết ký tự "
                "'{char}' hãy dùng \\{char})").format(line=line, char=text[at], close_line=block.line_at(closing)))
            return False
        return True

    # -- pieces --------------------------------------------------------------------------------

    def _text(self, raw: str, default: str, offset: int) -> tuple[str, str]:
        """Moodle's parse_text_with_format: an optional leading [format], then the text."""
        text, offset = _lstrip(raw, offset)
        text_format = default
        if text.startswith("["):
            end = text.find("]")
            if end > 0:
                name = text[1:end]
                if name in TEXT_FORMATS:
                    text_format, text = name, text[end + 1:]
                elif _FORMAT_LIKE.fullmatch(name):
                    line = self.block.line_at(offset)
                    self.error(line, _(
                        "Dòng {line}: định dạng văn bản '[{name}]' không hợp lệ; chỉ dùng [html], [moodle], "
                        "[plain] hoặc [markdown]. Nếu '[{name}]' là nội dung, hãy viết '[{default}][{name}]…'"
                    ).format(line=line, name=name, default=default))
        return _finish(text), text_format

    def _weight(self, text: str, offset: int, default: float) -> tuple[float | None, str, int]:
        """Read a leading ``%n%`` weight: (fraction or None on error, rest, offset of rest)."""
        found = _WEIGHT_LIKE.match(text)
        if not found:
            return default, text, offset
        line = self.block.line_at(offset)
        raw = found.group(1).strip()
        if not _WEIGHT_NUMBER.fullmatch(raw):
            self.error(line, _(
                "Dòng {line}: trọng số '%{raw}%' không hợp lệ; viết số phần trăm với dấu chấm thập phân, "
                "ví dụ %50% hoặc %-33.33333%").format(line=line, raw=raw))
            return None, text, offset
        value = float(raw) / 100
        grade = min(GRADE_FRACTIONS, key=lambda g: abs(g - value))
        if abs(grade - value) >= 0.00001:  # Moodle's own tolerance (match_grade_options)
            self.error(line, _(
                "Dòng {line}: trọng số {raw}% không phải mức điểm Moodle cho phép (gần nhất: {nearest}%). "
                "Các mức cho phép: 100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, "
                "16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0 và các số âm tương ứng").format(
                    line=line, raw=raw, nearest=_percent(grade)))
            return None, text, offset
        return grade, text[found.end():], offset + found.end()

    def _answer_and_feedback(self, text: str, offset: int, text_format: str) -> tuple[str, str]:
        """Moodle's commentparser: ``answer # feedback`` (only the first # separates)."""
        answer, feedback, feedback_pos = _cut(text, offset, "#")
        answer_text = self._text(answer, text_format, offset)[0]
        feedback_text = self._text(feedback, text_format, feedback_pos)[0] if feedback is not None else ""
        return answer_text, feedback_text

    def _empty_answer(self, line: int, marker: str) -> None:
        self.error(line, _("Dòng {line}: đáp án rỗng sau '{marker}'").format(line=line, marker=marker))

    # -- question types ------------------------------------------------------------------------

    def _choices(self, inner: str, offset: int, text_format: str, single: bool,
                 open_line: int) -> list[dict[str, Any]]:
        parts = _split(inner, offset, "~=")
        lead, lead_pos = _lstrip(parts[0][1], parts[0][2])
        if lead:
            line = self.block.line_at(lead_pos)
            self.error(line, _(
                "Dòng {line}: văn bản '{text}' đứng trước đáp án đầu tiên; trong câu hỏi nhiều lựa chọn mỗi "
                "đáp án phải bắt đầu bằng '~' (sai) hoặc '=' (đúng)").format(line=line, text=_finish(lead)))
        options: list[dict[str, Any]] = []
        for marker, body, body_pos in parts[1:]:
            text, pos = _lstrip(body, body_pos)
            line = self.block.line_at(pos if text else body_pos - 1)
            fraction: float | None
            if marker == "=":
                fraction = 1.0
                if _WEIGHT_LIKE.match(text):
                    self.error(line, _(
                        "Dòng {line}: không dùng trọng số sau '=' (đáp án '=' luôn đúng 100%); "
                        "với điểm một phần hãy viết '~%50%…'").format(line=line))
                    continue
            else:
                fraction, text, pos = self._weight(text, pos, 0.0)
                if fraction is None:
                    continue
            answer, feedback = self._answer_and_feedback(text, pos, text_format)
            if not answer:
                self._empty_answer(line, marker)
                continue
            options.append({"text": answer, "fraction": fraction, "feedback": feedback})
        if len(parts) - 1 < 2:
            self.error(open_line, _(
                "Dòng {line}: câu hỏi nhiều lựa chọn cần ít nhất 2 đáp án").format(line=open_line))
        elif not single and len(options) == len(parts) - 1:
            positive = sum(o["fraction"] for o in options if o["fraction"] > 0)
            if positive == 0:
                self.error(open_line, _(
                    "Dòng {line}: câu hỏi nhiều lựa chọn không có đáp án đúng; đánh dấu đáp án đúng bằng '=' "
                    "hoặc cho các đáp án đúng trọng số dương, ví dụ '~%50%…'").format(line=open_line))
            elif round(positive, 2) != 1:
                self.error(open_line, _(
                    "Dòng {line}: câu hỏi nhiều đáp án đúng (không có '=') nhưng tổng trọng số dương là "
                    "{total}%, phải bằng 100%").format(line=open_line, total=_percent(positive)))
        return options

    def _short_answers(self, inner: str, offset: int, text_format: str,
                       open_line: int) -> list[dict[str, Any]]:
        parts = _split(inner, offset, "=")
        if not parts[0][1].strip():
            parts = parts[1:]  # Moodle drops an empty lead; a non-empty one is an answer.
        options: list[dict[str, Any]] = []
        for marker, body, body_pos in parts:
            text, pos = _lstrip(body, body_pos)
            line = self.block.line_at(pos if text else body_pos - 1)
            fraction, text, pos = self._weight(text, pos, 1.0)
            if fraction is None:
                continue
            answer, feedback = self._answer_and_feedback(text, pos, text_format)
            if not answer:
                self._empty_answer(line, marker or "{")
                continue
            if answer == "*" and fraction == 1.0:
                self.error(line, _(
                    "Dòng {line}: đáp án '*' được 100% điểm nghĩa là mọi câu trả lời đều đúng; với các câu trả "
                    "lời còn lại hãy viết '=%0%*#phản hồi'").format(line=line))
                continue
            options.append({"text": answer, "fraction": fraction, "feedback": feedback})
        if options and len(options) == len(parts) and not any(o["fraction"] == 1.0 for o in options):
            self.error(open_line, _(
                "Dòng {line}: không có đáp án nào được 100% điểm; ít nhất một đáp án phải đúng hoàn toàn "
                "(bỏ trọng số hoặc dùng %100%)").format(line=open_line))
        return options

    def _numeric(self, inner: str, offset: int, text_format: str, open_line: int) -> list[dict[str, Any]]:
        hash_at = inner.find("#")
        body, body_pos = inner[hash_at + 1:], offset + hash_at + 1
        body, wrong, wrong_pos = _cut(body, body_pos, "~")
        parts = _split(body, body_pos, "=")
        if not parts[0][1].strip():
            parts = parts[1:]
        ranges: list[dict[str, Any]] = []
        failed = False
        for marker, raw, raw_pos in parts:
            text, pos = _lstrip(raw, raw_pos)
            line = self.block.line_at(pos if text else raw_pos - 1)
            fraction, text, pos = self._weight(text, pos, 1.0)
            if fraction is None:
                failed = True
                continue
            answer, feedback = self._answer_and_feedback(text, pos, text_format)
            if not answer:
                self._empty_answer(line, marker or "#")
                failed = True
                continue
            value_tolerance = self._number_range(answer, line)
            if value_tolerance is None:
                failed = True
                continue
            value, tolerance = value_tolerance
            if value is None and fraction == 1.0:
                self.error(line, _(
                    "Dòng {line}: đáp án '*' được 100% điểm nghĩa là mọi câu trả lời đều đúng; phản hồi cho "
                    "các câu trả lời sai hãy viết '~#phản hồi'").format(line=line))
                failed = True
                continue
            ranges.append({"value": value, "tolerance": tolerance, "fraction": fraction, "feedback": feedback})
        if not parts:
            self.error(open_line, _(
                "Dòng {line}: câu hỏi số không có đáp án; viết ví dụ {{#1822}}, {{#1822:2}} hoặc "
                "{{#1820..1824}}").format(line=open_line))
        elif not failed and not any(r["fraction"] == 1.0 and r["value"] is not None for r in ranges):
            self.error(open_line, _(
                "Dòng {line}: không có đáp án nào được 100% điểm; ít nhất một đáp án phải đúng hoàn toàn "
                "(bỏ trọng số hoặc dùng %100%)").format(line=open_line))
        if wrong is not None:
            before, feedback_raw, feedback_pos = _cut(wrong, wrong_pos, "#")
            if before.strip():
                line = self.block.line_at(_lstrip(before, wrong_pos)[1])
                self.error(line, _(
                    "Dòng {line}: trong câu hỏi số, '~' chỉ dùng để ghi phản hồi cho mọi câu trả lời sai, "
                    "dạng '~#phản hồi'; không viết '{text}' sau '~'").format(line=line, text=_finish(before)))
            feedback = self._text(feedback_raw, text_format, feedback_pos)[0] if feedback_raw is not None else ""
            ranges.append({"value": None, "tolerance": 0.0, "fraction": 0.0, "feedback": feedback})
        return ranges

    def _number_range(self, answer: str, line: int) -> tuple[float | None, float] | None:
        """``v``, ``v:tolerance``, ``min..max`` or ``*`` -> (value or None, tolerance)."""
        if answer == "*":
            return None, 0.0

        def number(text: str) -> float | None:
            text = text.strip()
            if _NUMBER.fullmatch(text):
                return float(text)
            self.error(line, _(
                "Dòng {line}: '{text}' không phải là số. Câu hỏi số viết dạng {{#giá trị}}, {{#giá trị:sai số}} "
                "hoặc {{#nhỏ nhất..lớn nhất}}, dùng dấu chấm thập phân (ví dụ 3.14)").format(line=line, text=text))
            return None

        if answer.find("..") > 0:
            low_text, high_text = answer.split("..", 1)
            low, high = number(low_text), number(high_text)
            if low is None or high is None:
                return None
            if low > high:
                self.error(line, _(
                    "Dòng {line}: khoảng '{text}' có giá trị nhỏ nhất lớn hơn giá trị lớn nhất").format(
                        line=line, text=answer))
                return None
            value = (low + high) / 2
            return value, high - value
        if answer.find(":") > 0:
            value_text, tolerance_text = answer.split(":", 1)
            value, tolerance = number(value_text), number(tolerance_text)
            if value is None or tolerance is None:
                return None
            if tolerance < 0:
                self.error(line, _("Dòng {line}: sai số '{text}' không được âm").format(
                    line=line, text=tolerance_text.strip()))
                return None
            return value, tolerance
        value = number(answer)
        return None if value is None else (value, 0.0)

    def _pairs(self, inner: str, offset: int, text_format: str, open_line: int) -> list[dict[str, str]]:
        parts = _split(inner, offset, "=")
        if not parts[0][1].strip():
            parts = parts[1:]
        pairs: list[dict[str, str]] = []
        for _marker, body, body_pos in parts:
            text, pos = _lstrip(body, body_pos)
            line = self.block.line_at(pos if text else body_pos - 1)
            arrow = text.find("->")
            if arrow < 0:
                self.error(line, _(
                    "Dòng {line}: cặp ghép '{text}' thiếu '->' (viết '=câu hỏi -> câu trả lời')").format(
                        line=line, text=_finish(text)))
                continue
            if "#" in text:
                self.error(line, _(
                    "Dòng {line}: câu hỏi ghép đôi không có phản hồi riêng cho từng cặp; muốn viết ký tự '#' "
                    "hãy dùng \\#").format(line=line))
                continue
            prompt = self._text(text[:arrow], text_format, pos)[0]
            match = _finish(text[arrow + 2:])
            if not match:
                self.error(line, _("Dòng {line}: cặp ghép thiếu câu trả lời sau '->'").format(line=line))
                continue
            pairs.append({"prompt": prompt, "match": match})
        if sum(1 for p in pairs if p["prompt"]) < 2 and len(pairs) == len(parts):
            self.error(open_line, _(
                "Dòng {line}: câu hỏi ghép đôi cần ít nhất 2 cặp '=câu hỏi -> câu trả lời' có nội dung "
                "(cặp '= -> …' chỉ là đáp án gây nhiễu)").format(line=open_line))
        return pairs

    def _true_false(self, inner: str, offset: int, text_format: str) -> dict[str, Any]:
        word, rest, rest_pos = _cut(inner, offset, "#")
        answer = _TRUE_FALSE[word.strip()]
        wrong = right = ""
        if rest is not None:
            wrong_raw, right_raw, right_pos = _cut(rest, rest_pos, "#")
            # In {TRUE#a#b} the first feedback is for the wrong response, the second for the right one.
            wrong = self._text(wrong_raw, text_format, rest_pos)[0]
            if right_raw is not None:
                right = self._text(right_raw, text_format, right_pos)[0]
        if answer:
            return {"answer": True, "feedback_true": right, "feedback_false": wrong}
        return {"answer": False, "feedback_true": wrong, "feedback_false": right}


def parse_gift(text: str | bytes) -> ParseResult:
    """Read a GIFT file into questions (see ``docs/question-formats.md``); never raises on content."""
    lines, decoding_errors = split_lines(text, normalize=False)
    result = ParseResult("gift", errors=decoding_errors)
    reader = _Reader(result)
    for block in _blocks(lines):
        reader.read(block)
    result.errors.sort(key=lambda e: e["line"])
    return result


# -- writer -----------------------------------------------------------------------------------


# Text starting with these would be read back as a format, a weight, a comment or a byte-order mark.
_GUARDED = ("[", "%", "//", "\ufeff")


def _escape(text: str) -> str:
    return text.translate(_EXPORT_ESCAPES)


def _part(text: str, text_format: str) -> str:
    """An answer or feedback text, escaped; guarded text is prefixed with its (unchanged) format."""
    escaped = _escape(text)
    return f"[{text_format}]{escaped}" if text.startswith(_GUARDED) else escaped


def _number(value: float) -> str:
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _unrepresentable(question: Question, why: str) -> ValueError:
    label = question.get("name") or question.get("text", "")[:40]
    return ValueError(_("Không thể ghi câu hỏi '{label}' sang GIFT: {why}").format(label=label, why=why))


def _write_question(q: Question) -> str:
    qtype, fmt = q["type"], q.get("text_format") or "moodle"
    text = q["text"]
    head = f"::{_escape(q['name'])}::" if q.get("name") else ""
    if fmt != "moodle" or text.startswith(_GUARDED):
        head += f"[{fmt}]"
    head += _escape(text)
    gf = q.get("general_feedback") or ""
    general = "####" + _part(gf, fmt) if gf else ""

    if qtype == "description":
        if gf:
            raise _unrepresentable(q, _("GIFT không ghi được phản hồi chung cho phần mô tả"))
        return head + "\n"
    if qtype == "essay":
        return head + "{" + general + "}\n"
    if qtype == "true_false":
        # Moodle writes {TRUE#feedback for the wrong response#feedback for the right one}.
        right, wrong = q["feedback_true"], q["feedback_false"]
        if not q["answer"]:
            right, wrong = wrong, right
        out = head + "{" + ("TRUE" if q["answer"] else "FALSE")
        if wrong:
            out += "#" + _part(wrong, fmt)
        elif right:
            out += "#"
        if right:
            out += "#" + _part(right, fmt)
        return out + general + "}\n"

    lines: list[str] = []
    if qtype in ("single_choice", "multiple_response"):
        single = qtype == "single_choice"
        if single and all(o["fraction"] == 1.0 for o in q["options"]):
            raise _unrepresentable(q, _("câu một đáp án cần ít nhất một đáp án không đúng 100%"))
        for option in q["options"]:
            if single and option["fraction"] == 1.0:
                mark = "="
            elif option["fraction"] == 0:
                mark = "~"
            else:
                mark = f"~%{_percent(option['fraction'])}%"
            line = mark + _part(option["text"], fmt)
            if option["feedback"]:
                line += "#" + _part(option["feedback"], fmt)
            lines.append(line)
    elif qtype == "short_answer":
        options = q["options"]
        arrows = any("->" in o["text"] or "->" in o["feedback"] for o in options)
        if arrows and len(options) > 1:
            raise _unrepresentable(q, _("đáp án trả lời ngắn chứa '->' chỉ ghi được khi chỉ có một đáp án"))
        for option in options:
            # Without '=' a lone answer containing '->' is not mistaken for a matching pair.
            mark = "" if arrows else "="
            lines.append(f"{mark}%{_percent(option['fraction'])}%{_part(option['text'], fmt)}"
                         f"#{_part(option['feedback'], fmt)}")
    elif qtype == "numeric":
        ranges = q["ranges"]
        for index, r in enumerate(ranges):
            feedback = _part(r["feedback"], fmt)
            if r["value"] is None and r["fraction"] == 0 and index == len(ranges) - 1:
                lines.append("~#" + feedback)
            elif r["value"] is None:
                lines.append(f"=%{_percent(r['fraction'])}%*#{feedback}")
            else:
                lines.append(f"=%{_percent(r['fraction'])}%{_number(r['value'])}:{_number(r['tolerance'])}"
                             f"#{feedback}")
    elif qtype == "matching":
        for pair in q["pairs"]:
            if "->" in pair["prompt"]:
                raise _unrepresentable(q, _("vế trái của cặp ghép không được chứa '->'"))
            lines.append(f"={_part(pair['prompt'], fmt)} -> {_escape(pair['match'])}")
    else:
        raise _unrepresentable(q, _("loại câu hỏi không được hỗ trợ: {qtype}").format(qtype=qtype))
    body = "".join(f"\t{line}\n" for line in lines)
    return head + ("{#\n" if qtype == "numeric" else "{\n") + body + (f"\t{general}\n" if general else "") + "}\n"


def export_gift(questions: list[Question]) -> str:
    """Write questions (the JSON described in ``docs/question-formats.md``) as GIFT text.

    ``parse_gift(export_gift(qs))`` gives the same questions (apart from ``line``). A
    ``$CATEGORY:`` line is written whenever the category changes. Raises ``ValueError`` for the
    few things GIFT cannot express (for example general feedback on a description).
    """
    chunks: list[str] = []
    category: str | None = None
    for question in questions:
        wanted = question.get("category")
        if wanted and wanted != category:
            chunks.append(f"$CATEGORY: {_escape(wanted)}\n\n")
            category = wanted
        chunks.append(_write_question(question) + "\n")
    return "".join(chunks)
