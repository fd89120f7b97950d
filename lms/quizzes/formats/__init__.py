"""Question interchange formats (GIFT and Aiken): readers, writers and the shared result type.

This package is pure Python on purpose: it imports nothing from Flask or the rest of ``lms``, so
the command line (``lms questions parse FILE``), the browser import preview and the course-package
import can all use it. The JSON it produces is described in ``docs/question-formats.md``.

Error messages are shown to trainers, so they are Vietnamese and carry the 1-based line number of
the original file. Each message is wrapped in :func:`_` so it can later be routed to gettext.
"""
from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = [
    "FORMATS",
    "ParseResult",
    "detect_format",
    "parse",
    "parse_gift",
    "export_gift",
    "parse_aiken",
    "export_aiken",
]

FORMATS: tuple[str, ...] = ("gift", "aiken")

Question = dict[str, Any]


_translate: Callable[[str], str] | None = None


def use_translator(translate: Callable[[str], str] | None) -> None:
    """Route the readers' messages through ``translate``. The web app passes its gettext, so a page in
    English lists a file's errors in English; without one (the readers used on their own) they stay as
    written, in Vietnamese, as the command line's JSON output documents. This package imports nothing
    of the app."""
    global _translate
    _translate = translate


def _(s: str) -> str:
    """A user-facing message, translated when a translator is set (the readers fill ``{line}`` and the
    other fields afterwards with ``str.format``)."""
    return _translate(s) if _translate is not None else s


@dataclass
class ParseResult:
    """What a reader returns: the questions it understood and the errors it found.

    ``questions`` holds only valid questions; a question with any error is left out and its
    errors are listed instead, and the rest of the file is still read.
    """

    format: str
    questions: list[Question] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file had no errors at all."""
        return not self.errors

    def add_error(self, line: int, message: str) -> None:
        """Record an error; ``message`` is already translated and starts with "Dòng N:"."""
        self.errors.append({"line": line, "message": message})

    def to_json(self) -> dict[str, Any]:
        """The public JSON object: ``{"format", "questions", "errors"}`` (a deep copy)."""
        return {
            "format": self.format,
            "questions": copy.deepcopy(self.questions),
            "errors": sorted(copy.deepcopy(self.errors), key=lambda e: e["line"]),
        }


# Unicode noncharacters U+FDD0..U+FDEF are reserved for internal use and never appear in
# interchange text; the GIFT reader uses some as placeholders for escaped characters, so any
# that arrive in a file are replaced first.
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")


def clean_text(s: str) -> str:
    """Normalise text for storage: Unicode NFC, and "Ð" (U+00D0, Icelandic eth) to "Đ" (U+0110).

    Vietnamese text typed with some legacy keyboards or converted from TCVN3/VNI fonts carries
    the look-alike eth; search and sorting only work with the real Vietnamese letter.
    """
    return unicodedata.normalize("NFC", s).replace("\u00d0", "\u0110")


def split_lines(text: str | bytes, *, normalize: bool = True) -> tuple[list[str], list[dict[str, Any]]]:
    """Decode a whole file into lines (no line endings), plus any decoding errors.

    Accepts ``str`` or UTF-8 ``bytes``; drops a UTF-8 byte-order mark; treats CRLF and lone CR
    as line ends; applies :func:`clean_text` unless ``normalize`` is false (the GIFT reader
    normalises each line itself, after its escapes are resolved). Undecodable bytes become
    U+FFFD and are reported once, with the line where the first one is.
    """
    errors: list[dict[str, Any]] = []
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = text.count(b"\n", 0, exc.start) + 1
            errors.append({
                "line": line,
                "message": _("Dòng {line}: tệp không phải văn bản UTF-8 (byte không hợp lệ); "
                             "hãy lưu lại tệp với mã UTF-8").format(line=line),
            })
            text = text.decode("utf-8-sig", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    text = _NONCHARACTERS.sub("\ufffd", clean_text(text) if normalize else text)
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), errors


_AIKEN_ANSWER = re.compile(r"^ANSWER:\s*[A-Z]", re.MULTILINE)
_AIKEN_CHOICE = re.compile(r"^[A-Z][).]", re.MULTILINE)


def decode_file(data: bytes) -> tuple[str, str]:
    """The text of an uploaded question file and the encoding it was read in: UTF-8 (with or without a
    BOM), UTF-16 with a BOM (Notepad's "Unicode"), else Windows-1258, the code page Word and Notepad use
    on Vietnamese Windows (the caller says so, for the trainer to check the preview). NFC either way.
    Raises ``ValueError`` for a file that is not text (NUL bytes: a .docx, a picture)."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return unicodedata.normalize("NFC", data[len(bom):].decode(encoding, errors="strict")), encoding
    if b"\x00" in data[:4096]:
        raise ValueError(_("Tệp không phải văn bản (GIFT hoặc Aiken là tệp .txt). Hãy lưu câu hỏi dưới dạng văn bản UTF-8."))
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        return unicodedata.normalize("NFC", data.decode("cp1258", errors="replace")), "cp1258"


def detect_format(text: str | bytes, filename: str | None = None) -> str:
    """Guess the format of a question file: ``"gift"`` or ``"aiken"``.

    The file extension decides when it is ``.gift`` or ``.aiken``; otherwise the content does:
    ``ANSWER: X`` lines with ``A)``/``A.`` choice lines and no ``{`` mean Aiken. GIFT is the
    default, since its reader reports precise errors for anything it does not understand.
    """
    if filename:
        lower = filename.lower()
        for name in FORMATS:
            if lower.endswith("." + name):
                return name
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    lines = "\n".join(line.strip() for line in text.splitlines())
    if _AIKEN_ANSWER.search(lines) and _AIKEN_CHOICE.search(lines) and "{" not in lines:
        return "aiken"
    return "gift"


def parse(text: str | bytes, format: str) -> ParseResult:  # noqa: A002 - public name fixed by the CLI
    """Read a whole question file in ``format`` (``"gift"`` or ``"aiken"``).

    Never raises on bad content: problems are returned in ``ParseResult.errors``.
    Raises ``ValueError`` only for an unknown ``format``.
    """
    name = format.strip().lower()
    if name == "gift":
        return parse_gift(text)
    if name == "aiken":
        return parse_aiken(text)
    raise ValueError(_("Định dạng câu hỏi không được hỗ trợ: {name} (chỉ có gift, aiken)").format(name=format))


# The readers import the helpers above, so they are imported last.
from .aiken import export_aiken, parse_aiken  # noqa: E402
from .gift import export_gift, parse_gift  # noqa: E402
