"""Quiz pages over HTTP: the learner's flow, the answer key kept back, trainers' pages, import, CSRF, access."""
from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser
from io import BytesIO

import pytest
from sqlalchemy import func, select

from lms import ROOT
from lms.core.db import db
from lms.courses import operations as course_ops
from lms.quizzes.models import GRADED, Attempt, AttemptAnswer, Question, Quiz
from tests.conftest import html_text
from tests.quizzes.test_engine_support import (  # noqa: F401
    ESSAY_GIFT, KEY_MARKERS, T0, build_course, quiz_setup, right_form,
)


def _set(setup, **settings):
    for name, value in settings.items():
        setattr(setup.quiz, name, value)
    db.session.flush()


def _module_url(setup):
    return f"/learn/courses/{setup.course.code}/modules/{setup.module.key}"


def _start(client, setup):
    response = client.post(f"/quizzes/{setup.quiz.id}/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/quizzes/attempts/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _fields(setup, attempt_id, position, wrong=False):
    attempt = db.session.get(Attempt, attempt_id)
    form = right_form(attempt, wrong)
    return {k: v for k, v in form.items() if k.startswith(f"q{position}-")}


def _assert_no_key(text, where):
    leaked = [m for m in KEY_MARKERS if m in text]
    assert not leaked, f"{where} shows the answer key: {leaked}"


def test_module_page_shows_the_quiz_block(client, auth, quiz_setup):
    auth.login("cadre")
    page = html_text(client.get(_module_url(quiz_setup)))
    assert "Bài kiểm tra" in page and "3 câu hỏi · điểm đạt 60%" in page
    assert "Làm bài" in page and "Đánh dấu đã học xong" not in page
    _start(client, quiz_setup)
    page = html_text(client.get(_module_url(quiz_setup)))
    assert "Làm tiếp" in page and "Đang làm" in page


def test_the_same_layout_and_option_order_on_another_device(app, client, auth, quiz_setup):
    _set(quiz_setup, questions_per_page=10)
    auth.login("cadre")
    attempt_id = _start(client, quiz_setup)
    first = client.get(f"/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    phone = app.test_client()
    phone.post("/login", data={"username": "cadre", "password": "mat-khau-thu-nghiem"})
    assert _start(phone, quiz_setup) == attempt_id  # "Làm tiếp" resumes, never a second attempt
    second = phone.get(f"/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    order = lambda html: re.findall(r'name="q\d+-choice" value="(\w+)"', html)  # noqa: E731
    assert order(first) == order(second) and len(order(first)) == 5
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_autosave_answers_only_saved_and_the_key_never_shows_before_submission(client, auth, quiz_setup):
    _set(quiz_setup, questions_per_page=2)
    auth.login("cadre")
    pages = [html_text(client.get(_module_url(quiz_setup)))]
    attempt_id = _start(client, quiz_setup)
    for position in (1, 2, 3):
        response = client.post(f"/quizzes/attempts/{attempt_id}/answers/{position}", data=_fields(quiz_setup, attempt_id, position))
        assert response.status_code == 200
        body = response.get_json()
        assert set(body) == {"saved", "saved_at", "answered", "warning"} and body["saved"] is True
        assert body["answered"] is True and body["warning"] is None
        pages.append(response.get_data(as_text=True))
    for url in (f"/quizzes/attempts/{attempt_id}", f"/quizzes/attempts/{attempt_id}?page=2",
                f"/quizzes/attempts/{attempt_id}/finish", _module_url(quiz_setup)):
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(html_text(response))
    # the result URL of an open attempt sends the learner back to the attempt
    assert client.get(f"/quizzes/attempts/{attempt_id}/result").status_code == 302
    for i, text in enumerate(pages):
        _assert_no_key(text, f"page {i}")
    assert 'name="q1-choice"' in pages[4] and "checked" in pages[4]
    answers = db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)).all()
    assert all(a.response is not None for a in answers)

    response = client.post(f"/quizzes/attempts/{attempt_id}/submit")
    assert response.status_code == 302
    result = html_text(client.get(f"/quizzes/attempts/{attempt_id}/result"))
    assert "Đạt" in result and "Đáp án đúng" in result and "Chính xác: ngày 28/7/1929" in result
    assert "Phản hồi khi chọn đúng" in result
    # after submission saving is refused, in Vietnamese
    late = client.post(f"/quizzes/attempts/{attempt_id}/answers/1", data=_fields(quiz_setup, attempt_id, 1, wrong=True))
    assert late.status_code == 409 and "đã nộp" in late.get_json()["error"]
    assert "Đã xong" in html_text(client.get(_module_url(quiz_setup)))


@pytest.mark.parametrize("review_when, feedback_when, closes, shows_review, shows_key", [
    ("never", "immediately", None, False, False),
    ("after_close", "immediately", +1, False, False),
    ("after_close", "immediately", -1, True, True),
    ("after_submit", "after_close", +1, True, False),
    ("after_submit", "after_submit", None, True, True),
])
def test_review_and_feedback_follow_the_policy(client, auth, quiz_setup, monkeypatch, review_when, feedback_when,
                                               closes, shows_review, shows_key):
    import lms.core.db

    _set(quiz_setup, review_when=review_when, feedback_when=feedback_when,
         closes_at=T0 + dt.timedelta(days=closes) if closes else None)
    auth.login("cadre")
    monkeypatch.setattr(lms.core.db, "utcnow", lambda: T0 - dt.timedelta(days=2))  # open while answering
    attempt_id = _start(client, quiz_setup)
    for position in (1, 2, 3):
        client.post(f"/quizzes/attempts/{attempt_id}/answers/{position}", data=_fields(quiz_setup, attempt_id, position))
    client.post(f"/quizzes/attempts/{attempt_id}/submit")
    monkeypatch.setattr(lms.core.db, "utcnow", lambda: T0)
    result = html_text(client.get(f"/quizzes/attempts/{attempt_id}/result"))
    assert ("Xem lại bài làm" in result) is shows_review
    assert ("Chính xác: ngày 28/7/1929" in result) is shows_key
    assert ("Đáp án đúng" in result) is shows_key
    assert "3 / 3" in result  # the score itself is always shown once graded


def test_pages_without_javascript_save_page_by_page(client, auth, quiz_setup):
    _set(quiz_setup, questions_per_page=2)
    auth.login("cadre")
    attempt_id = _start(client, quiz_setup)
    page1 = client.get(f"/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    assert "Lưu và sang trang tiếp" in page1 and 'src="/static/js/quiz.js"' in page1 and "<script>" not in page1
    data = {"page": "1", "go": "next", **_fields(quiz_setup, attempt_id, 1)}
    response = client.post(f"/quizzes/attempts/{attempt_id}/save", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("page=2")
    response = client.post(f"/quizzes/attempts/{attempt_id}/save", data={"page": "2", "go": "finish"})
    assert response.headers["Location"].endswith("/finish")
    finish = html_text(client.get(f"/quizzes/attempts/{attempt_id}/finish"))
    assert "Bạn đã trả lời 1 / 3 câu." in finish
    assert "Câu 2" in finish and "Câu 3" in finish and "Câu 1<" not in finish
    saved = db.session.scalars(select(AttemptAnswer.response).where(AttemptAnswer.attempt_id == attempt_id)
                               .order_by(AttemptAnswer.position)).all()
    assert saved[0] is not None and saved[1:] == [None, None]
    # the review names the questions left blank as such, not as wrong answers
    client.post(f"/quizzes/attempts/{attempt_id}/submit")
    result = html_text(client.get(f"/quizzes/attempts/{attempt_id}/result"))
    assert result.count("Chưa trả lời") == 2 and "Trả lời đúng" in result


def test_time_limit_over_http(client, auth, quiz_setup, monkeypatch):
    import lms.core.db

    clock = [T0]
    monkeypatch.setattr(lms.core.db, "utcnow", lambda: clock[0])
    _set(quiz_setup, time_limit_minutes=10)
    auth.login("cadre")
    attempt_id = _start(client, quiz_setup)
    page = html_text(client.get(f"/quizzes/attempts/{attempt_id}"))
    assert 'data-remaining="600"' in page and "10:00" in page
    clock[0] = T0 + dt.timedelta(minutes=4, seconds=30)
    assert client.post(f"/quizzes/attempts/{attempt_id}/answers/1", data=_fields(quiz_setup, attempt_id, 1)).status_code == 200
    assert "05:30" in html_text(client.get(f"/quizzes/attempts/{attempt_id}"))
    clock[0] = T0 + dt.timedelta(minutes=11)
    late = client.post(f"/quizzes/attempts/{attempt_id}/answers/2", data=_fields(quiz_setup, attempt_id, 2))
    assert late.status_code == 409
    assert "hết giờ" in late.get_json()["error"] and late.get_json()["redirect"].endswith("/result")
    attempt = db.session.get(Attempt, attempt_id)
    db.session.refresh(attempt)
    assert attempt.state == GRADED and attempt.fraction == pytest.approx(1 / 3)  # kept although the request failed
    assert client.get(f"/quizzes/attempts/{attempt_id}").status_code == 302


def test_max_attempts_over_http(client, auth, quiz_setup):
    _set(quiz_setup, max_attempts=1)
    auth.login("cadre")
    attempt_id = _start(client, quiz_setup)
    client.post(f"/quizzes/attempts/{attempt_id}/submit")
    response = client.post(f"/quizzes/{quiz_setup.quiz.id}/start", follow_redirects=True)
    assert "Bạn đã dùng hết 1 lần làm bài." in html_text(response)
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_another_cadres_attempt_is_refused(app, client, auth, quiz_setup, province):
    auth.login("cadre")
    attempt_id = _start(client, quiz_setup)
    other = app.test_client()
    other.post("/login", data={"username": "cadre2", "password": "mat-khau-thu-nghiem"})
    for url in (f"/quizzes/attempts/{attempt_id}", f"/quizzes/attempts/{attempt_id}/finish",
                f"/quizzes/attempts/{attempt_id}/result"):
        assert other.get(url).status_code == 403, url
    for url in (f"/quizzes/attempts/{attempt_id}/answers/1", f"/quizzes/attempts/{attempt_id}/save",
                f"/quizzes/attempts/{attempt_id}/submit"):
        response = other.post(url, data=_fields(quiz_setup, attempt_id, 1, wrong=True))
        assert response.status_code == 403, url
        assert "1929" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AttemptAnswer.id)).where(AttemptAnswer.response.is_not(None))) == 0
    assert db.session.get(Attempt, attempt_id).state == "in_progress"
    # cadre2 (public track) is not enrolled: starting the quiz is refused without revealing it
    assert other.post(f"/quizzes/{quiz_setup.quiz.id}/start").status_code == 404


