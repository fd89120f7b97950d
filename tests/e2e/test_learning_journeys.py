"""Journeys in real Chromium (Debian's, through Playwright) against gunicorn on localhost.

- A trainer writes a course in the browser — a module with an image and a quiz, one module per track —,
  imports a GIFT file into the question bank, previews the course as each track and publishes it; a
  cadre of each track sees exactly their modules on a phone-sized screen, reads, passes the quiz
  (tapping "submit" right after typing an answer; reloading or closing the page right after typing
  one), moves on, and coming back later from another device lands where they stopped; the first
  cadre then finishes the course, downloads the certificate's PDF and, as an anonymous visitor,
  opens the URL its QR code holds: the certificate is valid.
- A cadre answers half a quiz, reloads and finds the answers, finishes on another browser context,
  submits, and sees the result and feedback as the policy says.
"""
from __future__ import annotations

import re
import subprocess
from urllib.parse import urlsplit

import pytest

from tests.courses.test_authoring import png_bytes
from tests.e2e.conftest import DESKTOP, PASSWORD, login, shot

pytestmark = pytest.mark.browser


QUIZ = """::Câu 1:: Ai tham gia đối thoại định kỳ? {=Người sử dụng lao động và công đoàn ~Chỉ công đoàn}

::Câu 2:: Đối thoại định kỳ ít nhất mấy lần một năm? {#1}
"""


@pytest.fixture(scope="module")
def server(live_server):
    live_server.lms("demo", "--yes", "--password", PASSWORD)
    live_server.start()
    return live_server


