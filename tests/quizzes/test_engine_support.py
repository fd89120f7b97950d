"""Shared fixtures and helpers of the quiz-engine tests (no tests here).

A small course whose only module carries a GIFT quiz file, published through the real operations
(which builds the quiz through the publish hook), and the cadre of the `province` fixture enrolled.
"""
from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from lms.core.db import db
from lms.courses import operations as course_ops
from lms.courses.models import ModuleQuizSource
from lms.quizzes import operations as quiz_ops
from lms.quizzes.models import Quiz

T0 = dt.datetime(2026, 3, 5, 8, 0, tzinfo=dt.timezone.utc)

GIFT = """\
$CATEGORY: $course$/Lịch sử Công đoàn

::Q1:: Công đoàn Việt Nam được thành lập năm nào? {
=1929#Chính xác: ngày 28/7/1929.
~1930#Phản hồi sai năm 1930.
~1945#Phản hồi sai năm 1945.
}

::Q2:: Luật Công đoàn 2024 có bao nhiêu chương? {#6}

::Q3:: Người lao động nước ngoài có hợp đồng từ 12 tháng trở lên được gia nhập Công đoàn. {T#Phản hồi khi chọn sai#Phản hồi khi chọn đúng}
"""

ESSAY_GIFT = """\
::E1:: Công đoàn cơ sở được thành lập khi có ít nhất bao nhiêu đoàn viên? {
=5 đoàn viên#Đúng theo Điều lệ.
~3 đoàn viên#Chưa đúng.
}

::E2:: Hãy nêu hai việc ban chấp hành công đoàn cơ sở làm để chuẩn bị đối thoại tại nơi làm việc. {}
"""

KEY_MARKERS = (
    "Chính xác: ngày 28/7/1929", "Phản hồi sai năm", "Phản hồi khi chọn", "fraction", "Đáp án đúng",
    "Đúng theo Điều lệ", "Chưa đúng.", '"correct"', "Đúng một phần",
)


def build_course(trainer, code="BKT-THU", gift=GIFT, pass_mark=60, extra_module=False, **quiz_settings):
    course = course_ops.create_course(code, course_ops.CourseMeta("Khóa thử bài kiểm tra"), trainer)
    version = course_ops.latest(course)
    module = course_ops.add_module(version, course_ops.ModuleData("Lịch sử Công đoàn", "Đọc kỹ bài.", 5))
    db.session.add(ModuleQuizSource(module_id=module.id, filename="lich-su.gift", format="gift", text=gift,
                                    pass_mark=pass_mark))
    other = None
    if extra_module:
        other = course_ops.add_module(version, course_ops.ModuleData("Bài không có kiểm tra", "Nội dung", 5))
    db.session.flush()
    course_ops.publish(version)
    quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == module.id))
    for name, value in quiz_settings.items():
        setattr(quiz, name, value)
    db.session.flush()
    return SimpleNamespace(course=course, version=version, module=module, quiz=quiz, other=other)


@pytest.fixture()
def quiz_setup(province):
    built = build_course(province["users"]["trainer"])
    built.enrolment = course_ops.enrol(province["cadre_a"], built.course)
    built.cadre = province["cadre_a"]
    return built


def right_form(attempt, wrong=False) -> MultiDict:
    """Form fields answering every question of ``attempt`` right (or wrong)."""
    form = MultiDict()
    for answer in attempt.answers:
        prefix = quiz_ops.prefix_for(answer.position)
        data = answer.question.payload
        if answer.question.type == "single_choice":
            options = [o for o in data["options"] if (o["fraction"] >= 1) != wrong]
            form[f"{prefix}choice"] = options[0]["id"]
        elif answer.question.type == "numeric":
            form[f"{prefix}number"] = "5" if wrong else "6"
        elif answer.question.type == "true_false":
            form[f"{prefix}choice"] = "false" if wrong else "true"
        elif answer.question.type == "essay":
            form[f"{prefix}text"] = "Thu thập ý kiến người lao động; thống nhất nội dung với người sử dụng lao động."
    return form


def answer_all(attempt, wrong=False, now=None, only=None):
    form = right_form(attempt, wrong)
    for answer in attempt.answers:
        if only is None or answer.position in only:
            quiz_ops.save_answer(attempt, answer.position, form, now=now)


def start(setup, now=T0, seed=1):
    return quiz_ops.start_attempt(setup.quiz, setup.cadre, setup.enrolment, now=now, rng=random.Random(seed))
