"""quiz.js in real Chromium, on a phone: what the attempt page does by itself while a cadre answers.

- When the time runs out on the page, it goes to the attempt's result (the server has submitted it).
- When a save is refused because the attempt is closed (its time ran out meanwhile), the same.
- The header's "Đã trả lời a / n câu" follows the answers as they are saved, up and down, and so does
  the ✓ on the question's button in the "Đi đến câu" list (it kept what the page was loaded with).
- An option tapped just before the page is reloaded is kept, even when its save never arrives.
- The time left stays in sight while the cadre scrolls down to the page's last question.

A script error on the page fails every test. The time limit is not waited for: the attempt's deadline
is moved a few seconds ahead (or just behind) in the server's database, which the page and the server
then read as they would a real one.
"""
from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from sqlalchemy import create_engine, update

from lms.quizzes.models import Attempt
from tests.e2e.conftest import PASSWORD, enrolled, login, shot

pytestmark = pytest.mark.browser

COURSE = "KIEM-TRA-TAI-CHINH"
MODULES = ("Ủy ban Kiểm tra và công tác kiểm tra, giám sát", "Quy trình kiểm tra và giải quyết khiếu nại, tố cáo",
           "Tài chính công đoàn, đoàn phí và kinh phí công đoàn")  # common to both tracks, 7-8 questions each


@pytest.fixture(scope="module")
def server(live_server):
    live_server.lms("demo", "--yes", "--password", PASSWORD)
    live_server.start()
    return live_server


def _watched(new_page, **kwargs):
    """A phone page whose script errors (an uncaught exception, a call of an undefined function) are kept."""
    page = new_page(**kwargs)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def _start_quiz(page, server, username: str, module: str) -> int:
    """Log in, enrol if needed, open the module and start its quiz: the attempt's id."""
    login(page, server, username)
    enrolled(page, server, COURSE)
    page.click(f"ol.modules >> text={module}")
    page.wait_for_url(re.compile(r"/modules/"))
    page.click("section.quiz-block button.primary")
    page.wait_for_url(re.compile(r"/quizzes/attempts/\d+$"))
    return int(re.search(r"/attempts/(\d+)$", page.url).group(1))


def _move_deadline(server, attempt_id: int, seconds: float) -> None:
    """Set the attempt's deadline ``seconds`` from now (negative: already passed), as a time limit would."""
    engine = create_engine(server.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(update(Attempt.__table__).where(Attempt.__table__.c.id == attempt_id).values(
                deadline_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds)))
    finally:
        engine.dispose()


def _lands_on_result(page, attempt_id: int, within: float = 15) -> None:
    """The page goes to the attempt's result by itself, without a script error on the way."""
    result = re.compile(rf"/quizzes/attempts/{attempt_id}/result$")
    end = time.monotonic() + within
    while not page.errors and not result.search(page.url) and time.monotonic() < end:
        page.wait_for_timeout(200)
    assert not page.errors, f"script errors on the attempt page: {page.errors}"
    assert result.search(page.url), f"still on {page.url} {within} s later"
    page.wait_for_load_state()
    assert "Kết quả bài kiểm tra" in page.content()


def _answered_header(page) -> str:
    return " ".join(page.locator("main p.muted").filter(has_text="Đã trả lời").inner_text().split())


def test_when_the_time_runs_out_the_page_goes_to_the_result(server, new_page):
    page = _watched(new_page)
    attempt_id = _start_quiz(page, server, "cadre", MODULES[0])
    page.locator("#q1 input[type=radio]").first.check()
    page.wait_for_selector("#q1 >> text=Đã lưu")
    _move_deadline(server, attempt_id, 4)
    page.reload()  # the page now counts down the few seconds left
    assert page.locator("[role=timer] [data-clock]").inner_text() in ("00:04", "00:03", "00:02")
    assert "Đã trả lời 1 / 7 câu" in _answered_header(page)
    page.wait_for_selector("text=Đã hết giờ làm bài", timeout=10000)
    _lands_on_result(page, attempt_id)
    shot(page, "cadre-quiz-time-up-phone")
    assert "Đang làm" not in page.locator("main").inner_text()


def test_a_save_refused_because_the_attempt_closed_goes_to_the_result(server, new_page):
    page = _watched(new_page, fetch_answers=(409,))  # the save refused: what the page must handle
    attempt_id = _start_quiz(page, server, "cadre2", MODULES[0])
    assert page.locator("[role=timer]").count() == 0  # no time limit shown: only the server knows
    _move_deadline(server, attempt_id, -1)
    page.locator("#q1 input[type=radio]").first.check()
    page.wait_for_selector("#q1 >> text=câu trả lời gửi sau giờ không được lưu")
    _lands_on_result(page, attempt_id)


