"""Vietnamese text: normalising to NFC, accent-insensitive search keys, sorting names by given name."""
from __future__ import annotations

import re
import unicodedata

_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})  # Ð ð (Icelandic eth) → Đ đ
_SPACES = re.compile(r"\s+")


# An e-mail address as a contact field needs it: one @, a dot in the domain, no spaces.
EMAIL_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def nfc(value: str | None) -> str:
    """NFC-normalise, replace look-alike letters, collapse white space and trim."""
    if value is None:
        return ""
    value = unicodedata.normalize("NFC", value).translate(_LOOKALIKES)
    return _SPACES.sub(" ", value).strip()


def fold(value: str | None) -> str:
    """The search key: no diacritics, đ→d, lower case, single spaces ("Nguyễn Văn Đạt" → "nguyen van dat")."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFD", nfc(value))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d").replace("Đ", "D").lower()


def search_terms(column, text: str | None) -> list:
    """WHERE clauses matching ``text`` against a folded ``search_key`` column: every word of it, in any order,
    accent- and case-insensitively ("kiem tra tai chinh" finds "Công tác kiểm tra, giám sát và tài chính");
    ``%`` and ``_`` are literal. No words: no clause."""
    return [column.contains(word, autoescape=True) for word in fold(text).split()]


def split_name(full_name: str) -> tuple[str, str, str]:
    """(family, middle, given) of a Vietnamese full name written family–middle–given."""
    words = nfc(full_name).split(" ")
    if len(words) == 1:
        return "", "", words[0]
    return words[0], " ".join(words[1:-1]), words[-1]


# Vietnamese alphabetical order: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y,
# then tones (none, huyền, hỏi, ngã, sắc, nặng) as a secondary difference.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_MODIFIERS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn belong to the letter


def _word_key(word: str) -> tuple[str, str]:
    primary: list[str] = []
    tones: list[str] = []
    for ch in nfc(word).lower():
        parts = unicodedata.normalize("NFD", ch)
        base = "".join(c for c in parts if unicodedata.category(c) != "Mn" or c in _MODIFIERS)
        base = unicodedata.normalize("NFC", base)
        tone = next((_TONES[c] for c in parts if c in _TONES), 0)
        rank = _LETTER_RANK.get(base)
        primary.append(chr(0x100 + rank) if rank is not None else base)
        tones.append(str(tone))
    return "".join(primary), "".join(tones)


def text_sort_key(text: str) -> str:
    """A string that sorts a name of a thing (a unit, a course) in Vietnamese alphabetical order, word
    by word as written."""
    keys = [_word_key(w) for w in nfc(text).split(" ") if w]
    return " ".join(k[0] for k in keys) + "\u0001" + "".join(k[1] for k in keys)


def name_sort_key(full_name: str) -> str:
    """A string that sorts names by given name, then middle name, then family name, Vietnamese order."""
    family, middle, given = split_name(full_name)
    keys = [_word_key(w) for w in [given, *middle.split(" "), family] if w]
    primary = " ".join(k[0] for k in keys)
    secondary = "".join(k[1] for k in keys)
    return f"{primary}\u0001{secondary}"
