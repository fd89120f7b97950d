"""What a phone (360×740) shows of a matching question and of the trainers' tables.

- A matching question's select grows to show its whole chosen text (a choice is often a sentence,
  longer than the phone is wide); the prompt stays above its select, which takes the row's width.
- The trainers' and admins' tables never read as a column of words (a lesson's title one word a line):
  the question bank, the question statistics and a class's attendees stack each row as a block on a
  phone (an attendee's result field under their name: in a scrolling frame it was off the screen, and
  scrolled to, beside no name); the wider lists (attempts, classes, a plan's cadres, a unit's report)
  keep readable columns and scroll inside their own frame (``.table-wrap``). The bank's links to a quiz's attempts, statistics and
  settings are each on one line, on the screen.
- A stacked cell with nothing in it (a question without hints on the statistics page) is left out instead
  of showing its column's label alone.
- The fields in those pages (a report's dates, a class's results) are a finger's height (44 px), and a
  date field shows the whole "dd/mm/yyyy".
- The header's links (the main menu, the account's name) are at least 32 px high, as its buttons are;
  the confirmation page's links to the questions not yet answered are buttons, a finger's height.
- The keyboard's focus ring shows on the red header (3:1 against it at least), as it does on the page.
- A cadre's notifications are cards the width of the page, not a bulleted list indented by a third of
  a 360 px screen.
"""
from __future__ import annotations

import re
from math import ceil

import pytest

from tests.e2e.conftest import PASSWORD, PHONE, enrolled, login, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(live_server):
    live_server.lms("demo", "--yes", "--password", PASSWORD)
    live_server.start()
    return live_server


#: JavaScript: the width of ``text`` on one line in ``el``'s font (measured in a hidden probe).
TEXT_WIDTH = """const textWidth = (el, text) => {
  const probe = document.createElement('span');
  probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap;font:' + getComputedStyle(el).font;
  probe.textContent = text;
  document.body.append(probe);
  const width = probe.getBoundingClientRect().width;
  probe.remove();
  return width;
};"""

#: The select's box, and the width of its chosen text on one line.
SELECT_FACTS = """el => {
  """ + TEXT_WIDTH + """
  const s = getComputedStyle(el);
  const text = textWidth(el, el.selectedOptions[0].text);
  const box = el.getBoundingClientRect(), row = el.parentElement.getBoundingClientRect();
  const label = el.labels[0].getBoundingClientRect();
  return {text, height: box.height, width: box.width, row: row.width, below_label: box.top >= label.bottom,
          inner: el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight) - 1.5 * parseFloat(s.fontSize),
          font: parseFloat(s.fontSize)};
}"""


def test_a_matching_select_shows_its_whole_choice_on_a_phone(server, new_page):
    page = new_page()
    login(page, server, "cadre")
    enrolled(page, server, "KIEM-TRA-TAI-CHINH")  # its first module's matching question has sentences as choices
    page.click("ol.modules >> text=Ủy ban Kiểm tra")
    page.wait_for_url(re.compile(r"/modules/"))
    page.click("section.quiz-block button.primary")
    page.wait_for_url(re.compile(r"/quizzes/attempts/\d+$"))
    for _ in range(10):
        if page.locator("fieldset.matching").count():
            break
        with page.expect_navigation():
            page.click("button[name=go][value=next]")
    selects = page.locator("fieldset.matching select")
    assert selects.count() >= 2
    for index in range(selects.count()):
        select = selects.nth(index)
        one_line = select.evaluate(SELECT_FACTS)["height"]  # "— Chọn —"
        texts = select.locator("option").all_inner_texts()
        select.select_option(index=max(range(len(texts)), key=lambda i: len(texts[i])))
        facts = select.evaluate(SELECT_FACTS)
        assert facts["below_label"] and facts["width"] >= facts["row"] - 1, facts
        lines = ceil(facts["text"] / facts["inner"])
        assert lines >= 2, f"the longest choice fits one line, the test shows nothing: {facts}"
        # each further line of the choice makes the box at least one font size taller
        assert facts["height"] - one_line >= (lines - 1) * facts["font"], (texts, facts, one_line)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("fieldset.matching").scroll_into_view_if_needed()
    shot(page, "matching-question-phone")


#: Table cells of four words or more narrower than 6em: such a cell reads as a column of words (a lesson's
#: title was one word a line in 4em; a readable column is 8em or more).
NARROW_CELLS = """() => [...document.querySelectorAll('main td')]
  .filter(cell => (cell.innerText.match(/[\\p{L}\\p{N}]+/gu) || []).length >= 4 && cell.getClientRects().length
    && cell.getBoundingClientRect().width < 6 * parseFloat(getComputedStyle(cell).fontSize))
  .map(cell => `${cell.innerText.trim().slice(0, 40)} (${Math.round(cell.getBoundingClientRect().width)} px)`)"""


