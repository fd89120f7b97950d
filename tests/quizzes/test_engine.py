"""The quiz engine without HTTP: building quizzes from quiz files, the bank, copies, grading methods, statistics."""
from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select

from lms.core.db import db
from lms.core.errors import ValidationError
from lms.courses import operations as course_ops
from lms.courses.models import ModuleQuizSource
from lms.quizzes import operations as quiz_ops
from lms.quizzes import queries
from lms.quizzes.models import GRADED, Attempt, AttemptAnswer, Question, QuestionCategory, Quiz
from tests.quizzes.test_engine_support import GIFT, T0, answer_all, build_course, quiz_setup, start  # noqa: F401,F811


def test_publishing_builds_the_quiz_from_its_file(province):
    built = build_course(province["users"]["trainer"])
    quiz = built.quiz
    assert quiz is not None and quiz.pass_mark == 60
    questions = [slot.question for slot in quiz.slots]
    assert [q.type for q in questions] == ["single_choice", "numeric", "true_false"]
    assert [q.name for q in questions] == ["Q1", "Q2", "Q3"]
    category = questions[0].category
    assert category.name == "Lịch sử Công đoàn" and category.course_id == built.course.id
    assert all(q.course_id == built.course.id for q in questions)


def test_a_file_without_category_goes_to_the_course_code(province):
    built = build_course(province["users"]["trainer"], gift="Câu hỏi? {=Có ~Không}\n")
    assert built.quiz.slots[0].question.category.name == "BKT-THU"


def test_publishing_refuses_a_quiz_file_with_errors_with_file_and_line(province):
    course = course_ops.create_course("LOI", course_ops.CourseMeta("Khóa lỗi"), province["users"]["trainer"])
    version = course_ops.latest(course)
    module = course_ops.add_module(version, course_ops.ModuleData("Bài 1", "x", 5))
    db.session.add(ModuleQuizSource(module_id=module.id, filename="bai-1.gift", format="gift",
                                    text="Câu 1 {=a ~b}\n\nCâu 2 {#abc}\n", pass_mark=70))
    db.session.flush()
    with pytest.raises(ValidationError) as info:
        course_ops.publish(version)
    messages = list(info.value.errors.values())
    assert len(messages) == 1 and messages[0].startswith("bai-1.gift:3: ")
    assert version.status == "draft"
    assert db.session.scalar(select(func.count(Quiz.id))) == 0


def test_a_new_draft_copies_the_quiz_and_republishing_reuses_the_questions(quiz_setup):
    built = quiz_setup
    built.quiz.time_limit_minutes = 20
    db.session.flush()
    draft = course_ops.draft_of(built.course)
    new_module = draft.modules[0]
    copy = db.session.scalar(select(Quiz).where(Quiz.module_id == new_module.id))
    assert copy is not None and copy.id != built.quiz.id
    assert copy.time_limit_minutes == 20
    assert [s.question_id for s in copy.slots] == [s.question_id for s in built.quiz.slots]
    # the course package's own hook still ran: the quiz file travelled too
    assert db.session.scalar(select(ModuleQuizSource).where(ModuleQuizSource.module_id == new_module.id)) is not None
    before = db.session.scalar(select(func.count(Question.id)))
    course_ops.publish(draft)
    assert db.session.scalar(select(func.count(Question.id))) == before
    # a changed file gives new questions; the old ones stay for the old version's attempts
    third = course_ops.draft_of(built.course)
    source3 = db.session.scalar(select(ModuleQuizSource).where(ModuleQuizSource.module_id == third.modules[0].id))
    source3.text = GIFT.replace("bao nhiêu chương? {#6}", "bao nhiêu điều? {#37}")
    db.session.flush()
    course_ops.publish(third)
    quiz3 = db.session.scalar(select(Quiz).where(Quiz.module_id == third.modules[0].id))
    assert quiz3.time_limit_minutes == 20
    assert db.session.scalar(select(func.count(Question.id))) == before + 1
    assert quiz3.slots[0].question_id == built.quiz.slots[0].question_id
    assert quiz3.slots[1].question_id != built.quiz.slots[1].question_id


