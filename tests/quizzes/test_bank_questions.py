"""A bank question on a page of its own (the whole question with its answer key, where it is used), and
deleting a question that nothing needs: a trainer who imported a wrong question could not remove it."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.core.db import db
from lms.core.errors import ValidationError
from lms.quizzes import operations
from lms.quizzes.models import Question, QuizSlot
from tests.conftest import html_text
from tests.quizzes.test_engine_support import answer_all, quiz_setup, start  # noqa: F401

LOOSE = """$CATEGORY: $course$/Nhập thêm

::L1:: Đoàn phí công đoàn từ 01/7/2025 bằng bao nhiêu phần trăm tiền lương đóng bảo hiểm xã hội? {
=0,5%#Theo Quyết định 61/QĐ-TLĐ.
~1%#Mức cũ.
}

::L2:: Kinh phí công đoàn do người sử dụng lao động đóng bằng 2% quỹ lương đóng bảo hiểm xã hội. {T}
"""


def _loose(setup) -> list[Question]:
    return operations.import_questions(setup.course, LOOSE, "gift")


def _count() -> int:
    return db.session.scalar(select(func.count(Question.id)))


def test_the_question_page_shows_the_key_and_where_it_is_used(client, auth, quiz_setup):
    fixed = quiz_setup.quiz.slots[0].question
    auth.login("trainer")
    bank = client.get(f"/quizzes/courses/{quiz_setup.course.id}").get_data(as_text=True)
    assert f'href="/quizzes/questions/{fixed.id}"' in bank
    text = html_text(client.get(f"/quizzes/questions/{fixed.id}"))
    assert "Công đoàn Việt Nam được thành lập năm nào?" in text
    assert "Chính xác: ngày 28/7/1929." in text and "100,0%" in text  # the key, for the trainer
    assert "Cố định trong bài kiểm tra của bài học “Lịch sử Công đoàn”, phiên bản 1" in text
    assert "Danh mục Lịch sử Công đoàn" in text
    auth.logout()
    for who in ("trainer2", "cadre", "union"):
        auth.login(who)
        assert client.get(f"/quizzes/questions/{fixed.id}").status_code == 403, who
        assert client.post(f"/quizzes/questions/{fixed.id}/delete").status_code == 403, who
        auth.logout()


def test_a_question_nothing_needs_is_deleted(client, auth, quiz_setup):
    first, _second = _loose(quiz_setup)
    before = _count()
    auth.login("trainer")
    response = client.post(f"/quizzes/questions/{first.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/quizzes/courses/{quiz_setup.course.id}")
    assert _count() == before - 1
    assert "Đã xóa câu hỏi khỏi ngân hàng câu hỏi." in html_text(client.get(response.headers["Location"]))


def test_a_question_held_by_a_quiz_or_answered_is_kept(client, auth, quiz_setup):
    fixed = quiz_setup.quiz.slots[0].question
    before = _count()
    with pytest.raises(ValidationError) as refused:
        operations.delete_question(fixed)
    assert "nằm trong bài kiểm tra của bài học “Lịch sử Công đoàn” (phiên bản 1)" in str(refused.value)
    attempt = start(quiz_setup)
    answer_all(attempt)
    db.session.delete(db.session.scalar(select(QuizSlot).where(QuizSlot.question_id == fixed.id)))
    db.session.flush()
    with pytest.raises(ValidationError) as refused:
        operations.delete_question(fixed)
    assert "Câu hỏi đã được trả lời 1 lần trong các lần làm bài" in str(refused.value)
    auth.login("trainer")
    response = client.post(f"/quizzes/questions/{fixed.id}/delete", follow_redirects=True)
    assert "Câu hỏi đã được trả lời 1 lần" in html_text(response)
    assert _count() == before


def test_a_question_a_draw_rule_needs_is_kept(quiz_setup):
    first, second = _loose(quiz_setup)
    quiz = quiz_setup.quiz
    quiz.slots.append(QuizSlot(position=len(quiz.slots) + 1, category_id=first.category_id, count=2))
    db.session.flush()
    with pytest.raises(ValidationError) as refused:
        operations.delete_question(first)
    assert ("rút 2 câu từ danh mục “Nhập thêm”: xóa câu này thì danh mục chỉ còn 1 câu, không đủ để rút"
            in str(refused.value))
    quiz.slots[-1].count = 1
    db.session.flush()
    operations.delete_question(first)  # one left, one drawn
    assert db.session.get(Question, second.id) is not None