def test_csrf_is_required_and_the_header_is_accepted(app, client, auth, quiz_setup, csrf_on):
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"username": "cadre", "password": "mat-khau-thu-nghiem", "csrf_token": token})
    assert client.post(f"/quizzes/{quiz_setup.quiz.id}/start").status_code == 400
    module_page = client.get(_module_url(quiz_setup)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', module_page).group(1)
    response = client.post(f"/quizzes/{quiz_setup.quiz.id}/start", data={"csrf_token": token})
    attempt_id = int(response.headers["Location"].split("/")[-1])
    fields = _fields(quiz_setup, attempt_id, 1)
    assert client.post(f"/quizzes/attempts/{attempt_id}/answers/1", data=fields).status_code == 400
    page = client.get(f"/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    header = re.search(r'data-csrf="([^"]+)"', page).group(1)
    response = client.post(f"/quizzes/attempts/{attempt_id}/answers/1", data=fields, headers={"X-CSRFToken": header})
    assert response.status_code == 200 and response.get_json()["saved"] is True
    for url in (f"/quizzes/attempts/{attempt_id}/save", f"/quizzes/attempts/{attempt_id}/submit"):
        assert client.post(url, data={"page": "1"}).status_code == 400
    assert db.session.get(Attempt, attempt_id).state == "in_progress"


# -- trainers -------------------------------------------------------------------------------------

def _trainer(client, auth):
    auth.login("trainer")
    return client


def _essay_submitted(app, province):
    """The cadre's submitted attempt at a quiz with an essay to grade: (the course, the cadre's client, the attempt id)."""
    built = build_course(province["users"]["trainer"], code="TU-LUAN", gift=ESSAY_GIFT, pass_mark=75)
    course_ops.enrol(province["cadre_a"], built.course)
    learner = app.test_client()
    learner.post("/login", data={"username": "cadre", "password": "mat-khau-thu-nghiem"})
    attempt_id = _start(learner, built)
    for position in (1, 2):
        learner.post(f"/quizzes/attempts/{attempt_id}/answers/{position}", data=_fields(built, attempt_id, position))
    learner.post(f"/quizzes/attempts/{attempt_id}/submit")
    return built, learner, attempt_id


def test_the_grading_queue_flags_only_types_not_installed(app, client, auth, province):
    """The queue marked every question that is not an essay "Loại câu hỏi chưa được cài đặt": an installed
    plugin type that a trainer grades by hand was said to be missing."""
    from lms.core.plugins import GROUP_QUESTION_TYPES, registry
    from lms.quizzes.types.essay import Essay

    class Oral(Essay):  # a plugin's hand-graded type
        name = "oral"

    built, _learner, attempt_id = _essay_submitted(app, province)
    answer = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id, AttemptAnswer.position == 2))
    types = registry(app, GROUP_QUESTION_TYPES)
    types.add("oral", Oral)
    try:
        answer.question.type = "oral"
        db.session.flush()
        _trainer(client, auth)
        url = f"/quizzes/courses/{built.course.id}/grading"
        assert "Loại câu hỏi chưa được cài đặt" not in html_text(client.get(url))
        answer.question.type = "hotspot"  # stored, and not installed
        db.session.flush()
        assert "Loại câu hỏi chưa được cài đặt: hotspot" in html_text(client.get(url))
    finally:
        types.items.pop("oral", None)


def test_essay_grading_flow(app, client, auth, province):
    built, learner, attempt_id = _essay_submitted(app, province)
    assert "Chờ giảng viên chấm" in html_text(learner.get(f"/quizzes/attempts/{attempt_id}/result"))

    _trainer(client, auth)
    queue = html_text(client.get(f"/quizzes/courses/{built.course.id}/grading"))
    assert "Thu thập ý kiến người lao động" in queue and "Nguyễn Thị Ánh" in queue
    # a text field with the decimal keypad: a number input in Chromium set to Vietnamese took "0,5" for 05
    mark_input = re.search(r'<input[^>]*name="a\d+-mark"[^>]*>', queue).group(0)
    assert 'type="text"' in mark_input and 'inputmode="decimal"' in mark_input
    answer = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id, AttemptAnswer.position == 2))
    response = client.post(f"/quizzes/answers/{answer.id}/grade", data={f"a{answer.id}-mark": "nửa điểm"},
                           follow_redirects=True)
    assert "Vui lòng nhập một số." in html_text(response)
    response = client.post(f"/quizzes/answers/{answer.id}/grade",
                           data={f"a{answer.id}-mark": "1,5", f"a{answer.id}-comment": "Cần nêu ví dụ cụ thể."})
    assert response.status_code == 422 and "Điểm phải từ 0 đến 1." in html_text(response)
    assert "Cần nêu ví dụ cụ thể.</textarea>" in html_text(response)  # the comment typed is kept
    assert db.session.get(AttemptAnswer, answer.id).fraction is None
    response = client.post(f"/quizzes/answers/{answer.id}/grade",
                           data={f"a{answer.id}-mark": "0,5", f"a{answer.id}-comment": "Nêu thêm ví dụ."}, follow_redirects=True)
    assert "Đã chấm xong" in html_text(response) and "Không có bài nào chờ chấm." in html_text(response)
    assert re.search(r"Đã chấm xong bài làm lần 1 của [^:]+: \d+,\d%, (đạt|không đạt)\.", html_text(response))
    attempt = db.session.get(Attempt, attempt_id)
    db.session.refresh(attempt)
    assert attempt.state == GRADED and attempt.passed and attempt.fraction == pytest.approx(0.75)
    result = html_text(learner.get(f"/quizzes/attempts/{attempt_id}/result"))
    assert "Nêu thêm ví dụ." in result and "Đạt" in result
    assert "Đã xong" in html_text(learner.get(f"/learn/courses/{built.course.code}/modules/{built.module.key}"))
    # the trainer's list of attempts and the attempt's review
    assert "Nguyễn Thị Ánh" in html_text(client.get(f"/quizzes/{built.quiz.id}/attempts"))
    assert "Đáp án đúng" in html_text(client.get(f"/quizzes/attempts/{attempt_id}/result"))


