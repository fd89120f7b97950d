"""The English catalogue: complete, compilable, placeholders kept, in step with the source; pages in English.

A string added to the source without ``make translations`` and an English translation fails
``test_every_source_message_is_in_the_english_catalogue``.
"""
from __future__ import annotations

import gettext
import html
import re

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from lms import ROOT
from lms.core.db import db

TRANSLATIONS = ROOT / "lms" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"
# The keywords of `make translations` (pybabel's defaults plus -k _l -k lazy_gettext -k lazy_pgettext:1c,2) and babel.cfg's mapping.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2)}
SOURCES = (
    (ROOT / "lms", [("**.py", "python"), ("**/templates/**.html", "jinja2")]),
    (ROOT / "templates", [("**.html", "jinja2")]),
)

NAMED = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
BRACES = re.compile(r"\{(\w*)\}")


def placeholders(text: str) -> tuple[list[str], int, list[str]]:
    """The ``%(name)s`` names, the number of ``%%`` and the ``{name}`` fields of a message."""
    named = sorted(NAMED.findall(text))
    doubled = NAMED.sub("", text).count("%%")
    fields = sorted(BRACES.findall(text.replace("{{", "").replace("}}", "")))
    return named, doubled, fields


def _ids(message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (list, tuple)) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, (list, tuple)) else (message.string,)


@pytest.fixture(scope="module")
def catalog():
    with open(PO, "rb") as f:
        return read_po(f, locale="en")


@pytest.fixture(scope="module")
def messages(catalog):
    return [m for m in catalog if m.id]


def test_catalogue_header(catalog):
    assert str(catalog.locale) == "en"
    assert catalog.plural_forms == "nplurals=2; plural=(n != 1);"
    assert catalog.charset.lower() == "utf-8"
    assert not catalog.fuzzy