#: Each input's box, the room inside it for text, and the width of its value or placeholder on one line.
BOXES = """els => {
  """ + TEXT_WIDTH + """
  return els.map(el => {
    const s = getComputedStyle(el);
    return {height: el.getBoundingClientRect().height, text: textWidth(el, el.value || el.placeholder),
            inner: el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)};
  });
}"""


def _follow(page, server, start: str, *links: str) -> str:
    """From ``start``, follow the first link matching each selector in turn: the last page's URL."""
    page.goto(server.url + start)
    for selector in links:
        page.goto(page.locator(selector).first.evaluate("a => a.href"))
    return page.url


#: Stacked cells shown with their column's label and nothing after it (a bare "Gợi ý:").
BARE_LABELS = """() => [...document.querySelectorAll('main table.stack td[data-label]')]
  .filter(cell => cell.getClientRects().length && !cell.innerText.trim())
  .map(cell => `${cell.dataset.label} (row ${cell.closest('tr').rowIndex})`)"""


def _fits(page, name: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    assert page.evaluate(NARROW_CELLS) == [], name
    assert page.evaluate(BARE_LABELS) == [], name
    shot(page, f"phone-table-{name}")


def test_the_trainers_tables_keep_readable_columns_on_a_phone(server, new_page):
    page = new_page()
    login(page, server, "trainer")
    bank = _follow(page, server, "/author/", "main a[href*='/author/courses/']", "main a[href*='/quizzes/courses/']")
    _fits(page, "bank")
    actions = page.locator("main table a")
    assert actions.count() >= 3
    for index in range(actions.count()):
        link = actions.nth(index)
        rects = link.evaluate("a => [...a.getClientRects()].map(r => [r.left, r.right])")
        assert len(rects) == 1 and rects[0][0] >= 0 and rects[0][1] <= PHONE["width"], (link.inner_text(), rects)

    for name, selector in (("statistics", "a[href$='/statistics']"), ("attempts", "a[href$='/attempts']")):
        page.goto(bank)
        page.goto(page.locator(f"main table {selector}").first.evaluate("a => a.href"))
        _fits(page, name)
    # the statistics of a quiz the demo's cadres took, some of whose questions have no hint (the cell
    # was a bare "Gợi ý:")
    _follow(page, server, "/author/", "main tr:has-text('DIEU-LE-LUAT-2024') a[href*='/author/courses/']",
            "main a[href*='/quizzes/courses/']", "main table a[href$='/statistics']")
    assert page.locator("main table.stack tbody tr").count() >= 2
    _fits(page, "statistics-taken")

    _follow(page, server, "/classes/")
    _fits(page, "classes")
    _follow(page, server, "/classes/", "main table a[href*='/classes/']")
    _fits(page, "class")
    boxes = page.locator("main input[name^='result-']").evaluate_all(BOXES)
    assert boxes and all(box["height"] >= 44 for box in boxes), boxes  # a finger's target
    # each result field on the screen, without scrolling its frame sideways, below its attendee's name
    placed = page.locator("main input[name^='result-']").evaluate_all("""els => els.map(el => {
      const box = el.getBoundingClientRect(), name = el.closest('tr').cells[0].getBoundingClientRect();
      return box.left >= 0 && box.right <= window.innerWidth && box.top >= name.bottom; })""")
    assert placed and all(placed), placed


def test_the_admins_tables_keep_readable_columns_on_a_phone(server, new_page):
    page = new_page()
    login(page, server, "admin")
    _follow(page, server, "/plans/", "main a[href*='/plans/assignments/']")
    _fits(page, "plan-assignment")
    _follow(page, server, "/reports/overview", "main a[href*='/reports/units/']")
    _fits(page, "report-unit")
    # the period's dates: a finger's target, wide enough for the whole "dd/mm/yyyy"
    boxes = page.locator("form.filters input.date").evaluate_all(BOXES)
    assert len(boxes) == 2, boxes
    assert all(box["height"] >= 44 and box["inner"] >= box["text"] for box in boxes), boxes


def test_a_trainers_settings_and_package_forms_fit_a_finger_on_a_phone(server, new_page):
    """The quiz's closing time was an unstyled date-and-time input 21 px tall, the package page's
    "Giữ là bản nháp" a bare 13 px checkbox under its label, and the package page's list of courses
    one word a line; each is now a finger's height (44 px) and the list reads as cards."""
    page = new_page()
    login(page, server, "trainer")
    _follow(page, server, "/author/", "main a[href*='/author/courses/']", "main a[href*='/quizzes/courses/']",
            "main table a[href$='/settings']")
    boxes = page.locator("#closes_at").evaluate_all(BOXES)
    assert boxes and boxes[0]["height"] >= 44, boxes
    shot(page, "phone-quiz-settings")

    page.goto(server.url + "/author/packages/import")
    _fits(page, "package-import")
    draft = page.locator("label[for=draft]").evaluate("l => l.getBoundingClientRect().height")
    assert draft >= 44, draft
    page.locator("label[for=draft]").click()  # the label, a finger's target, ticks the box
    assert page.locator("#draft").is_checked()


def test_the_headers_links_are_a_fingertips_target_on_a_phone(server, new_page):
    """The menu's links were their text's height, 19 px, two rows of them 4 px apart: a cadre aiming at
    "Hồ sơ đào tạo" could open "Trang chủ". The way back above a course's, a lesson's or a quiz's title
    was 16 px high."""
    page = new_page()
    login(page, server, "cadre")
    heights = page.locator("header.top nav a, header.top .tools > a").evaluate_all(
        "els => els.map(a => [a.textContent.trim(), a.getBoundingClientRect().height])")
    assert len(heights) >= 6 and all(height >= 32 for _text, height in heights), heights
    enrolled(page, server, "DIEU-LE-LUAT-2024")
    page.click("ol.modules a >> nth=0")
    page.wait_for_url(re.compile(r"/modules/"))
    for url in (page.url, server.url + "/learn/courses/DIEU-LE-LUAT-2024"):
        page.goto(url)
        back = page.locator("main nav.muted a").evaluate_all("els => els.map(a => a.getBoundingClientRect().height)")
        assert back and all(height >= 32 for height in back), (url, back)


def test_the_questions_left_unanswered_are_buttons_on_the_confirmation_page(server, new_page):
    """Before submitting, the page lists the questions not answered; they were words in a sentence
    ("Câu 2, Câu 3, …"), 19 px high, a comma apart, a line break inside "Câu / 3"."""
    page = new_page()
    login(page, server, "cadre")
    enrolled(page, server, "KIEM-TRA-TAI-CHINH")
    page.click("ol.modules >> text=Kiểm tra tài chính ở doanh nghiệp")  # a lesson no other test's quiz uses
    page.wait_for_url(re.compile(r"/modules/"))
    page.click("section.quiz-block button.primary")
    page.wait_for_url(re.compile(r"/quizzes/attempts/\d+$"))
    with page.expect_navigation():
        page.click("button[name=go][value=finish]")
    assert page.url.endswith("/finish")
    links = page.locator("main .alert.warning a[href*='/quizzes/attempts/']")
    boxes = links.evaluate_all("els => els.map(a => [a.textContent, a.getClientRects().length, a.getBoundingClientRect().height])")
    assert len(boxes) >= 2 and all(lines == 1 and height >= 44 for _text, lines, height in boxes), boxes
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "phone-quiz-finish")