def test_a_trainer_whose_grading_completes_a_course_is_told_whose_certificate_it_is(app, client, auth, province):
    """Grading the last essay completes the cadre's course and issues their certificate in the trainer's
    request: the trainer read "Bạn đã được cấp giấy chứng nhận số …" ("you have been issued"), meant for
    the cadre; they are told the cadre's name instead."""
    from lms.core.settings import save_settings

    save_settings({"signer_name": "Nguyễn Văn Ký", "public_base_url": "https://hoc.congdoan.example"})
    built, learner, attempt_id = _essay_submitted(app, province)

    _trainer(client, auth)
    answer = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id, AttemptAnswer.position == 2))
    page = html_text(client.post(f"/quizzes/answers/{answer.id}/grade", data={f"a{answer.id}-mark": "1"},
                                 follow_redirects=True))
    assert "Bạn đã được cấp" not in page
    assert re.search(r"Nguyễn Thị Ánh đã hoàn thành khóa học và được cấp giấy chứng nhận số \d+/", page), page


def test_statistics_page_and_missing_types(app, client, auth, quiz_setup):
    quiz_setup.quiz.slots[1].question.type = "hotspot"
    db.session.flush()
    learner = app.test_client()
    learner.post("/login", data={"username": "cadre", "password": "mat-khau-thu-nghiem"})
    attempt_id = _start(learner, quiz_setup)
    _set(quiz_setup, questions_per_page=5)
    page = html_text(learner.get(f"/quizzes/attempts/{attempt_id}"))
    assert "Loại câu hỏi chưa được cài đặt: hotspot" in page
    learner.post(f"/quizzes/attempts/{attempt_id}/answers/1", data=_fields(quiz_setup, attempt_id, 1))
    assert learner.post(f"/quizzes/attempts/{attempt_id}/answers/2", data={"q2-x": "1"}).status_code == 200
    learner.post(f"/quizzes/attempts/{attempt_id}/submit")
    assert "Loại câu hỏi chưa được cài đặt: hotspot" in html_text(learner.get(f"/quizzes/attempts/{attempt_id}/result"))
    _trainer(client, auth)
    grading = html_text(client.get(f"/quizzes/courses/{quiz_setup.course.id}/grading"))
    assert "Loại câu hỏi chưa được cài đặt: hotspot" in grading
    answer = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id, AttemptAnswer.position == 2))
    client.post(f"/quizzes/answers/{answer.id}/grade", data={f"a{answer.id}-mark": "1"})
    stats = html_text(client.get(f"/quizzes/{quiz_setup.quiz.id}/statistics"))
    assert "Loại câu hỏi chưa được cài đặt: hotspot" in stats
    assert "1,00" in stats and "–" in stats  # facility of Q1; discrimination needs more attempts
    bank = html_text(client.get(f"/quizzes/courses/{quiz_setup.course.id}"))
    assert "Lịch sử Công đoàn" in bank and "hotspot" in bank


