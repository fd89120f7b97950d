"""A trainer's "Xem trước" in the module form, in Chromium on a phone: the page comes back at the preview
(below a long form, where it was off the screen and the button seemed to do nothing), and the module's
quiz shows there as learners will get it, inert."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import PASSWORD, login, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(live_server):
    live_server.lms("demo", "--yes", "--password", PASSWORD)
    live_server.start()
    return live_server


def test_the_module_preview_comes_back_at_the_preview_with_the_quiz(server, new_page):
    page = new_page()
    login(page, server, "trainer")
    page.goto(server.url + "/author/")
    page.locator("main summary").click()
    page.fill("#code", "XEM-TRUOC")
    page.fill("#title", "Khóa xem trước")
    page.locator("main form[action$='/author/new'] button").click()
    page.locator("main a[href$='/modules/new']").click()
    page.fill("#title", "Bài có bài kiểm tra")
    page.fill("#content", "## Mục tiêu\n\n" + "Nội dung bài học.\n\n" * 20)
    page.fill("#quiz", "::Câu 1:: Công đoàn cơ sở do ai thành lập? {=Người lao động ~Chủ doanh nghiệp}\n")
    page.locator("button[name=preview]").click()
    page.wait_for_load_state()
    heading = page.locator("#preview-heading")
    assert heading.is_visible() and page.evaluate("window.scrollY") > 0
    box = heading.bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"], box  # on the screen, not below the form
    radios = page.locator("#quiz-preview input[type=radio]")
    assert radios.count() == 2 and all(radios.nth(i).is_disabled() for i in range(2))
    shot(page, "phone-module-preview")
    # a mistake: the preview says there is one above, with a link to the field
    page.fill("#quiz", "::Câu 1:: Thiếu ngoặc {=Có ~Không\n")
    page.locator("button[name=preview]").click()
    page.wait_for_load_state()
    page.locator("#preview .alert.error a").click()
    top = page.locator("#quiz").evaluate("el => el.getBoundingClientRect().top")
    assert -1 <= top < page.viewport_size["height"], top
