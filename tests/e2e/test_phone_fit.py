"""Every page each role can reach fits a phone: at 360×740 the page never scrolls sideways, and it
is readable by assistive technology: a title, one main heading, the page's language declared, every
form control labelled, every image with a text alternative.

On the demo province (long unit and course names, hundreds of options in the unit filters), each
login starts from its home page and follows the links it is shown, visiting one page per route of the
URL map (the first link found to it), in Vietnamese and then in English. Wide tables may scroll inside
their own frame (``.table-wrap``); the page itself must not.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from tests.e2e.conftest import DESKTOP, PASSWORD, PHONE, enrolled, login, shot

pytestmark = pytest.mark.browser

ROLES = ("cadre", "trainer", "union", "admin")
#: Links that download a file or change something when followed are not pages to look at.
SKIP_SUFFIXES = (".csv", ".xlsx", ".zip", ".pdf", ".gift", ".json", ".txt", ".png", ".svg")
MAX_PAGES = 60  # per role and language; the demo's roles reach fewer routes than this
#: Where each role starts: its home page, and for the cadre the course it is enrolled on (whose page
#: links its modules), so that reading a module is among the pages looked at.
START = {"cadre": ["/", "/learn/courses/DIEU-LE-LUAT-2024"]}


@pytest.fixture(scope="module")
def server(live_server):
    live_server.lms("demo", "--yes", "--password", PASSWORD)
    live_server.start()
    return live_server


@pytest.fixture(scope="module")
def routes():
    """Map a path to its route (endpoint), as the server does."""
    from lms import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "phone-fit", "TESTING": True})
    adapter = app.url_map.bind("localhost")

    def endpoint(path: str) -> str | None:
        try:
            name, _args = adapter.match(path, method="GET")
        except RequestRedirect as redirect:
            return endpoint(urlsplit(redirect.new_url).path)
        except HTTPException:
            return None
        return None if name == "static" else name

    return endpoint


PAGE_FACTS = """() => ({
  title: document.title.trim(),
  headings: document.querySelectorAll('h1').length,
  lang: document.documentElement.lang,
  unlabelled: [...document.querySelectorAll('input:not([type=hidden]):not([type=submit]), select, textarea')]
    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
    .map(e => e.name || e.id),
  images_without_alt: document.querySelectorAll('img:not([alt])').length,
})"""


def _problems(facts: dict, language: str) -> list[str]:
    problems = []
    if not facts["title"]:
        problems.append("no <title>")
    if facts["headings"] != 1:
        problems.append(f"{facts['headings']} <h1>")
    if facts["lang"] != language:
        problems.append(f"lang={facts['lang']!r}")
    if facts["unlabelled"]:
        problems.append(f"controls without a label: {facts['unlabelled']}")
    if facts["images_without_alt"]:
        problems.append(f"{facts['images_without_alt']} images without alt")
    return problems


def _links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]:not([download])", "els => els.map(e => e.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base or parts.path.endswith(SKIP_SUFFIXES):
            continue
        paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_fits_a_phone_and_reads_well(server, new_page, routes, role):
    page = new_page(viewport=PHONE)
    login(page, server, role)
    overflowing: dict[str, int] = {}
    unreadable: dict[str, list[str]] = {}
    for language in ("vi", "en"):
        if language == "en":
            page.goto(server.url + "/")
            page.get_by_role("button", name="English").first.click()
            page.wait_for_load_state()
        seen: set[str] = set()
        queue = list(START.get(role, ["/"]))
        visited = 0
        while queue and visited < MAX_PAGES:
            path = queue.pop(0)
            endpoint = routes(urlsplit(path).path)
            if endpoint is None or endpoint in seen or endpoint in ("accounts.logout",):
                continue
            seen.add(endpoint)
            response = page.goto(server.url + path)
            visited += 1
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                overflowing[f"{language} {path} ({endpoint})"] = width
                shot(page, f"phone-fit-{role}-{language}-{endpoint}")
            problems = _problems(page.evaluate(PAGE_FACTS), language)
            if problems:
                unreadable[f"{language} {path} ({endpoint})"] = problems
            queue.extend(p for p in _links(page, server.url) if routes(urlsplit(p).path) not in seen)
        assert visited >= 3, f"{role} reached only {sorted(seen)}"
    assert not overflowing, f"pages wider than the phone for {role}: {overflowing}"
    assert not unreadable, f"pages assistive technology cannot read well, for {role}: {unreadable}"


def test_the_register_folds_its_filters_on_a_phone_only(server, new_page):
    """Five drop-downs above the register push the list off a phone's first screen: there they fold
    under "Lọc" (open while a filter is applied); a wider screen always shows them. (The crawl above
    may have left the admin's language English.)"""
    phone = new_page(PHONE)
    login(phone, server, "admin")
    phone.goto(server.url + "/certificates/register")
    year, summary = phone.locator("select[name=year]"), phone.locator("details.filters summary")
    assert not year.is_visible() and summary.is_visible() and summary.inner_text() in ("Lọc", "Filter")
    summary.click()
    assert year.is_visible()
    phone.goto(server.url + "/certificates/register?year=2026")
    assert year.is_visible() and summary.inner_text() in ("Lọc (1)", "Filter (1)")
    shot(phone, "register-filters-phone")

    desktop = new_page(DESKTOP)
    login(desktop, server, "admin")
    desktop.goto(server.url + "/certificates/register")
    assert desktop.locator("select[name=year]").is_visible()
    assert not desktop.locator("details.filters summary").is_visible()


WRAPS_WIDER_THAN_THEIR_FRAME = """() => [...document.querySelectorAll('.table-wrap')]
  .filter(w => w.querySelector('table.stack') && w.scrollWidth > w.clientWidth + 1).length"""


def test_a_cadres_certificates_and_record_read_as_cards_on_a_phone(server, new_page):
    """On a phone a cadre's certificates and training record are rows stacked as blocks, each cell
    named by its column: the PDF link is on screen without scrolling a table sideways. On a wider
    screen they are tables."""
    phone = new_page(PHONE)
    login(phone, server, "cadre")
    phone.goto(server.url + "/certificates/mine")
    links = phone.locator("a.btn", has_text="PDF")
    assert links.count() >= 1
    for index in range(links.count()):
        box = links.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert phone.evaluate(WRAPS_WIDER_THAN_THEIR_FRAME) == 0
    status = phone.locator("table.stack td[data-label]").nth(4)
    assert phone.evaluate("e => getComputedStyle(e, '::before').content", status.element_handle()) in (
        '"Tình trạng: "', '"Status: "')
    shot(phone, "certificates-mine-phone")

    phone.goto(server.url + "/records/me")
    assert phone.locator("table.stack").count() == 3
    assert phone.evaluate(WRAPS_WIDER_THAN_THEIR_FRAME) == 0
    shot(phone, "record-me-phone")

    desktop = new_page(DESKTOP)
    login(desktop, server, "cadre")
    desktop.goto(server.url + "/certificates/mine")
    assert desktop.locator("table.stack thead th").first.is_visible()


def test_the_certificate_register_and_a_cadres_history_read_as_cards_on_a_phone(server, new_page):
    """The admin's side: the register's rows (seven columns) and a cadre's dated history stack on a phone."""
    phone = new_page(PHONE)
    login(phone, server, "admin")
    phone.goto(server.url + "/certificates/register")
    pdf = phone.locator("table.stack a", has_text="PDF").first
    box = pdf.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"], box
    assert phone.evaluate(WRAPS_WIDER_THAN_THEIR_FRAME) == 0
    shot(phone, "register-phone")

    phone.goto(server.url + "/cadres/?q=nguyen thi hoa")  # the demo's cadre, with a dated history
    phone.locator("main table a").first.click()
    phone.wait_for_load_state()
    assert phone.locator("table.stack td[data-label]").count() >= 5
    assert phone.evaluate(WRAPS_WIDER_THAN_THEIR_FRAME) == 0
    shot(phone, "cadre-history-phone")


def test_a_plans_assignment_reads_as_cards_on_a_phone(server, new_page):
    """An assignment's cadres were a four-column table scrolled sideways on a phone: a union admin saw
    the names and the dates they entered the audience, and neither their status nor the exemption form,
    each row as tall as the form hidden to the right."""
    phone = new_page(PHONE)
    login(phone, server, "union")
    phone.goto(server.url + "/plans/assignments/1")
    exempt = phone.locator("table.stack form[action*='/exemptions'] button").first
    box = exempt.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert phone.evaluate(WRAPS_WIDER_THAN_THEIR_FRAME) == 0
    status = phone.locator("table.stack td[data-label]").nth(1)
    assert phone.evaluate("e => getComputedStyle(e, '::before').content", status.element_handle()) in (
        '"Tình trạng: "', '"Status: "')
    shot(phone, "plan-assignment-phone")


def test_a_grassroots_reports_cadre_table_keeps_its_text_columns_readable_on_a_phone(server, new_page):
    """The cadres of a grassroots union's report (name, unit, employment, status and figures) fitted into
    40rem: the unit's name stood one word a line. Its text columns keep a readable width; the frame scrolls."""
    phone = new_page(PHONE)
    login(phone, server, "admin")
    phone.goto(server.url + "/reports/units/1")
    phone.locator("#bang-units ~ .table-wrap a[href*='/reports/units/']").first.click()
    phone.wait_for_load_state()
    phone.locator("#bang-units ~ .table-wrap a[href*='/reports/units/']").first.click()
    phone.wait_for_load_state()
    unit_cells = phone.locator("#bang-cadres + .table-wrap tbody td:nth-child(2)")
    assert unit_cells.count() >= 1
    width = unit_cells.first.bounding_box()["width"]
    assert width >= 120, width
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "report-grassroots-cadres-phone")