def test_import_preview_errors_and_all_or_nothing_save(client, auth, quiz_setup):
    _trainer(client, auth)
    course = quiz_setup.course
    before = db.session.scalar(select(func.count(Question.id)))
    bad = "::A:: Câu đúng {=Có ~Không}\n\n::B:: Câu sai {#3,14}\n"
    empty = client.post(f"/quizzes/courses/{course.id}/import", data={"file": (BytesIO(b""), "trong.gift"),
                                                                      "format": "auto"},
                        content_type="multipart/form-data")
    assert empty.status_code == 422 and "Tệp trong.gift trống: không có câu hỏi nào." in html_text(empty)
    page = client.post(f"/quizzes/courses/{course.id}/import", data={"text": bad, "format": "auto"})
    text = html_text(page)
    assert page.status_code == 200
    assert "Dòng 3:" in text and "Câu đúng" in text and "Lưu vào ngân hàng câu hỏi" not in text
    response = client.post(f"/quizzes/courses/{course.id}/import", data={"confirm": "1", "text": bad, "format": "gift"})
    assert response.status_code == 422 and "Dòng 3:" in html_text(response)
    assert db.session.scalar(select(func.count(Question.id))) == before
    good = "$CATEGORY: $course$/Tài chính\n\n::P1:: Đoàn phí từ 1/7/2025? {=0,5% lương đóng BHXH#Đúng ~1% lương đóng BHXH}\n"
    page = html_text(client.post(f"/quizzes/courses/{course.id}/import", data={"text": good, "format": "auto"}))
    assert "Lưu vào ngân hàng câu hỏi" in page and "100,0%" in page and "Tài chính" in page
    response = client.post(f"/quizzes/courses/{course.id}/import", data={"confirm": "1", "text": good, "format": "gift"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Question.id))) == before + 1
    export = client.get(f"/quizzes/courses/{course.id}/export.gift")
    assert export.status_code == 200 and "attachment" in export.headers["Content-Disposition"]
    body = export.get_data(as_text=True)
    assert "$CATEGORY: $course$/Tài chính" in body and "::P1::" in body and "::Q1::" in body

    upload = client.post(f"/quizzes/courses/{course.id}/import", data={
        "file": (BytesIO("Câu hỏi?\nA) Có\nB) Không\nANSWER: A\n".encode()), "cau-hoi.txt"), "format": "auto",
    }, content_type="multipart/form-data")
    assert "AIKEN" in html_text(upload)