def test_trainer_writes_and_publishes_then_each_track_learns_on_a_phone(server, new_page, tmp_path):
    image = tmp_path / "so-do.png"
    image.write_bytes(png_bytes())

    trainer = new_page(viewport=DESKTOP)
    login(trainer, server, "trainer")
    trainer.goto(server.url + "/author/")
    trainer.evaluate("document.querySelector('details#new').open = true")
    trainer.fill("#code", "E2E-DOI-THOAI")
    trainer.fill("#title", "Đối thoại định kỳ ở cơ sở")
    trainer.fill("#description", "Khóa học thử trong trình duyệt.")
    trainer.check("input[name=tracks][value=business]")
    trainer.check("input[name=tracks][value=public]")
    trainer.click("details#new button.primary")
    trainer.wait_for_url(re.compile(r"/author/courses/\d+$"))
    course_url = trainer.url

    trainer.set_input_files("#asset-file", str(image))
    trainer.click("form[action$='/assets'] button")
    trainer.wait_for_load_state()
    assert "so-do.png" in trainer.content()

    modules = [
        ("Vì sao phải đối thoại", [], "## Sơ đồ\n\n![Sơ đồ đối thoại](assets/so-do.png)\n\nNội dung **chung**."),
        ("Đối thoại ở doanh nghiệp", ["business"], "Dành cho khu vực sản xuất kinh doanh."),
        ("Đối thoại ở cơ quan", ["public"], "Dành cho khu vực hành chính sự nghiệp."),
        ("Tổng kết", [], "Ôn lại các bước."),
    ]
    for title, tracks, content in modules:
        trainer.goto(course_url + "/modules/new")
        trainer.fill("#title", title)
        trainer.fill("#duration_minutes", "5")
        for track in tracks:
            trainer.check(f"input[name=tracks][value={track}]")
        trainer.fill("#content", content)
        if title == "Vì sao phải đối thoại":
            trainer.click("button[name=preview]")
            assert trainer.locator("img[alt='Sơ đồ đối thoại']").count() == 1
            trainer.fill("#quiz", QUIZ)  # the module's quiz, written in the form
            trainer.fill("#pass_mark", "60")
        trainer.click("button[name=save]")
        trainer.wait_for_url(re.compile(r"/author/courses/\d+"))
    shot(trainer, "trainer-course-draft-desktop")

    # a GIFT file into the course's question bank: preview, then save
    gift = tmp_path / "ngan-hang.gift"
    gift.write_text("::Đối thoại:: Ai chủ trì đối thoại định kỳ? {=Người sử dụng lao động ~Công đoàn}\n", encoding="utf-8")
    trainer.goto(course_url)
    trainer.click("text=Ngân hàng câu hỏi, kết quả và thống kê")
    trainer.click("text=Nhập câu hỏi (GIFT/Aiken)")
    trainer.set_input_files("input[type=file]", str(gift))
    trainer.click("form button.primary")
    assert "Ai chủ trì đối thoại định kỳ?" in trainer.content()
    trainer.click("text=Lưu vào ngân hàng câu hỏi")
    assert "Đã lưu 1 câu hỏi" in trainer.content()

    # the learner's view of each track, before publishing
    for track, shown, hidden in (("business", "Đối thoại ở doanh nghiệp", "Đối thoại ở cơ quan"),
                                 ("public", "Đối thoại ở cơ quan", "Đối thoại ở doanh nghiệp")):
        trainer.goto(course_url)
        trainer.click(f"a[href$='/preview?track={track}']")
        outline = trainer.locator("#outline").inner_text()
        assert shown in outline and hidden not in outline, (track, outline)
    trainer.goto(course_url)
    trainer.click("text=Xuất bản phiên bản 1")
    trainer.wait_for_load_state()
    assert "Đã xuất bản" in trainer.content()

    expected = {
        "cadre": ["Vì sao phải đối thoại", "Đối thoại ở doanh nghiệp", "Tổng kết"],
        "cadre2": ["Vì sao phải đối thoại", "Đối thoại ở cơ quan", "Tổng kết"],
    }
    for username, titles in expected.items():
        phone = new_page()
        login(phone, server, username)
        phone.goto(server.url + "/learn/")
        phone.fill("#q", "doi thoai dinh ky")  # typed without diacritics
        phone.press("#q", "Enter")
        phone.click("text=Đối thoại định kỳ ở cơ sở")
        outline = phone.locator("ol.modules li").all_inner_texts()
        assert [t.split("·")[0].strip() for t in outline] == titles, username
        shot(phone, f"{username}-course-phone")
        phone.click("text=Ghi danh và bắt đầu học")
        phone.wait_for_url(re.compile(r"/modules/"))
        # the image loads from the platform and the page fits the phone's width
        assert phone.evaluate("document.querySelector('.lesson img').naturalWidth") == 1
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
        assert phone.locator("section.quiz-block").count() == 1  # the quiz the trainer wrote in the form
        shot(phone, f"{username}-module-phone")
        # the module ends with its quiz: answered right, it completes the module
        phone.click("section.quiz-block button.primary")
        phone.wait_for_url(re.compile(r"/attempts/\d+"))
        for _ in range(5):
            right = phone.get_by_label("Người sử dụng lao động và công đoàn")
            if right.count():
                right.check()
            number = phone.locator("form.quiz .answer input[type=text], form.quiz .answer input[inputmode]")
            if number.count():
                number.first.fill("1")
                # the page goes away at once, within the pause the autosave waits for after typing
                if username == "cadre":  # reloaded: the tab shows the answer again
                    phone.reload()
                else:  # closed: the answer reached the server, another device shows it
                    attempt_url = phone.url
                    phone.close()
                    phone = new_page()
                    login(phone, server, username)
                    phone.goto(attempt_url)
                    number = phone.locator("form.quiz .answer input[type=text], form.quiz .answer input[inputmode]")
                assert number.first.input_value() == "1", username
            if not phone.locator("button[name=go][value=next]").count():
                break
            phone.click("button[name=go][value=next]")
        shot(phone, f"{username}-quiz-answered-phone")
        # tapped right after typing: the autosave's "Đang lưu…" must not move the button from under the finger
        phone.click("button[name=go][value=finish]")
        phone.click("form[action$='/submit'] button.primary")
        phone.wait_for_url(re.compile(r"/result"))
        assert "100,0%" in phone.content(), username
        phone.goto(server.url + "/learn/courses/E2E-DOI-THOAI")  # on to the next lesson
        phone.click(f"ol.modules >> text={titles[1]}")
        phone.wait_for_url(re.compile(r"/modules/"))
        assert titles[1] in phone.locator("h1").inner_text()

        later = new_page()  # another device, later
        login(later, server, username)
        later.goto(server.url + "/")
        later.click("text=Đối thoại định kỳ ở cơ sở")
        later.wait_for_url(re.compile(r"/modules/"))
        assert titles[1] in later.locator("h1").inner_text()
        if username == "cadre":
            finish_course_and_verify_the_certificate(server, later, new_page, tmp_path)