def test_the_notifications_take_the_phones_width(server, new_page):
    """Each notification is a card; they were items of a bulleted list, a bullet and 40 px of indent
    left of each card, the text squeezed into the rest of the phone."""
    server.lms("reminders", "send")  # the demo's cadre has an assignment due soon and one overdue
    page = new_page()
    login(page, server, "cadre")
    page.goto(server.url + "/notifications")
    heading = page.locator("main h1").evaluate("h => h.getBoundingClientRect().left")
    cards = page.locator("main ul.notes > li.card").evaluate_all(
        "els => els.map(li => [li.getBoundingClientRect().left, getComputedStyle(li).listStyleType])")
    assert cards and all(left == heading and marker == "none" for left, marker in cards), (heading, cards)
    shot(page, "phone-notifications")


#: JavaScript: the contrast ratio of two computed CSS colours ("rgb(…)"), as WCAG defines it.
CONTRAST = """([a, b]) => {
  const lum = c => { const [r, g, bl] = c.match(/[\\d.]+/g).slice(0, 3).map(v => { v = v / 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * bl; };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}"""


def test_the_focus_ring_shows_on_the_header(server, new_page):
    """Tabbing through the header drew the page's blue focus ring on the header's red, 1.2:1: a keyboard
    user (or a phone with a keyboard) could not see which link was focused."""
    page = new_page()
    login(page, server, "cadre")
    header = page.locator("header.top").evaluate("h => getComputedStyle(h).backgroundColor")
    seen = []
    for _ in range(6):  # the skip link, the brand, the language switch, the account, log out, the menu
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const el = document.activeElement, s = getComputedStyle(el);
          return {inHeader: !!el.closest('header.top'), style: s.outlineStyle, color: s.outlineColor, text: el.textContent.trim()}; }""")
        if not focused["inHeader"]:
            continue
        assert focused["style"] != "none", focused
        ratio = page.evaluate(CONTRAST, [focused["color"], header])
        assert ratio >= 3, (focused, header, ratio)
        seen.append(focused["text"])
    assert len(seen) >= 4, seen