class _Forms(HTMLParser):
    """The forms of a page as a browser would submit them: ``{action: {name: value}}`` (no file chosen)."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._form: dict[str, str] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = self.forms.setdefault(a.get("action", ""), {})
        elif self._form is None:
            return
        elif tag == "input" and a.get("type") not in ("file", "radio", "checkbox") and a.get("name"):
            self._form[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self._form[self._select] = a["value"]
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form[self._textarea] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._form is not None:
            text = self._form[self._textarea]  # a browser drops the newline right after <textarea>
            self._form[self._textarea] = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self._textarea = None


def _forms(response) -> dict[str, dict[str, str]]:
    parser = _Forms()
    parser.feed(response.get_data(as_text=True))
    return parser.forms


def test_import_errors_are_in_the_pages_language(client, auth, quiz_setup):
    """An English page lists the file's errors in English, with their line numbers; the command line
    keeps them in Vietnamese (its JSON output is documented so)."""
    from lms.quizzes.formats import parse

    _trainer(client, auth)
    client.post("/language", data={"lang": "en"})
    bad = "::A:: Câu đúng {=Có ~Không}\n\n::B:: Câu sai {#3,14}\n"
    text = html_text(client.post(f"/quizzes/courses/{quiz_setup.course.id}/import", data={"text": bad, "format": "auto"}))
    assert "Line 3:" in text and "Dòng 3:" not in text
    assert parse(bad, "gift").errors[0]["message"].startswith("Dòng 3:")


def test_an_import_with_errors_keeps_what_was_sent_to_correct_it(app, client, auth, quiz_setup):
    """The preview of a file with errors shows the form again, filled: text, chosen format, CSRF token."""
    _trainer(client, auth)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        url = f"/quizzes/courses/{quiz_setup.course.id}/import"
        token = next(iter(_forms(client.get(url)).values()))["csrf_token"]
        bad = "::A:: Câu đúng {=Có ~Không}\n\n::B:: Câu <sai> & \"lỗi\" {#3,14}\n"
        page = client.post(url, data={"csrf_token": token, "text": bad, "format": "gift"})
        assert page.status_code == 200 and "Dòng 3:" in html_text(page)
        assert url in _forms(page), "the preview of a file with errors has no form to correct it in"
        form = _forms(page)[url]
        assert form.pop("csrf_token") and form == {"text": bad, "format": "gift"}
        assert "Lưu vào ngân hàng câu hỏi" not in html_text(page)
        before = db.session.scalar(select(func.count(Question.id)))

        form["text"] = form["text"].replace("{#3,14}", "{#3.14}")  # corrected in place, nothing retyped
        page = client.post(url, data=_forms(page)[url] | form)
        assert "Lưu vào ngân hàng câu hỏi" in html_text(page) and "Dòng 3:" not in html_text(page)
        saved = client.post(url, data=_forms(page)[url])
        assert saved.status_code == 302
        assert db.session.scalar(select(func.count(Question.id))) == before + 2

        # an uploaded file: its text is what the form shows again; "auto" stays chosen
        upload = client.post(url, data={"csrf_token": token, "format": "auto",
                                        "file": (BytesIO("\ufeffCâu hỏi?\nA) Có\nANSWER: C\n".encode()), "cau-hoi.txt")},
                             content_type="multipart/form-data")
        form = _forms(upload)[url]
        assert form["text"] == "Câu hỏi?\nA) Có\nANSWER: C\n" and form["format"] == "auto"
        # the save refused after all (the text sent back has errors): the same
        refused = client.post(url, data={"csrf_token": token, "confirm": "1", "text": bad, "format": "gift"})
        assert refused.status_code == 422
        form = _forms(refused)[url]
        assert form.pop("csrf_token") and form == {"text": bad, "format": "gift"}
        # and the form still needs its token
        refused = client.post(url, data=form)
        assert refused.status_code == 400 and "Dòng 3:" not in html_text(refused)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_quiz_settings(client, auth, quiz_setup):
    _trainer(client, auth)
    url = f"/quizzes/{quiz_setup.quiz.id}/settings"
    page = client.get(url)
    assert page.status_code == 200
    # the server's messages ("Điểm đạt phải là số phần trăm từ 1 đến 100."), not the browser's own, in its language
    assert re.search(r"<form [^>]*novalidate", html_text(page))
    response = client.post(url, data={
        "pass_mark": "80", "max_attempts": "3", "grading_method": "average", "time_limit_minutes": "20",
        "feedback_when": "after_close", "review_when": "after_submit", "closes_at": "2026-03-05T17:00",
        "questions_per_page": "1", "shuffle_options": "y",
    })
    assert response.status_code == 302
    # 05/03/2026 has passed: saved, with a warning that no new attempt can start
    assert "Thời điểm đóng đã qua" in html_text(client.get(response.headers["Location"]))
    quiz = quiz_setup.quiz
    db.session.refresh(quiz)
    assert (quiz.pass_mark, quiz.max_attempts, quiz.grading_method, quiz.time_limit_minutes) == (80, 3, "average", 20)
    assert quiz.closes_at == dt.datetime(2026, 3, 5, 10, 0, tzinfo=dt.timezone.utc)  # 17:00 in Hà Nội
    assert quiz.shuffle_options and not quiz.shuffle_questions
    assert client.post(url, data={"pass_mark": "120"}).status_code == 422
    zero = client.post(url, data={"pass_mark": "0", "max_attempts": "3", "grading_method": "average",
                                  "feedback_when": "immediately", "review_when": "after_submit", "questions_per_page": "1"})
    assert zero.status_code == 422 and "Điểm đạt phải là số phần trăm từ 1 đến 100." in html_text(zero)
    # "after the quiz closes" without a closing time would show learners nothing, ever
    refused = client.post(url, data={
        "pass_mark": "70", "max_attempts": "3", "grading_method": "average", "feedback_when": "immediately",
        "review_when": "after_close", "closes_at": "", "questions_per_page": "1"})
    assert refused.status_code == 422 and "Hãy chọn thời điểm đóng bài kiểm tra" in html_text(refused)
    db.session.refresh(quiz)
    assert quiz.pass_mark == 80 and quiz.closes_at is not None


def test_settings_changed_after_a_draft_was_made_stay_in_the_next_version_and_the_package(client, auth, quiz_setup):
    """Changed under Cài đặt, the pass mark came back as it was when the next version was published
    (it is also the module's, from its quiz file) and the package export still wrote the old one; the
    time limit came back as it was when a draft made before the change was published."""
    from lms.courses.package import package_of

    course, module = quiz_setup.course, quiz_setup.module
    draft_before = course_ops.draft_of(course)  # a draft made before the change, its pass mark untouched
    _trainer(client, auth)
    response = client.post(f"/quizzes/{quiz_setup.quiz.id}/settings", data={
        "pass_mark": "75", "max_attempts": "0", "grading_method": "highest", "time_limit_minutes": "20",
        "feedback_when": "immediately", "review_when": "after_submit", "questions_per_page": "5"})
    assert response.status_code == 302
    assert [m.pass_mark for m in package_of(quiz_setup.version).modules] == [75]
    draft_module = next(m for m in draft_before.modules if m.key == module.key)
    db.session.refresh(draft_module.quiz_source)
    assert draft_module.quiz_source.pass_mark == 75
    assert 'value="75"' in html_text(client.get(f"/author/modules/{draft_module.id}/edit"))
    course_ops.publish(draft_before)
    quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == draft_module.id))
    assert (quiz.pass_mark, quiz.time_limit_minutes) == (75, 20)


def test_other_trainers_and_learners_cannot_manage(app, client, auth, quiz_setup, make):
    make.user("giangvien-khac", role="trainer")
    auth.login("giangvien-khac")
    for url in (f"/quizzes/courses/{quiz_setup.course.id}", f"/quizzes/{quiz_setup.quiz.id}/attempts",
                f"/quizzes/{quiz_setup.quiz.id}/statistics", f"/quizzes/courses/{quiz_setup.course.id}/grading",
                f"/quizzes/courses/{quiz_setup.course.id}/import", f"/quizzes/courses/{quiz_setup.course.id}/export.gift"):
        assert client.get(url).status_code == 403, url


def test_resuming_an_attempt_whose_time_ran_out_shows_its_result(client, auth, quiz_setup, monkeypatch):
    import lms.core.db

    clock = [T0]
    monkeypatch.setattr(lms.core.db, "utcnow", lambda: clock[0])
    _set(quiz_setup, time_limit_minutes=5)
    auth.login("cadre")
    attempt_id = _start(client, quiz_setup)
    client.post(f"/quizzes/attempts/{attempt_id}/answers/1", data=_fields(quiz_setup, attempt_id, 1))
    clock[0] = T0 + dt.timedelta(hours=2)
    assert "Làm tiếp" in html_text(client.get(_module_url(quiz_setup)))
    response = client.post(f"/quizzes/{quiz_setup.quiz.id}/start")
    assert response.headers["Location"].endswith(f"/quizzes/attempts/{attempt_id}/result")
    result = html_text(client.get(response.headers["Location"]))
    assert "hết giờ" in result and "1 / 3" in result
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_a_numeric_answer_is_shown_as_it_is_typed(app):
    """The review's "Đáp án đúng: 1929", not "1.929" right under the hint that says not to write 1.929."""
    with app.test_request_context():
        template = app.jinja_env.from_string("{{ 1929|typed_number }} ± {{ 0.25|typed_number }}")
        assert template.render() == "1929 ± 0,25"
    review = (ROOT / "lms" / "quizzes" / "templates" / "quizzes" / "_review.html").read_text(encoding="utf-8")
    assert "x.value|typed_number" in review and "x.value|mark" not in review


NUMERIC_GIFT = """\
::N1:: Công đoàn Việt Nam được thành lập năm nào? {#1929}

::N2:: Mức đoàn phí là bao nhiêu phần trăm tiền lương? {#0.5:0.01}
"""


def test_a_numeric_answer_that_is_not_a_number_is_flagged_before_submission(client, auth, province):
    """"một nghìn chín trăm" in a numeric question used to be saved without a word and scored 0 at
    submission: the autosave's reply, the attempt page and the confirmation now say it cannot earn
    marks as written, without telling the answer; a number clears the warning."""
    built = build_course(province["users"]["trainer"], code="BKT-SO", gift=NUMERIC_GIFT, questions_per_page=1)
    course_ops.enrol(province["cadre_a"], built.course)
    auth.login("cadre")
    attempt_id = _start(client, built)
    url = f"/quizzes/attempts/{attempt_id}/answers/1"
    body = client.post(url, data={"q1-number": "một nghìn chín trăm"}).get_json()
    assert body["saved"] is True and body["answered"] is True
    assert "“một nghìn chín trăm” không phải là một số" in body["warning"] and "1929" not in body["warning"]
    page = client.get(f"/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    assert re.search(r'<p class="alert warning" data-warning role="alert">[^<]*không phải là một số', page)
    finish = re.sub(r"<[^>]+>", "", html_text(client.get(f"/quizzes/attempts/{attempt_id}/finish")))
    assert re.search(r"không đúng dạng \(sẽ không được điểm\):\s*Câu 1\s*Sau khi nộp", finish)
    for typed in ("1929", "1.929", "−3", ",5"):
        assert client.post(url, data={"q1-number": typed}).get_json()["warning"] is None, typed
    page = client.get(f"/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    assert "data-warning" not in page
    assert "không đúng dạng" not in html_text(client.get(f"/quizzes/attempts/{attempt_id}/finish"))
    # an emptied answer is unanswered, not a warning
    body = client.post(url, data={"q1-number": ""}).get_json()
    assert body["answered"] is False and body["warning"] is None


def test_a_question_file_is_read_in_its_encoding_or_refused(client, auth, quiz_setup):
    """UTF-8 (with or without BOM) and UTF-16 with a BOM are read as they are; a file saved in Windows-1258
    (Word, Notepad on Vietnamese Windows) is read in that code page, with a warning to check the accents in
    the preview (it was read as UTF-8 with "�" in place of every accented letter); a file that is not text
    is refused on its field. Nothing is saved by a preview."""
    _trainer(client, auth)
    url = f"/quizzes/courses/{quiz_setup.course.id}/import"
    aiken = "Câu hỏi tiếng Việt về Điều lệ?\nA. Đúng\nB. Sai\nANSWER: A\n"
    before = db.session.scalar(select(func.count(Question.id)))

    def upload(data: bytes, name: str = "cau-hoi.txt"):
        return client.post(url, data={"file": (BytesIO(data), name), "format": "auto"},
                           content_type="multipart/form-data")

    for data in (aiken.encode("utf-8"), aiken.encode("utf-8-sig"), aiken.encode("utf-16")):
        page = html_text(upload(data))
        assert "Câu hỏi tiếng Việt về Điều lệ?" in page and "Windows-1258" not in page
    from tests.cadres.test_import import cp1258

    page = html_text(upload(cp1258(aiken)))
    assert "Câu hỏi tiếng Việt về Điều lệ?" in page and "�" not in page
    assert "đã đọc theo bảng mã Windows-1258" in page
    refused = upload(b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 64, "cau-hoi.txt")  # a .docx renamed
    assert refused.status_code == 422 and "Tệp không phải văn bản" in html_text(refused)
    assert db.session.scalar(select(func.count(Question.id))) == before


def test_a_result_says_when_the_attempt_was_submitted_because_its_time_ran_out(client, auth, quiz_setup, monkeypatch):
    """The page's timer sends the cadre to the result when the time is up; the result showed a
    score and nothing of why the attempt had ended, as if the cadre had submitted it."""
    import lms.core.db

    clock = [T0]
    monkeypatch.setattr(lms.core.db, "utcnow", lambda: clock[0])
    _set(quiz_setup, time_limit_minutes=5)
    auth.login("cadre")
    timed_out = _start(client, quiz_setup)
    clock[0] = T0 + dt.timedelta(minutes=5, seconds=2)
    result = html_text(client.get(f"/quizzes/attempts/{timed_out}/result"))
    assert "tự động, khi hết giờ làm bài" in result
    submitted = _start(client, quiz_setup)
    clock[0] += dt.timedelta(minutes=1)
    client.post(f"/quizzes/attempts/{submitted}/submit")
    assert "tự động, khi hết giờ làm bài" not in html_text(client.get(f"/quizzes/attempts/{submitted}/result"))


def test_a_result_leads_back_to_the_quiz_block_of_the_lesson(client, auth, quiz_setup):
    """"Về bài học" opened the lesson at its top: the attempts, "Làm lại" and "Bài tiếp theo" are under
    the whole lesson, a long scroll on a phone."""
    auth.login("cadre")
    attempt_id = _start(client, quiz_setup)
    client.post(f"/quizzes/attempts/{attempt_id}/submit")
    result = client.get(f"/quizzes/attempts/{attempt_id}/result").get_data(as_text=True)
    assert f'href="{_module_url(quiz_setup)}#quiz-title"' in result
    assert 'id="quiz-title"' in client.get(_module_url(quiz_setup)).get_data(as_text=True)


def test_a_matching_questions_review_names_its_items_as_the_question_did(client, auth, province):
    """The question asks to "Chọn đáp án phù hợp cho từng mục"; its review headed that column "Vế trái"
    (left side), a term from the GIFT format, not from anything the cadre saw."""
    from lms.courses import operations as course_ops
    from tests.quizzes.test_engine_support import build_course

    gift = "::M1:: Ghép mỗi hoạt động với đặc điểm. {\n=Kiểm tra -> Có kết luận\n=Giám sát -> Phòng ngừa\n}\n"
    built = build_course(province["users"]["trainer"], code="GHEP", gift=gift)
    course_ops.enrol(province["cadre_a"], built.course)
    auth.login("cadre")
    attempt_id = _start(client, built)
    client.post(f"/quizzes/attempts/{attempt_id}/submit")
    result = html_text(client.get(f"/quizzes/attempts/{attempt_id}/result"))
    assert "Chọn đáp án phù hợp cho từng mục" in result
    assert "<th>Mục</th><th>Bạn ghép</th>" in result and "Vế trái" not in result


def test_a_result_says_which_attempts_make_the_score_kept(client, auth, quiz_setup):
    """Under the attempt's own score the page gave "Điểm bài kiểm tra của bạn (theo cách tính của
    bài)": which way of counting, the cadre could not tell. It now names it, as the lesson's quiz block does."""
    auth.login("cadre")
    attempt_id = _start(client, quiz_setup)
    client.post(f"/quizzes/attempts/{attempt_id}/submit")
    result = html_text(client.get(f"/quizzes/attempts/{attempt_id}/result"))
    assert "Điểm được ghi nhận cho bài kiểm tra: 0,0% (tính điểm lần cao nhất)" in result
    _set(quiz_setup, grading_method="average")
    assert "(tính điểm trung bình các lần)" in html_text(client.get(f"/quizzes/attempts/{attempt_id}/result"))


def test_every_trainer_quiz_page_leads_back_to_its_course(client, auth, quiz_setup):
    """The question bank had no link back to the course it belongs to (a dead end on a phone): every
    trainer page of the quiz area names the way back to the course's authoring page."""
    _trainer(client, auth)
    course, quiz = quiz_setup.course, quiz_setup.quiz
    back = f'<a href="/author/courses/{course.id}">{course.code}</a>'
    pages = [f"/quizzes/courses/{course.id}", f"/quizzes/courses/{course.id}/import",
             f"/quizzes/courses/{course.id}/grading", f"/quizzes/{quiz.id}/settings",
             f"/quizzes/{quiz.id}/attempts", f"/quizzes/{quiz.id}/statistics"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        nav = re.search(r'<nav class="muted">(.*?)</nav>', response.get_data(as_text=True), re.S)
        assert nav and back in nav.group(1) and 'href="/author/"' in nav.group(1), url
    preview = client.post(f"/quizzes/courses/{course.id}/import", data={"text": "::A:: Câu {=Có ~Không}\n",
                                                                       "format": "auto"})
    assert back in preview.get_data(as_text=True)
    packages = client.get("/author/packages/import").get_data(as_text=True)
    assert re.search(r'<nav class="muted"><a href="/author/">', packages)


def test_the_import_preview_names_categories_as_the_bank_does(client, auth, quiz_setup):
    """The preview showed GIFT's "$course$/Ngân hàng/Đối thoại", a path the bank and the draw rules never
    use; a question without $CATEGORY showed none, though it goes to the course's own category."""
    _trainer(client, auth)
    course = quiz_setup.course
    text = "::A:: Không danh mục {T}\n\n$CATEGORY: $course$/Ngân hàng/Đối thoại\n\n::B:: Có danh mục {F}\n"
    page = html_text(client.post(f"/quizzes/courses/{course.id}/import", data={"text": text, "format": "auto"}))
    page = page[:page.rindex("<form")]  # the confirming form below carries the text as sent
    assert "$course$" not in page
    assert "· Ngân hàng/Đối thoại" in page and f"· {course.code}" in page


def test_a_quiz_page_says_which_version_it_belongs_to(client, auth, quiz_setup):
    """The bank lists the quizzes of every version under the same lesson title; their settings,
    attempts and statistics pages did not say which version, so an old version's settings were
    easily changed for the current one's."""
    _trainer(client, auth)
    old = quiz_setup.quiz
    draft = course_ops.draft_of(quiz_setup.course)
    course_ops.publish(draft)
    new = db.session.scalar(select(Quiz).where(Quiz.module_id == draft.modules[0].id))
    for url in (f"/quizzes/{old.id}/settings", f"/quizzes/{old.id}/attempts", f"/quizzes/{old.id}/statistics"):
        page = html_text(client.get(url))
        assert "Phiên bản 1" in page and "Phiên bản cũ" in page and "những người còn học phiên bản này" in page, url
    page = html_text(client.get(f"/quizzes/{new.id}/settings"))
    assert "Phiên bản 2" in page and "Đã xuất bản" in page and "Phiên bản cũ" not in page


def test_the_import_preview_can_be_saved_from_its_top(client, auth, quiz_setup):
    """A file of many questions put the save button below all of them, many screens down on a phone."""
    _trainer(client, auth)
    text = "\n\n".join(f"::C{i}:: Câu {i}? {{T}}" for i in range(30)) + "\n"
    body = client.post(f"/quizzes/courses/{quiz_setup.course.id}/import", data={"text": text, "format": "auto"}
                       ).get_data(as_text=True)
    top = re.search(r'<button class="btn primary" form="confirm-import">([^<]+)</button>', body)
    assert top and top.group(1) == "Lưu 30 câu hỏi vào ngân hàng câu hỏi" and top.start() < body.index("::C0::") \
        and top.start() < body.index("Câu 0?")
    assert 'id="confirm-import"' in body
    before = db.session.scalar(select(func.count(Question.id)))
    form = re.search(r'<form method="post" action="([^"]+)" id="confirm-import">(.*?)</form>', body, re.S)
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(2)))
    fields = {k: html.unescape(v) for k, v in fields.items()}
    assert client.post(form.group(1), data=fields).status_code == 302
    assert db.session.scalar(select(func.count(Question.id))) == before + 30