def finish_course_and_verify_the_certificate(server, phone, new_page, tmp_path):
    """The cadre reads the remaining lessons, which completes the course and issues the certificate;
    downloads its PDF; the QR code on it, opened by an anonymous visitor, says the certificate is valid."""
    for _ in range(5):
        done = phone.locator("form[action*='/done'] button")
        if not done.count():
            break
        done.click()
        phone.wait_for_load_state()
    assert "Bạn đã được cấp giấy chứng nhận số" in phone.content()
    phone.goto(server.url + "/certificates/mine")
    shot(phone, "cadre-certificates-phone")
    row = phone.locator("main li, main tr").filter(has_text="Đối thoại định kỳ ở cơ sở").first
    with phone.expect_download() as download:
        row.locator("a[href$='.pdf']").click()
    pdf = tmp_path / "giay-chung-nhan.pdf"
    download.value.save_as(pdf)
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert "GIẤY CHỨNG NHẬN" in text and "Đối thoại định kỳ ở cơ sở" in text
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "trang")], check=True)
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "trang.png")],
                             capture_output=True, text=True, check=True).stdout.strip()
    path = urlsplit(decoded).path
    assert re.fullmatch(r"/verify/[\w-]+", path), decoded

    visitor = new_page()  # anonymous, on another phone
    visitor.goto(server.url + path)
    page = " ".join(visitor.locator("main").inner_text().split())
    assert "Hợp lệ" in page and "Đối thoại định kỳ ở cơ sở" in page, page
    shot(visitor, "anonymous-verification-phone")


def answer(block):
    """Answer one question widget whatever its type; return what must be found there again."""
    for kind in ("input[type=radio]", "input[type=checkbox]"):
        inputs = block.locator(kind)
        if inputs.count():
            inputs.first.check()
            return ("#" + inputs.first.get_attribute("id"), True)
    selects = block.locator("select")
    if selects.count():
        for k in range(selects.count()):
            selects.nth(k).select_option(index=1)
        return ("#" + selects.first.get_attribute("id"), selects.first.input_value())
    field = block.locator("input[type=text], input:not([type]), textarea").first
    field.fill("42")
    field.dispatch_event("change")
    return ("#" + field.get_attribute("id"), "42")


def answered(block) -> bool:
    if block.locator("input:checked").count():
        return True
    selects = block.locator("select")
    if selects.count():
        return all(selects.nth(k).input_value() for k in range(selects.count()))
    fields = block.locator("input[type=text], textarea")
    return bool(fields.count()) and all(fields.nth(k).input_value() for k in range(fields.count()))


def assert_answers(page, chosen):
    for selector, expected in chosen:
        if expected is True:
            assert page.locator(selector).is_checked(), selector
        else:
            assert page.locator(selector).input_value() == expected, selector


def test_quiz_answers_survive_reload_and_a_second_device(server, new_page):
    phone = new_page()
    login(phone, server, "cadre")
    phone.goto(server.url + "/learn/courses/KIEM-TRA-TAI-CHINH")
    phone.click("text=Ghi danh và bắt đầu học")
    phone.wait_for_url(re.compile(r"/modules/"))
    phone.click("section.quiz-block button.primary")
    phone.wait_for_url(re.compile(r"/attempts/\d+"))
    attempt_url = phone.url.split("?")[0]

    questions = phone.locator("form.quiz .answer")
    first_page = questions.count()
    assert first_page >= 2
    half = max(1, first_page // 2)
    chosen = []  # (css selector, expected value) pairs that must survive
    for i in range(half):
        chosen.append(answer(questions.nth(i)))
        phone.wait_for_selector("text=Đã lưu")
    phone.wait_for_timeout(300)
    shot(phone, "cadre-quiz-half-phone")

    phone.reload()
    assert_answers(phone, chosen)
    # the page never carries the answer key before submission
    html = phone.content()
    assert "fraction" not in html and "Đáp án đúng" not in html

    other = new_page()  # finishes on another browser context
    login(other, server, "cadre")
    other.goto(attempt_url)
    assert_answers(other, chosen)
    for _ in range(20):
        blocks = other.locator("form.quiz .answer")
        for i in range(blocks.count()):
            if not answered(blocks.nth(i)):
                answer(blocks.nth(i))
        if other.locator("button[name=go][value=next]").count():
            other.click("button[name=go][value=next]")
        else:
            break
    other.click("button[name=go][value=finish]")
    other.click("form[action$='/submit'] button.primary")
    other.wait_for_url(re.compile(r"/result|/attempts/\d+"))
    body = other.content()
    assert "Kết quả bài kiểm tra" in body
    assert re.search(r"Đạt|Không đạt", body)
    shot(other, "cadre-quiz-result-phone")
    # feedback is shown after submission (the sample course's policy: immediately)
    assert other.locator(".feedback, .review").count() > 0
