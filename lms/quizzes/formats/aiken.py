"""Aiken: one-line multiple-choice questions with a single right answer. Reader and writer.

::

    Câu hỏi trên một dòng?
    A) Lựa chọn thứ nhất
    B. Lựa chọn thứ hai
    ANSWER: B

The reader follows Moodle's (``question/format/aiken/format.php``): lines shorter than two
characters are ignored, a line without a recognised prefix starts a new question, and a blank
line between questions is optional. Where Moodle would store nonsense (an ANSWER letter with no
matching choice, for instance) the reader reports an error; see ``docs/question-formats.md``.
"""
from __future__ import annotations

import html
import re
from typing import Any

from . import ParseResult, Question, _, split_lines

__all__ = ["parse_aiken", "export_aiken"]

_CHOICE = re.compile(r"[A-Z][).][ \t]?")
_ANSWER_VALUE = re.compile(r"([A-Z])[).]?")
_MAX_CHOICES = 26


def parse_aiken(text: str | bytes) -> ParseResult:
    """Read an Aiken file: each question becomes a ``single_choice`` question in plain text."""
    lines, decoding_errors = split_lines(text)
    result = ParseResult("aiken", errors=decoding_errors)
    current: dict[str, Any] | None = None

    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if len(line) < 2:
            continue
        if _CHOICE.match(line):
            if current is None:
                result.add_error(number, _(
                    "Dòng {line}: lựa chọn '{label}' nằm ngoài câu hỏi (phía trên chưa có dòng nội dung câu "
                    "hỏi)").format(line=number, label=line[0]))
                continue
            _add_choice(current, line, number)
        elif line.startswith("ANSWER:"):
            if current is None:
                result.add_error(number, _(
                    "Dòng {line}: dòng 'ANSWER:' nằm ngoài câu hỏi (phía trên chưa có dòng nội dung câu "
                    "hỏi)").format(line=number))
                continue
            _finish_question(result, current, line[len("ANSWER:"):].strip(), number)
            current = None
        else:
            if current is not None:
                hint = ""
                if not current["options"]:
                    hint = _(" Nội dung câu hỏi Aiken phải nằm trên một dòng.")
                result.add_error(number, _(
                    "Dòng {line}: câu hỏi bắt đầu ở dòng {start} chưa có dòng 'ANSWER: …' thì câu hỏi mới đã "
                    "bắt đầu; thêm dòng 'ANSWER: …' sau các lựa chọn của câu hỏi ở dòng {start}.").format(
                        line=number, start=current["line"]) + hint)
            current = {"line": number, "last": number, "text": line, "options": [], "errors": []}

    if current is not None:
        result.add_error(current["last"], _(
            "Dòng {line}: câu hỏi bắt đầu ở dòng {start} thiếu dòng 'ANSWER: …' ở cuối").format(
                line=current["last"], start=current["line"]))
    result.errors.sort(key=lambda e: e["line"])
    return result


def _add_choice(current: dict[str, Any], line: str, number: int) -> None:
    current["last"] = number
    label, expected = line[0], chr(ord("A") + len(current["options"]))
    if label != expected:
        current["errors"].append((number, _(
            "Dòng {line}: nhãn lựa chọn '{label}' không đúng thứ tự; ở đây phải là '{expected}'").format(
                line=number, label=label, expected=expected)))
    text = line[2:].strip()
    if not text:
        current["errors"].append((number, _("Dòng {line}: lựa chọn '{label}' không có nội dung").format(
            line=number, label=label)))
    current["options"].append({"text": text, "fraction": 0.0, "feedback": ""})


def _finish_question(result: ParseResult, current: dict[str, Any], value: str, number: int) -> None:
    options = current["options"]
    errors: list[tuple[int, str]] = current["errors"]
    if len(options) < 2:
        errors.append((number, _(
            "Dòng {line}: câu hỏi bắt đầu ở dòng {start} cần ít nhất 2 lựa chọn (A, B, …)").format(
                line=number, start=current["line"])))
    else:
        found = _ANSWER_VALUE.fullmatch(value)
        index = ord(found.group(1)) - ord("A") if found else -1
        if not 0 <= index < len(options):
            errors.append((number, _(
                "Dòng {line}: đáp án '{value}' không khớp lựa chọn nào; viết 'ANSWER: ' và một chữ cái in hoa "
                "từ A đến {last}").format(line=number, value=value, last=chr(ord("A") + len(options) - 1))))
        else:
            options[index]["fraction"] = 1.0
    if errors:
        for line, message in errors:
            result.add_error(line, message)
        return
    result.questions.append({
        "type": "single_choice",
        "name": None,
        "text": current["text"],
        "text_format": "plain",
        "category": None,
        "general_feedback": "",
        "options": options,
        "line": current["line"],
    })


_BREAKS = re.compile(r"<\s*(?:br|/?p|/?div|/?li|/?h[1-6]|/?tr)\b[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")


def _one_line(text: str, text_format: str) -> str:
    """Plain text on one line, as Moodle's exporter writes it (HTML converted to text)."""
    if text_format == "html":
        text = html.unescape(_TAGS.sub("", _BREAKS.sub(" ", text)))
    return _SPACES.sub(" ", text).strip()


def export_aiken(questions: list[Question]) -> str:
    """Write the questions Aiken can express as Aiken text; the others are skipped, as in Moodle.

    Only ``single_choice`` questions with 2 to 26 options and exactly one fully right option are
    written; text is flattened to one plain line. Questions whose text would be read back as a
    choice or ANSWER line are skipped as well.
    """
    out: list[str] = []
    for q in questions:
        options = q.get("options") or []
        if q.get("type") != "single_choice" or not 2 <= len(options) <= _MAX_CHOICES:
            continue
        right = [i for i, o in enumerate(options) if o["fraction"] == 1.0]
        fmt = q.get("text_format") or "plain"
        text = _one_line(q["text"], fmt)
        choices = [_one_line(o["text"], fmt) for o in options]
        if len(right) != 1 or len(text) < 2 or _CHOICE.match(text) or text.startswith("ANSWER:") \
                or not all(choices):
            continue
        lines = [text]
        lines += [f"{chr(ord('A') + i)}) {choice}" for i, choice in enumerate(choices)]
        lines.append(f"ANSWER: {chr(ord('A') + right[0])}")
        out.append("\n".join(lines) + "\n\n")
    return "".join(out)