def test_import_is_all_or_nothing_and_export_gives_gift_back(province):
    course = course_ops.create_course("NGAN-HANG", course_ops.CourseMeta("Ngân hàng"), province["users"]["trainer"])
    bad = "$CATEGORY: Luật\n\nCâu đúng {=a ~b}\n\nCâu sai {#3,14}\n"
    with pytest.raises(ValidationError) as info:
        quiz_ops.import_questions(course, bad, "gift")
    assert any("Dòng 5" in m for m in info.value.errors.values())
    assert db.session.scalar(select(func.count(Question.id)).where(Question.course_id == course.id)) == 0
    saved = quiz_ops.import_questions(course, "$CATEGORY: $course$/Luật/Điều lệ\n\n::A:: Câu A {=a ~b}\n\n::B:: Câu B {T}\n", "gift")
    assert [q.name for q in saved] == ["A", "B"]
    category = saved[0].category
    assert (category.name, category.parent.name) == ("Điều lệ", "Luật")
    text = quiz_ops.export_questions(saved)
    from lms.quizzes.formats import export_gift, parse

    again = parse(export_gift(text), "gift")
    assert not again.errors
    assert [q["name"] for q in again.questions] == ["A", "B"]
    assert again.questions[0]["category"] == "$course$/Luật/Điều lệ"


def test_aiken_import(province):
    course = course_ops.create_course("AIKEN", course_ops.CourseMeta("Aiken"), province["users"]["trainer"])
    saved = quiz_ops.import_questions(course, "Đoàn phí từ 1/7/2025 là bao nhiêu?\nA) 1%\nB) 0,5%\nANSWER: B\n", "aiken")
    assert saved[0].type == "single_choice" and saved[0].category.name == "AIKEN"


# -- grading methods ------------------------------------------------------------------------------

def _finish(setup, wrong_positions=(), now=T0):
    attempt = start(setup, now=now)
    answer_all(attempt, now=now, only=[a.position for a in attempt.answers if a.position not in wrong_positions])
    answer_all(attempt, wrong=True, now=now, only=list(wrong_positions))
    assert quiz_ops.submit_attempt(attempt, now=now)
    return attempt


@pytest.mark.parametrize("method, expected", [("highest", 1.0), ("last", 1 / 3), ("average", (1 / 3 + 1.0 + 1 / 3) / 3)])
def test_grading_methods(quiz_setup, method, expected):
    quiz_setup.quiz.grading_method = method
    quiz_setup.quiz.pass_mark = 100  # no completion side effects in this test
    fractions = [_finish(quiz_setup, wrong_positions=w).fraction for w in ((1, 2), (), (2, 3))]
    assert fractions == pytest.approx([1 / 3, 1.0, 1 / 3])
    result = quiz_ops.quiz_result(quiz_setup.quiz, quiz_setup.cadre.id)
    assert result.fraction == pytest.approx(expected)
    assert result.passed is (method == "highest")


def test_max_attempts(quiz_setup):
    quiz_setup.quiz.max_attempts = 2
    _finish(quiz_setup, wrong_positions=(1, 2, 3))
    _finish(quiz_setup, wrong_positions=(1, 2, 3))
    with pytest.raises(ValidationError, match="hết 2 lần"):
        start(quiz_setup)


def test_passing_completes_the_module_and_the_course(quiz_setup):
    completed = []
    course_ops._completion_listeners.append(completed.append)
    try:
        failed = _finish(quiz_setup, wrong_positions=(1, 2))  # 1/3 < 60 %
        assert failed.state == GRADED and failed.passed is False
        assert course_ops.done_keys(quiz_setup.enrolment) == set()
        passed = _finish(quiz_setup, wrong_positions=(3,))  # 2/3 ≥ 60 %
        assert passed.passed is True and passed.score == pytest.approx(2.0) and passed.max_score == pytest.approx(3.0)
        assert course_ops.done_keys(quiz_setup.enrolment) == {quiz_setup.module.key}
        assert quiz_setup.enrolment.completed_at is not None
        assert completed == [quiz_setup.enrolment]
    finally:
        course_ops._completion_listeners.remove(completed.append)