def test_every_message_is_translated_and_not_fuzzy(messages):
    assert len(messages) > 500
    untranslated = [_ids(m)[0] for m in messages if not all(_strings(m))]
    fuzzy = [_ids(m)[0] for m in messages if m.fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy: {fuzzy[:10]}"


def test_plural_entries_have_both_forms(messages):
    for m in messages:
        if m.pluralizable:
            assert len(_strings(m)) == 2 and all(_strings(m)), _ids(m)[0]


def test_placeholders_are_kept(messages):
    wrong = []
    for m in messages:
        ids = _ids(m)
        expected = placeholders(ids[-1])
        for form, string in enumerate(_strings(m)):
            got = placeholders(string)
            if len(ids) > 1 and form == 0:  # a singular may leave out the number
                ok = set(got[0]) <= set(expected[0]) and got[1:] == expected[1:]
            else:
                ok = got == expected
            if not ok:
                wrong.append((ids[0], string))
    assert not wrong, wrong[:10]


def test_leading_and_trailing_spaces_are_kept(messages):
    for m in messages:
        source = _ids(m)[0]
        for string in _strings(m):
            assert string[:1].isspace() == source[:1].isspace(), source
            assert string[-1:].isspace() == source[-1:].isspace(), source


def test_catalogue_compiles_and_loads(catalog, tmp_path):
    target = tmp_path / "messages.mo"
    with open(target, "wb") as f:
        write_mo(f, catalog)
    with open(target, "rb") as f:
        translations = gettext.GNUTranslations(f)
    assert translations.gettext("Đăng nhập") == "Log in"
    assert translations.gettext("Tên đăng nhập") == "Username"


def test_shipped_mo_matches_the_po(catalog):
    """The app reads messages.mo: it must be compiled from the current messages.po."""
    assert MO.exists(), "run: .venv/bin/pybabel compile -d lms/translations"
    with open(MO, "rb") as f:
        compiled = read_mo(f)
    # babel's read_mo gives a context as bytes: key both sides by (context as text, first msgid)
    shipped = {(m.context.decode() if isinstance(m.context, bytes) else m.context, _ids(m)[0]): _strings(m)
               for m in compiled if m.id}
    stale = [_ids(m)[0] for m in catalog if m.id and shipped.get((m.context, _ids(m)[0])) != _strings(m)]
    assert not stale, f"messages.mo is out of date ({len(stale)} messages), run pybabel compile: {stale[:5]}"


def source_messages() -> dict[tuple[str | None, str], str]:
    """(context, msgid) of every message in the source → where it is first used."""
    found: dict[tuple[str | None, str], str] = {}
    for directory, method_map in SOURCES:
        for filename, lineno, message, _comments, context in extract_from_dir(
            str(directory), method_map, keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True,
        ):
            msgid = message[0] if isinstance(message, (list, tuple)) else message
            if msgid:
                found.setdefault((context, msgid), f"{directory.name}/{filename}:{lineno}")
    return found


def test_every_source_message_is_in_the_english_catalogue(catalog):
    found = source_messages()
    assert len(found) > 500
    translated = {(m.context, _ids(m)[0]) for m in catalog if m.id and all(_strings(m))}
    missing = sorted((where, key[1]) for key, where in found.items() if key not in translated)
    assert not missing, (
        f"{len(missing)} messages have no English translation (run `make translations`, then translate "
        f"lms/translations/en/LC_MESSAGES/messages.po and compile): {missing[:10]}"
    )


# -- pages --------------------------------------------------------------------------------------

def _visible_texts(body: str) -> set[str]:
    """The text nodes and the human-readable attributes of a page, unescaped and with spaces collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S)
    texts = re.findall(r">([^<]+)<", body)
    texts += re.findall(r'\s(?:aria-label|placeholder|title|alt)="([^"]*)"', body)
    return {re.sub(r"\s+", " ", html.unescape(t)).strip() for t in texts} - {""}


def _vietnamese_ui_texts(body: str, catalog, data: tuple[str, ...] = ()) -> list[str]:
    """Pieces of the page that still hold a Vietnamese message of the catalogue (data names taken out)."""
    vietnamese = [m.id for m in catalog if m.id and isinstance(m.id, str) and m.string != m.id and "%" not in m.id]
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(v)}(?!\w)" for v in sorted(vietnamese, key=len, reverse=True)))
    found = []
    for text in _visible_texts(body):
        for name in data:
            text = text.replace(name, " ")
        found += pattern.findall(text)
    return sorted(set(found))


def test_login_page_in_english(client, catalog):
    client.post("/language", data={"lang": "en"})
    body = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in body
    texts = _visible_texts(body)
    for english in ("Log in", "Username", "Password", "Skip to main content"):
        assert english in texts, english
    for vietnamese in ("Đăng nhập", "Tên đăng nhập", "Mật khẩu"):
        assert vietnamese not in texts, vietnamese
    assert not _vietnamese_ui_texts(body, catalog)


def test_admin_home_page_in_english(client, auth, province, catalog):
    auth.login("admin")
    client.post("/language", data={"lang": "en"})
    body = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in body
    texts = _visible_texts(body)
    for english in ("Home", "Log out", "admin", "Hello, admin", "Overview", "Unit tree", "Cadre list", "Cadres"):
        assert english in texts, english
    for vietnamese in ("Trang chủ", "Đăng xuất", "Tổng quan", "Cây đơn vị"):
        assert vietnamese not in texts, vietnamese
    assert not _vietnamese_ui_texts(body, catalog)


def test_lists_are_named_in_the_plural_in_english(client, auth, province):
    """"Khóa học" and "Giấy chứng nhận" are one word for one or many in Vietnamese; where they name a
    list (the menu, the catalogue, its breadcrumb) English says "Courses" and "Certificates"."""
    auth.login("cadre")
    home = _visible_texts(client.get("/").get_data(as_text=True))
    assert "Khóa học" in home and "Giấy chứng nhận" in home
    client.post("/language", data={"lang": "en"})
    home = _visible_texts(client.get("/").get_data(as_text=True))
    assert "Courses" in home and "Certificates" in home
    assert "Course" not in home and "Certificate" not in home
    catalogue = client.get("/learn/").get_data(as_text=True)
    assert "<title>Courses ·" in catalogue and "<h1>Courses</h1>" in catalogue
    # the admin's lists too ("Đơn vị", "Lớp tập huấn": "Unit" and "Training class" named them)
    auth.logout()
    auth.login("admin")
    client.post("/language", data={"lang": "en"})
    menu = _visible_texts(client.get("/").get_data(as_text=True))
    assert "Units" in menu and "Training classes" in menu
    units = client.get("/units/").get_data(as_text=True)
    assert "<title>Units ·" in units and "<h1>Units</h1>" in units
    assert "<title>Training classes ·" in client.get("/classes/").get_data(as_text=True)


def test_language_chosen_before_login_survives_login(client, auth, province):
    client.post("/language", data={"lang": "en"})
    auth.login("admin")
    assert "Log out" in _visible_texts(client.get("/").get_data(as_text=True))


def test_the_remembered_catalogue_follows_force_locale_and_refresh(app):
    """lms.core.i18n.translations() looks the catalogue up once per request and language: a language
    forced for an e-mail, or changed with refresh(), takes effect at once, in Python and in templates."""
    from flask import render_template_string, session
    from flask_babel import force_locale, refresh

    from lms.core.i18n import _

    message = "Vui lòng đăng nhập để tiếp tục."
    template = "{{ _('Vui lòng đăng nhập để tiếp tục.') }}"
    with app.test_request_context("/"):
        assert _(message) == message
        assert render_template_string(template) == message
        with force_locale("en"):
            assert _(message) == "Please log in to continue."
            assert render_template_string(template) == "Please log in to continue."
        assert _(message) == message
        assert render_template_string(template) == message
        session["lang"] = "en"
        refresh()
        assert _(message) == "Please log in to continue."
        assert render_template_string(template) == "Please log in to continue."
    with app.app_context():  # a command: the default language
        assert _(message) == message
    assert _(message) == message  # no application at all: the source text


def test_reference_data_is_named_in_english(client, auth, province):
    """Tracks, unit levels, education and political-theory levels are data with an English name: pages in
    English show it (the report tables, the course pages, the authoring pages, the cadre form)."""
    from lms.courses import operations as ops

    course = ops.create_course("THUONG-LUONG", ops.CourseMeta("Thương lượng", "Mô tả", ["business", "public"]),
                               province["users"]["trainer"])
    version = ops.latest(course)
    ops.add_module(version, ops.ModuleData("Chung", "Nội dung", 5, key="01-chung"))
    ops.add_module(version, ops.ModuleData("Doanh nghiệp", "Nội dung", 10, ["business"], key="02-sxkd"))
    ops.publish(version)
    db.session.commit()

    auth.login("admin")
    client.post("/language", data={"lang": "en"})
    overview = _visible_texts(client.get("/reports/overview").get_data(as_text=True))
    assert {"Grassroots union", "Upper secondary"} <= overview
    assert not {"Công đoàn cơ sở", "Trung học phổ thông"} & overview
    form = _visible_texts(client.get("/cadres/new").get_data(as_text=True))
    assert {"Business and production", "Upper secondary"} <= form
    assert "Sản xuất kinh doanh" not in form
    auth.logout()

    auth.login("trainer")
    client.post("/language", data={"lang": "en"})
    authoring = _visible_texts(client.get(f"/author/courses/{course.id}").get_data(as_text=True))
    assert any("Business and production" in text for text in authoring)
    assert not any("Sản xuất kinh doanh" in text for text in authoring)
    auth.logout()

    auth.login("cadre")  # a cadre of the business track
    client.post("/language", data={"lang": "en"})
    page = client.get("/learn/courses/THUONG-LUONG").get_data(as_text=True)
    assert "Business and production" in page and "Sản xuất kinh doanh" not in page
    auth.logout()

    # the choices of the unit forms and of the module form, too
    auth.login("admin")
    client.post("/language", data={"lang": "en"})
    unit = _visible_texts(client.get(f"/units/{province['fed'].id}/children/new").get_data(as_text=True))
    assert "Business and production" in unit and "Sản xuất kinh doanh" not in unit
    assert not {"Công đoàn cơ sở", "Tổ công đoàn"} & unit
    auth.logout()
    auth.login("trainer")
    client.post("/language", data={"lang": "en"})
    module = _visible_texts(client.get(f"/author/courses/{course.id}/modules/new").get_data(as_text=True))
    assert "Sản xuất kinh doanh" not in module


def test_plan_statuses_and_results_are_named_in_english(app):
    """The plan statuses were plain strings the catalogue never saw ("Được miễn" stayed Vietnamese);
    the usual results ("Đạt", "Khá") are stored in Vietnamese and shown in the page's language."""
    from flask_babel import force_locale

    from lms.core.i18n import local_result
    from lms.plans.views import STATUS_LABELS, status_label

    with app.test_request_context(), force_locale("en"):
        labels = {status: status_label(status) for status in STATUS_LABELS}
        assert labels["exempt"] == "Exempt" and labels["in_progress"] == "In progress"
        assert all(label.isascii() for label in labels.values()), labels
        assert (local_result("Đạt"), local_result("Khá"), local_result("Đạt loại A")) == ("Passed", "Fairly good", "Đạt loại A")
    with app.test_request_context(), force_locale("vi"):
        assert status_label("exempt") == "Được miễn" and local_result("Khá") == "Khá"


def test_every_wtforms_message_a_user_can_meet_is_in_vietnamese(app):
    """WTForms' own messages (a length, a number out of range…) come from lms.core.forms' table: each
    one WTForms can show, read from its source, is there, so none reaches the Vietnamese page in
    English ("Field must be between 3 and 80 characters long." on the account form did)."""
    import pathlib
    import re

    import wtforms

    from lms.core.forms import WTFORMS_VI, _TRANSLATIONS

    developer_errors = {"Choices cannot be None.", "Invalid field name '%s'."}
    singular, plural = set(), set()  # gettext("…") and ngettext("…", "…s", n), as WTForms calls them
    for path in pathlib.Path(wtforms.__file__).parent.rglob("*.py"):
        for call in re.finditer(r'(n?)gettext\(\s*((?:"[^"]*"\s*,?\s*)+)', path.read_text()):
            texts = re.findall(r'"([^"]*)"', call.group(2))
            if call.group(1):
                plural.add((texts[0], texts[-1]))
            else:
                singular.add("".join(texts))
    assert len(singular) > 25 and len(plural) >= 3
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        for message in sorted(singular - developer_errors):
            assert _TRANSLATIONS.gettext(message) != message, f"in English on a Vietnamese page: {message!r}"
        for one, many in sorted(plural):
            assert _TRANSLATIONS.ngettext(one, many, 2) not in (one, many), f"in English on a Vietnamese page: {one!r}"
    assert WTFORMS_VI


def test_no_message_is_hidden_in_an_f_string():
    """``f"![{_('mô tả')}](…)"``: the message extractor does not look inside f-strings, so the asset
    snippet's alt text never reached the catalogue and stayed Vietnamese in English."""
    hidden = [f"{path.relative_to(ROOT)}:{number}"
              for path in sorted((ROOT / "lms").rglob("*.py"))
              for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
              if re.search(r"""\bf(["'])[^"']*\{_l?\(""", line)]
    assert not hidden, hidden
    assert any(msgid == "mô tả" for _context, msgid in source_messages())
