"""Check the English catalogue: every message translated, nothing fuzzy, placeholders kept.

Usage: python scripts/translations_check.py [--source]

With ``--source`` it also extracts the messages from the current source (as babel.cfg does) and
reports any that are missing from the catalogue, i.e. strings added since the last ``pybabel update``.
Exits non-zero when a problem is found.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "lms" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHOD_MAP = [
    ("lms/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("lms/**/templates/**.html", "jinja2"),
]

NAMED = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
BRACES = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")


def placeholders(text: str) -> tuple[list[str], list[str]]:
    """(sorted ``%(name)s`` conversions and ``%%``, sorted ``{name}`` fields) of a message."""
    named = NAMED.findall(text)
    percent = sorted([f"%({name})" for name in named] + ["%%"] * NAMED.sub("", text).count("%%"))
    braces = sorted(BRACES.findall(text.replace("{{", "").replace("}}", "")))
    return percent, braces


def load(path: Path = CATALOGUE):
    with open(path, "rb") as f:
        return read_po(f, locale="en")


def catalogue_problems(catalog) -> list[str]:
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        label = ids[0]
        if message.fuzzy:
            problems.append(f"fuzzy: {label!r}")
        if not all(strings):
            problems.append(f"untranslated: {label!r}")
            continue
        expected = placeholders(ids[-1])  # for plurals: the msgid_plural, which names every placeholder
        for form, string in enumerate(strings):
            got = placeholders(string)
            if len(ids) > 1 and form == 0:  # a singular form may leave out the number
                ok = set(got[0]) <= set(expected[0]) and set(got[1]) <= set(expected[1])
            else:
                ok = got == expected
            if not ok:
                problems.append(f"placeholders differ: {label!r} → {string!r}")
            if string[:1].isspace() != ids[0][:1].isspace() or string[-1:].isspace() != ids[0][-1:].isspace():
                problems.append(f"leading/trailing space differs: {label!r} → {string!r}")
    return problems


def source_messages() -> dict[str, str]:
    """Every msgid in the current source, with one place it comes from."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True,
    ):
        ids = message if isinstance(message, (list, tuple)) else (message,)
        if ids[0]:
            found.setdefault(ids[0], f"{filename}:{lineno}")
    return found


def main(argv: list[str]) -> int:
    catalog = load()
    problems = catalogue_problems(catalog)
    if "--source" in argv:
        known = {m.id[0] if isinstance(m.id, (list, tuple)) else m.id for m in catalog if m.id}
        for msgid, where in sorted(source_messages().items(), key=lambda kv: kv[1]):
            if msgid not in known:
                problems.append(f"not in catalogue: {where}: {msgid!r}")
    entries = sum(1 for m in catalog if m.id)
    for problem in problems:
        print(problem)
    print(f"{entries} entries, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