def test_essay_waits_for_a_trainer_then_completes(province):
    from tests.quizzes.test_engine_support import ESSAY_GIFT

    built = build_course(province["users"]["trainer"], code="TU-LUAN", gift=ESSAY_GIFT, pass_mark=75)
    built.cadre = province["cadre_a"]
    built.enrolment = course_ops.enrol(built.cadre, built.course)
    attempt = start(built)
    answer_all(attempt, now=T0)
    assert quiz_ops.submit_attempt(attempt, now=T0)
    assert attempt.state == "needs_grading" and attempt.passed is None
    queue = queries.grading_queue(built.course)
    assert [a.question.type for a in queue] == ["essay"]
    with pytest.raises(ValidationError):
        quiz_ops.grade_answer(queue[0], 1.5, "", province["users"]["trainer"], now=T0)
    quiz_ops.grade_answer(queue[0], 0.5, "Cần nêu cụ thể hơn.", province["users"]["trainer"], now=T0)
    assert attempt.state == GRADED and attempt.fraction == pytest.approx(0.75) and attempt.passed is True
    assert queue[0].comment == "Cần nêu cụ thể hơn." and queue[0].graded_by_id == province["users"]["trainer"].id
    assert built.enrolment.completed_at is not None
    assert queries.grading_queue(built.course) == []


def test_an_empty_essay_is_graded_zero_without_a_trainer(province):
    from tests.quizzes.test_engine_support import ESSAY_GIFT

    built = build_course(province["users"]["trainer"], code="TU-LUAN2", gift=ESSAY_GIFT)
    built.cadre = province["cadre_a"]
    built.enrolment = course_ops.enrol(built.cadre, built.course)
    attempt = start(built)
    answer_all(attempt, now=T0, only=[1])
    quiz_ops.submit_attempt(attempt, now=T0)
    assert attempt.state == GRADED and attempt.fraction == pytest.approx(0.5)


# -- statistics -----------------------------------------------------------------------------------

def test_statistics_on_a_hand_computed_example(quiz_setup, make, province):
    """Five attempts, 3 questions of 1 mark; right (1) / wrong (0) per question:

    attempt  Q1 Q2 Q3  score
       A      1  1  1    3
       B      1  1  0    2
       C      1  0  0    1
       D      1  0  1    2
       E      1  1  0    2

    Facility: Q1 = 1.0, Q2 = 0.6, Q3 = 0.4.
    Q1: no spread → discrimination "–". Q2 against rest (score − Q2) = 2,1,1,2,1:
      mean x = 0.6, mean y = 1.4; Σ(x−x̄)(y−ȳ) = 0.4·0.6 + 0.4·(−0.4) + (−0.6)(−0.4) + (−0.6)(0.6) + 0.4·(−0.4)
      = 0.24 − 0.16 + 0.24 − 0.36 − 0.16 = −0.2; Σ(x−x̄)² = 1.2; Σ(y−ȳ)² = 1.2 → r = −0.2 / 1.2 = −1/6.
    Q3 against rest = 2,2,1,1,2: x̄ = 0.4, ȳ = 1.6; Σ = 0.6·0.4 + (−0.4)(0.4) + (−0.4)(−0.6) + 0.6·(−0.6) + (−0.4)(0.4)
      = 0.24 − 0.16 + 0.24 − 0.36 − 0.16 = −0.2; Σx² = 1.2, Σy² = 1.2 → r = −1/6.
    """
    rows = [(1, 1, 1), (1, 1, 0), (1, 0, 0), (1, 0, 1), (1, 1, 0)]
    from lms.courses.operations import enrol

    for i, row in enumerate(rows):
        cadre = quiz_setup.cadre if i == 0 else make.cadre(unit=province["biz"])
        setup = type(quiz_setup)(**{**vars(quiz_setup), "cadre": cadre, "enrolment": enrol(cadre, quiz_setup.course)})
        attempt = start(setup)
        answer_all(attempt, now=T0, only=[p for p, ok in zip((1, 2, 3), row) if ok])
        answer_all(attempt, wrong=True, now=T0, only=[p for p, ok in zip((1, 2, 3), row) if not ok])
        quiz_ops.submit_attempt(attempt, now=T0)
    graded, stats = queries.statistics(quiz_setup.quiz)
    assert graded == 5
    assert [s.count for s in stats] == [5, 5, 5]
    assert [s.facility for s in stats] == pytest.approx([1.0, 0.6, 0.4])
    assert stats[0].discrimination is None
    assert stats[1].discrimination == pytest.approx(-1 / 6)
    assert stats[2].discrimination == pytest.approx(-1 / 6)
    assert any("Quá dễ" in h for h in stats[0].hints)
    assert any("Phân loại kém" in h for h in stats[1].hints)


