"""Languages (Vietnamese first, English second) and Vietnamese number and date formatting."""
from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import Babel, get_locale, get_translations, ngettext  # noqa: F401 (re-exported)
from flask_babel.speaklater import LazyString
from flask_login import current_user

from lms import ROOT
from lms.core.text import fold, nfc

babel = Babel()


def translations():
    """The current language's catalogue, looked up once per request and language.

    Flask-Babel looks it up again at every message (the request's locale, its name, a dictionary),
    which came to about a seventh of a learner page's CPU over its ~30 messages. The catalogue is
    remembered beside Flask-Babel's own locale (``g._flask_babel.babel_locale``), so ``force_locale``
    and ``refresh`` — which replace that locale — are obeyed at once.
    """
    if not has_app_context():
        return get_translations()
    state = g.get("_flask_babel")
    remembered = getattr(state, "lms_translations", None)
    if remembered is not None and remembered[0] is getattr(state, "babel_locale", None):
        return remembered[1]
    catalogue = get_translations()  # makes g._flask_babel and sets its babel_locale
    g._flask_babel.lms_translations = (g._flask_babel.babel_locale, catalogue)
    return catalogue


def gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext`` through :func:`translations`."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables) -> LazyString:
    """:func:`gettext` when the text is used (form labels, messages defined at import time)."""
    return LazyString(gettext, string, **variables)


def pgettext(context: str, string: str, **variables) -> str:
    """:func:`gettext` of a message whose English depends on where it is used (``context``): "Cán bộ" is
    "Cadres" as a list and "Cadre" as one person's role."""
    text = translations().upgettext(context, string)
    return text % variables if variables else text


def lazy_pgettext(context: str, string: str, **variables) -> LazyString:
    """:func:`pgettext` when the text is used."""
    return LazyString(pgettext, context, string, **variables)


_ = gettext
_l = lazy_gettext


def select_locale() -> str:
    if not has_request_context():  # command line: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _separators() -> tuple[str, str]:
    """(thousands, decimal) separators for the current language."""
    try:
        lang = str(get_locale() or "vi")
    except Exception:  # outside a request
        lang = "vi"
    return (",", ".") if lang.startswith("en") else (".", ",")


def format_typed_number(value: float | int | Decimal | None) -> str:
    """A number as a learner types it: every decimal kept, no thousands separator, the language's
    decimal mark (1929 → "1929", 3.14159 → "3,14159"; in English "3.14159")."""
    if value is None:
        return "–"
    text = f"{Decimal(str(value)).normalize():f}"
    return text.replace(".", _separators()[1])


def format_number(value: float | int | Decimal | None, decimals: int = 0) -> str:
    """2701 → "2.701"; 98.48, 1 → "98,5" (in English: 2,701 and 98.5)."""
    if value is None:
        return "–"
    quantum = Decimal(1).scaleb(-decimals)
    number = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    thousands, decimal = _separators()
    sign = "-" if number < 0 else ""
    integer, _, fraction = f"{abs(number):f}".partition(".")
    groups = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    text = sign + thousands.join(groups)
    return f"{text}{decimal}{fraction}" if decimals else text


def format_percent(part: float | int, whole: float | int, decimals: int = 1) -> str:
    """A share as "98,5%"; "–" when the whole is zero."""
    if not whole:
        return "–"
    return format_number(Decimal(part) * 100 / Decimal(whole), decimals) + "%"


def format_date(value: dt.date | dt.datetime | None) -> str:
    """05/03/2026 in every language (the Vietnamese convention). A moment (a stored ``*_at``, in UTC) is
    the day it falls on in Vietnam: a course completed at 05:48 on 08/03 is not "07/03"."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        from lms.core.clock import local_date

        value = local_date(value)
    return value.strftime("%d/%m/%Y")


def format_datetime(value: dt.datetime | None) -> str:
    """05/03/2026 14:05 in Vietnam's time zone, 24-hour clock."""
    if value is None:
        return ""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return value.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def request_gettext(message: str) -> str:
    """``message`` in the request's language; outside a request (the command line), as written."""
    return translations().ugettext(message) if has_request_context() else message


def local_name(obj) -> str:
    """A reference-data row's name in the current language: ``name_en`` in English when it is filled."""
    if obj is None:
        return ""
    return local_text(obj.name, getattr(obj, "name_en", ""))


#: The usual results of a course or class, stored in Vietnamese as typed (a result is free text):
#: shown in the page's language when they are one of these, as stored otherwise.
RESULT_WORDS = {
    "Đạt": lazy_gettext("Đạt"), "Không đạt": lazy_gettext("Không đạt"), "Giỏi": lazy_gettext("Giỏi"),
    "Khá": lazy_gettext("Khá"), "Trung bình": lazy_gettext("Trung bình"), "Xuất sắc": lazy_gettext("Xuất sắc"),
}


#: A score typed as a result: "8", "8,5", "8.5", with or without its unit ("8 điểm", "8,5 diem",
#: "8.5 points"); a score is out of 10 or 100, so at most three digits before the decimal mark.
_SCORE = re.compile(r"(\d{1,3})(?:[.,](\d{1,2}))?(?:\s*(?:diem|d|points?|pts?))?")


def result_score(text: str) -> Decimal | None:
    """The number of a result that is a score ("8,5 điểm" → 8.5), else None ("Đạt", "Khá")."""
    found = _SCORE.fullmatch(" ".join(fold(text).split()))
    if found is None:
        return None
    return Decimal(found.group(1) + ("." + found.group(2) if found.group(2) else ""))


def stored_result(typed: str | None) -> str:
    """A typed result as it is stored and printed: one of :data:`RESULT_WORDS` when it is one, whatever the
    accents, case or spaces ("dat", "KHÔNG  ĐẠT" → "Đạt", "Không đạt"), since a phone keyboard often has no
    Vietnamese letters; a score with its unit, in Vietnamese ("8.5" → "8,5 điểm": a certificate prints the
    stored result, and a bare "8" reads as nothing); any other result as typed (trimmed)."""
    text = nfc(typed or "").strip()
    folded = " ".join(fold(text).split())
    score = result_score(text)
    if score is not None:
        return f"{score.normalize():f}".replace(".", ",") + " điểm"
    return next((word for word in RESULT_WORDS if fold(word) == folded), text)


def local_result(result: str | None) -> str:
    """A stored result ("Đạt", "Khá"…) in the page's language, a score with its unit and the language's
    decimal mark ("8,5 điểm", "8.5 points"; also one stored bare, "8", before scores were stored with
    their unit); other results as they were typed."""
    if not result:
        return ""
    score = result_score(result)
    if score is not None:
        return gettext("%(n)s điểm", n=format_typed_number(score))
    word = RESULT_WORDS.get(result.strip())
    return str(word) if word is not None else result


def local_text(name: str, name_en: str | None) -> str:
    """``name_en`` in English when it is filled, else ``name`` (reference data read as columns)."""
    try:
        english = str(get_locale() or "vi").startswith("en")
    except Exception:
        english = False
    return (name_en or name) if english else name


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "lms" / "translations"),
    )
    app.jinja_env.install_gettext_callables(  # Flask-Babel's own, through translations()
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.filters["num"] = format_number
    app.jinja_env.filters["typed_number"] = format_typed_number
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["local_name"] = local_name
    app.jinja_env.filters["result"] = local_result
    app.jinja_env.globals["result_words"] = tuple(RESULT_WORDS)  # a class's results, stored in Vietnamese
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.globals["percent"] = format_percent
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.add_extension("jinja2.ext.i18n")
    _ = request  # keep the import: locale selection runs inside requests