def test_report_charts_keep_a_readable_size_on_a_desktop(server, new_page):
    """The charts (drawn for a 360-pixel phone, ``width="100%"``) grew to the desktop's whole column: an
    upper-level union's 120 bars became several screens of 32-pixel labels."""
    desktop = new_page(DESKTOP)
    login(desktop, server, "admin")
    desktop.goto(server.url + "/reports/units/1")
    desktop.locator("#bang-units ~ .table-wrap a[href*='/reports/units/']").first.click()
    desktop.wait_for_load_state()
    chart = desktop.locator("figure.chart svg").first
    box = chart.bounding_box()
    assert box is not None and box["width"] <= 480, box
    label = desktop.locator("figure.chart svg text").first.bounding_box()
    assert label["height"] <= 20, label
    phone = new_page(PHONE)
    login(phone, server, "admin")
    phone.goto(server.url + "/reports/overview")
    box = phone.locator("figure.chart svg").first.bounding_box()
    assert box["width"] >= PHONE["width"] - 60, box  # still the phone's width
    shot(desktop, "report-chart-desktop")


#: Words of the lesson's table cells that the browser split over two lines (a word cut between letters).
SPLIT_WORDS = """() => {
  const split = [];
  for (const cell of document.querySelectorAll('.lesson td, .lesson th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /[\\p{L}\\p{N}]+/gu;  // letters and digits: a break at a hyphen or a slash is fine
      let m;
      while ((m = re.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
        if (lines.size > 1) { split.push(m[0]); }
      }
    }
  }
  return split;
}"""


def test_a_lesson_table_keeps_its_words_whole_on_a_phone(server, new_page):
    """A module's table on a phone wraps between words, or scrolls in its own frame; it never cuts a
    word ("Mục đích" read "Mụ / c / đíc / h" when the lesson's text could break anywhere)."""
    page = new_page()
    login(page, server, "cadre")  # a business-track cadre: the dialogue course's table of five columns
    for course, module in (("THUONG-LUONG-DOI-THOAI", "01-doi-thoai-tai-noi-lam-viec"),
                           ("DIEU-LE-LUAT-2024", "02-he-thong-to-chuc")):
        enrolled(page, server, course)
        page.goto(f"{server.url}/learn/courses/{course}/modules/{module}")
        assert page.locator(".lesson table").count() >= 1, module
        assert page.evaluate(SPLIT_WORDS) == [], module
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, module
        shot(page, f"cadre-lesson-table-{module}-phone")