def test_discrimination_needs_enough_attempts(quiz_setup):
    attempt = start(quiz_setup)
    answer_all(attempt, now=T0, only=[1])
    quiz_ops.submit_attempt(attempt, now=T0)
    _graded, stats = queries.statistics(quiz_setup.quiz)
    assert all(s.discrimination is None for s in stats)
    assert not math.isnan(stats[0].facility)


# -- types that are not installed ----------------------------------------------------------------

def test_a_question_of_a_missing_type_degrades(quiz_setup, app):
    """A type stored in the database but not installed: the attempt still starts, and the question
    waits for a trainer instead of breaking anything."""
    question = quiz_setup.quiz.slots[1].question
    question.type = "hotspot"
    db.session.flush()
    attempt = start(quiz_setup)
    assert attempt.answers[1].state_data == {}
    answer_all(attempt, now=T0, only=[1, 3])
    quiz_ops.submit_attempt(attempt, now=T0)
    assert attempt.state == "needs_grading"
    assert [a.question.type for a in queries.grading_queue(quiz_setup.course)] == ["hotspot"]
    pages = queries.attempt_review(attempt, with_feedback=True)
    assert pages[1].cls is None and pages[1].review is None


def test_layout_with_random_questions_from_a_category(quiz_setup):
    quiz = quiz_setup.quiz
    category = quiz.slots[0].question.category
    extra = quiz_ops.import_questions(quiz_setup.course, "$CATEGORY: $course$/Lịch sử Công đoàn\n\n"
                                      + "\n\n".join(f"::R{i}:: Câu ngẫu nhiên {i} {{T}}" for i in range(6)) + "\n", "gift")
    assert {q.category_id for q in extra} == {category.id}
    quiz.slots[1].question_id = None
    quiz.slots[1].category_id = category.id
    quiz.slots[1].count = 2
    quiz.shuffle_questions = True
    db.session.flush()
    attempt = start(quiz_setup, seed=7)
    layout = attempt.positions
    assert len(layout) == 4
    ids = [qid for _pos, qid in layout]
    assert len(set(ids)) == 4
    fixed = {quiz.slots[0].question_id, quiz.slots[2].question_id}
    assert fixed <= set(ids)
    assert sorted(p for p, _ in layout) == [1, 2, 2, 3]
    assert [a.question_id for a in attempt.answers] == ids
    assert db.session.scalar(select(func.count(QuestionCategory.id)).where(
        QuestionCategory.course_id == quiz_setup.course.id)) == 1
    assert db.session.scalar(select(func.count(AttemptAnswer.id)).where(AttemptAnswer.attempt_id == attempt.id)) == 4
    assert db.session.get(Attempt, attempt.id).number == 1