def test_the_header_counts_the_answers_as_they_are_saved(server, new_page):
    page = _watched(new_page)
    _start_quiz(page, server, "cadre", MODULES[1])
    assert "Đã trả lời 0 / 7 câu" in _answered_header(page)
    # the list of buttons says what it is, and which of its questions are on this page
    assert page.locator("nav[aria-labelledby=quiz-nav-title] #quiz-nav-title").is_visible()
    borders = page.locator("nav [data-question]").evaluate_all(
        "els => els.map(b => [b.getAttribute('aria-current'), getComputedStyle(b).borderTopWidth])")
    assert {width for current, width in borders if current} != {width for current, width in borders if not current}, borders

    def saved_and_counted(question: str, count: int) -> None:
        page.wait_for_selector(f"{question} >> text=Đã lưu")
        page.wait_for_function("n => document.querySelector('main p.muted').textContent.includes(n)",
                               arg=f"Đã trả lời {count} / 7 câu", timeout=5000)

    def ticked(question: str) -> bool:
        return "✓" in page.locator(f"nav [data-question='{question[1:]}']").inner_text()

    page.locator("#q1 input[type=radio]").first.check()
    saved_and_counted("#q1", 1)
    page.locator("#q1 input[type=radio]").nth(1).check()  # another choice: still one question answered
    saved_and_counted("#q1", 1)
    box = page.locator("#q5 input[type=checkbox]").first  # a multiple response
    box.check()
    saved_and_counted("#q5", 2)
    assert ticked("#q1") and ticked("#q5") and not ticked("#q2")
    box.uncheck()  # nothing chosen any more: no longer answered
    saved_and_counted("#q5", 1)
    assert ticked("#q1") and not ticked("#q5")
    page.reload()  # the server counts the same
    assert "Đã trả lời 1 / 7 câu" in _answered_header(page)
    assert ticked("#q1") and not ticked("#q5")
    assert not page.errors, page.errors


def test_an_option_tapped_just_before_a_reload_is_kept(server, new_page):
    """The cadre taps an option and reloads while its save is still on its way (a slow network: here
    the page's first save is never sent and never answered). The reloaded page must still show the
    option and save it: otherwise it shows the question unanswered, and the page's own form later sends
    it empty over the late save."""
    page = _watched(new_page)
    attempt_id = _start_quiz(page, server, "cadre2", MODULES[2])
    page.add_init_script("""(() => {
      const real = window.fetch;
      let held = false;
      window.fetch = function (url, options) {
        if (!held && options && !options.keepalive && /\\/answers\\/\\d+$/.test(String(url))) {
          held = true;
          window.__heldSave = String(url);
          return new Promise(() => {});  // on its way, for ever
        }
        return real.apply(this, arguments);
      };
    })();""")
    page.reload()  # the wrapper is in place from now on
    option = page.locator("form.quiz input[type=radio]").first
    name, value = option.get_attribute("name"), option.get_attribute("value")
    option.check()
    page.wait_for_function("() => window.__heldSave !== undefined", timeout=5000)
    assert page.locator(".save-status.saving").count() == 1
    page.reload()
    chosen = f"input[name='{name}'][value='{value}']"
    assert page.locator(chosen).is_checked(), "the reloaded page lost the option tapped before the reload"

    other = _watched(new_page)  # what the server has: another device opens the attempt
    login(other, server, "cadre2")
    other.goto(f"{server.url}/quizzes/attempts/{attempt_id}")
    assert other.locator(chosen).is_checked(), "the option tapped before the reload is not on the server"
    assert not page.errors and not other.errors, (page.errors, other.errors)


def test_a_numeric_answer_that_is_not_a_number_is_flagged_as_it_is_saved(server, new_page):
    """Typed words in a numeric question: the page says at once, beside the question, that they cannot
    earn marks, and the warning goes away when a number replaces them."""
    page = _watched(new_page)
    attempt_id = _start_quiz(page, server, "cadre", MODULES[2])
    for number in (1, 2, 3):
        page.goto(f"{server.url}/quizzes/attempts/{attempt_id}?page={number}")
        if page.locator("input[inputmode=decimal]").count():
            break
    box = page.locator("section.question:has(input[inputmode=decimal])").first
    field = box.locator("input[inputmode=decimal]")
    warning = box.locator(".alert.warning")
    assert warning.count() == 0
    field.fill("khoảng hai triệu")
    warning.wait_for(state="visible", timeout=5000)
    assert "“khoảng hai triệu” không phải là một số" in warning.text_content()
    shot(page, "quiz-numeric-warning")
    field.fill("2340000")
    warning.wait_for(state="hidden", timeout=5000)
    assert not page.errors, page.errors


def test_the_time_left_stays_in_sight_down_the_page(server, new_page):
    """The countdown sat above the first question: on a phone, answering the fourth or fifth question
    the cadre could not see how much time was left."""
    page = _watched(new_page)
    attempt_id = _start_quiz(page, server, "cadre2", MODULES[1])
    _move_deadline(server, attempt_id, 600)
    page.reload()
    page.locator("section.question").last.scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    box = page.locator("[role=timer]").evaluate("el => el.getBoundingClientRect().toJSON()")
    assert box["top"] >= 0 and box["bottom"] <= page.viewport_size["height"], box
    shot(page, "cadre-quiz-timer-scrolled-phone")
    # the confirmation page's links to a question ("#q5") show its title below the time left, not under it
    page.goto(page.url.split("#")[0] + "#q5")
    timer = page.locator("[role=timer]").evaluate("el => el.getBoundingClientRect().bottom")
    title = page.locator("#q5 h2").evaluate("el => el.getBoundingClientRect().top")
    assert title >= timer, (title, timer)
    assert not page.errors, page.errors
