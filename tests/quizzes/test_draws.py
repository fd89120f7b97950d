"""Random questions: a module's draw rules ("3 Luật Công đoàn/Chương 1") pick, for each attempt, questions
of a category of the course's bank; the quiz file's questions of that category join the draw instead of
being fixed. Rules are checked with their line (in the module form, at publishing, in course packages)
and a failed check saves nothing."""
from __future__ import annotations

import random
import re

import pytest
from sqlalchemy import func, select

from lms.core.db import db
from lms.core.errors import ValidationError
from lms.courses import operations as course_ops
from lms.courses.models import ModuleQuizSource
from lms.courses.package import PackageError, package_files, package_of, read_package
from lms.courses.packaging import import_package
from lms.quizzes import operations as quiz_ops
from lms.quizzes import queries
from lms.quizzes.models import Quiz
from tests.conftest import PASSWORD, html_text
from tests.courses.test_packages import MANIFEST, TRACKS, canonical_files, write_folder
from tests.quizzes.test_engine_support import T0

POOL = 6
GIFT = (
    "$CATEGORY: $course$/Luật Công đoàn/Chương 1\n\n"
    + "\n\n".join(f"::C1-{i}:: Câu {i} của chương 1 là đúng? {{T}}" for i in range(1, POOL + 1))
    + "\n\n$CATEGORY: $course$/Ôn tập\n\n"
    "::Cố định 1:: Công đoàn Việt Nam được thành lập năm nào? {=1929 ~1930}\n\n"
    "::Cố định 2:: Luật Công đoàn 2024 có bao nhiêu chương? {#6}\n"
)


def build(trainer, draws="3 Luật Công đoàn/Chương 1\n", gift=GIFT, code="NGAU-NHIEN"):
    course = course_ops.create_course(code, course_ops.CourseMeta("Khóa có câu hỏi ngẫu nhiên"), trainer)
    version = course_ops.latest(course)
    module = course_ops.add_module(version, course_ops.ModuleData("Luật Công đoàn", "Đọc kỹ.", 5))
    db.session.add(ModuleQuizSource(module_id=module.id, filename="luat.gift", format="gift", text=gift,
                                    pass_mark=70, draws=draws))
    db.session.flush()
    return course, version, module


# -- the rules ------------------------------------------------------------------------------------

def test_rules_are_read_line_by_line_with_their_problems():
    draws, problems = quiz_ops.parse_draws(
        "3 Luật Công đoàn/Chương 1\n\n2   $course$/ Ôn tập \nba câu Chương 2\n0 Chương 3\n101 Chương 4\n"
        "1 Luật Công đoàn/Chương 1\n7\n")
    assert [(d.count, d.category, d.line) for d in draws] == [(3, "Luật Công đoàn/Chương 1", 1), (2, "Ôn tập", 3)]
    assert [line for line, _ in problems] == [4, 5, 6, 7, 8]
    messages = dict(problems)
    assert "ví dụ “3 Luật Công đoàn/Chương 1”" in messages[4] and "ví dụ" in messages[8]
    assert "từ 1 đến 100" in messages[5] and "từ 1 đến 100" in messages[6]
    assert "đã có ở dòng 1" in messages[7]
    assert quiz_ops.format_draws(draws) == "3 Luật Công đoàn/Chương 1\n2 Ôn tập\n"
    assert quiz_ops.parse_draws("") == ([], [])


# -- publishing and attempts ----------------------------------------------------------------------

def test_publishing_builds_fixed_questions_and_a_random_slot(province):
    _course, version, module = build(province["users"]["trainer"])
    course_ops.publish(version)
    quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == module.id))
    fixed = [s for s in quiz.slots if s.question_id is not None]
    drawn = [s for s in quiz.slots if s.question_id is None]
    assert [s.question.name for s in fixed] == ["Cố định 1", "Cố định 2"]  # the chapter's questions are not fixed
    assert [(s.position, quiz_ops.category_path(s.category), s.count) for s in drawn] == [
        (3, "Luật Công đoàn/Chương 1", 3)]
    # The cadre's module page counts the questions an attempt will have.
    assert queries.quiz_block(module, province["cadre_a"], T0).questions == 5


def test_each_attempt_draws_its_own_questions_from_the_pool(province):
    course, version, module = build(province["users"]["trainer"])
    course_ops.publish(version)
    quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == module.id))
    pool = set(db.session.scalars(select(quiz_ops.Question.id).where(
        quiz_ops.Question.category_id == quiz.slots[-1].category_id)))
    assert len(pool) == POOL
    seen = set()
    for seed in range(8):
        layout = quiz_ops.build_layout(quiz, random.Random(seed))
        ids = [qid for _position, qid in layout]
        assert len(ids) == 5 and len(set(ids)) == 5
        assert ids[:2] == [quiz.slots[0].question_id, quiz.slots[1].question_id]
        assert set(ids[2:]) <= pool
        seen.add(frozenset(ids[2:]))
    assert len(seen) > 1  # different attempts, different questions

    course_ops.enrol(province["cadre_a"], course)
    attempt = quiz_ops.start_attempt(quiz, province["cadre_a"], now=T0, rng=random.Random(3))
    assert len(attempt.answers) == 5 and len({a.question_id for a in attempt.answers}) == 5


def test_publishing_refuses_rules_the_bank_cannot_meet_and_writes_nothing(province):
    _course, version, _module = build(province["users"]["trainer"],
                                      draws="7 Luật Công đoàn/Chương 1\n\n2 Chương không có\n")
    with pytest.raises(ValidationError) as info:
        course_ops.publish(version)
    messages = list(info.value.errors.values())
    assert messages == [
        ("luat.gift: câu hỏi rút ngẫu nhiên, dòng 1: danh mục “Luật Công đoàn/Chương 1” chỉ có 6 câu hỏi, "
         "không đủ để rút 7 câu"),
        ("luat.gift: câu hỏi rút ngẫu nhiên, dòng 3: danh mục “Chương không có” không có trong ngân hàng câu hỏi "
         "của khóa học hay trong tệp bài kiểm tra"),
    ]
    assert version.status == "draft"
    assert db.session.scalar(select(func.count(Quiz.id))) == 0
    assert db.session.scalar(select(func.count(quiz_ops.Question.id))) == 0


def test_questions_imported_into_the_bank_join_the_pool(province):
    course, version, module = build(province["users"]["trainer"], draws="8 Luật Công đoàn/Chương 1\n")
    with pytest.raises(ValidationError):
        course_ops.publish(version)
    quiz_ops.import_questions(course, "$CATEGORY: $course$/Luật Công đoàn/Chương 1\n\n"
                              "::N1:: Câu thêm 1 {T}\n\n::N2:: Câu thêm 2 {F}\n\n"
                              "::C1-1:: Câu 1 của chương 1 là đúng? {T}\n", "gift")  # a copy of the file's is one question
    course_ops.publish(version)
    quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == module.id))
    assert len(quiz_ops.build_layout(quiz, random.Random(1))) == 10


def test_a_new_draft_keeps_the_rules_and_republishing_keeps_the_slots(province):
    course, version, _module = build(province["users"]["trainer"])
    course_ops.publish(version)
    draft = course_ops.draft_of(course)
    assert draft.modules[0].quiz_source.draws == "3 Luật Công đoàn/Chương 1\n"
    course_ops.publish(draft)
    quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == draft.modules[0].id))
    assert [s.count for s in quiz.slots if s.question_id is None] == [3]


# -- the module form ------------------------------------------------------------------------------

@pytest.fixture()
def trainer_client(app, province):
    client = app.test_client()
    assert client.post("/login", data={"username": "trainer", "password": PASSWORD}).status_code == 302
    return client


def test_the_module_form_takes_rules_checks_them_by_line_and_keeps_what_was_typed(app, trainer_client, province):
    course = course_ops.create_course("NGAU-NHIEN", course_ops.CourseMeta("Khóa có câu hỏi ngẫu nhiên"),
                                      province["users"]["trainer"])
    db.session.commit()
    url = f"/author/courses/{course.id}/modules/new"
    form = {"title": "Luật Công đoàn", "duration_minutes": "5", "content": "Đọc kỹ.", "quiz": GIFT, "pass_mark": "70",
            "save": "1"}
    page = trainer_client.get(url).get_data(as_text=True)
    assert 'name="draws"' in page

    bad = trainer_client.post(url, data={**form, "draws": "3 Luật Công đoàn/Chương 1\nhai câu Ôn tập\n9 Ôn tập\n"})
    assert bad.status_code == 422
    text = html_text(bad)
    assert "Dòng 2: cần ghi số câu rồi tên danh mục" in text
    assert "Dòng 3: danh mục “Ôn tập” chỉ có 2 câu hỏi, không đủ để rút 9 câu" in text
    assert "hai câu Ôn tập" in bad.get_data(as_text=True)  # kept as typed
    assert course_ops.latest(course).modules == []

    no_quiz = trainer_client.post(url, data={**form, "quiz": "", "draws": "3 Luật Công đoàn/Chương 1"})
    assert no_quiz.status_code == 422 and "cần có bài kiểm tra" in html_text(no_quiz)

    ok = trainer_client.post(url, data={**form, "draws": "  3   $course$/Luật Công đoàn/ Chương 1 \r\n"})
    assert ok.status_code == 302
    db.session.expire_all()
    module = course_ops.latest(course).modules[0]
    assert module.quiz_source.draws == "3 Luật Công đoàn/Chương 1\n"  # stored canonical
    edit = trainer_client.get(f"/author/modules/{module.id}/edit").get_data(as_text=True)
    assert re.search(r'<textarea[^>]*name="draws"[^>]*>\s*3 Luật Công đoàn/Chương 1', edit)

    assert trainer_client.post(f"/author/courses/{course.id}/publish").status_code == 302
    db.session.expire_all()
    quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == module.id))
    assert [(s.question_id is None, s.count) for s in quiz.slots] == [(False, 1), (False, 1), (True, 3)]
    bank = html_text(trainer_client.get(f"/quizzes/courses/{course.id}"))
    assert "2 cố định · 3 rút ngẫu nhiên" in bank
    # The bank names each category by the path a rule is written with (it showed "Chương 1" alone,
    # which a rule cannot use and which two chapters of two laws would share).
    assert re.findall(r"<summary>([^<]*) \((\d+)\)</summary>", bank) == [
        ("Luật Công đoàn", "0"), ("Luật Công đoàn/Chương 1", "6"), ("Ôn tập", "2")]
    # Once the bank has the categories, the form lists them with their sizes.
    assert trainer_client.post(f"/author/courses/{course.id}/draft").status_code == 302
    db.session.expire_all()
    draft_module = course_ops.latest(course).modules[0]
    listed = html_text(trainer_client.get(f"/author/modules/{draft_module.id}/edit"))
    listed = re.sub(r"<[^>]+>", "", listed)
    assert "Luật Công đoàn/Chương 1: 6 câu hỏi" in listed and "Ôn tập: 2 câu hỏi" in listed
    assert "Luật Công đoàn: 0" not in listed  # a category with nothing to draw (only sub-categories) is left out


# -- course packages ------------------------------------------------------------------------------

RANDOM_MANIFEST = MANIFEST.replace("  pass_mark: 80\n", "  pass_mark: 80\n  random:\n  - 1 Chương 1\n", 1)
PACKAGE_GIFT = ("$CATEGORY: $course$/Chương 1\n\n::R1:: Câu một {T}\n\n::R2:: Câu hai {F}\n\n"
                "$CATEGORY: $course$/Chung\n\n::F1:: Câu cố định {T}\n")


def test_a_package_carries_the_rules_and_exports_them_back(province, tmp_path):
    files = {**canonical_files(RANDOM_MANIFEST), "01-gioi-thieu.gift": PACKAGE_GIFT.encode()}
    version = import_package(read_package(write_folder(tmp_path / "p", files)), province["users"]["trainer"])
    source = version.modules[0].quiz_source
    assert source.draws == "1 Chương 1\n"
    quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == version.modules[0].id))
    assert [(s.question.name if s.question else None, s.count) for s in quiz.slots] == [("F1", 1), (None, 1)]
    assert package_files(package_of(version)) == files  # byte for byte, course.yaml included


@pytest.mark.parametrize("lines, expected", [
    ("  random:\n  - ba Chương 1\n", "course.yaml:17: cần ghi số câu rồi tên danh mục"),
    ("  random:\n  - 1 Chương 1\n  - 2 Chương 1\n", "course.yaml:18: danh mục “Chương 1” đã có ở dòng 17"),
    ("  random:\n  - 1 Chương 1\n  - [2]\n", "course.yaml:18: cần ghi số câu rồi tên danh mục"),
    ("  random: 3 Chương 1\n", "course.yaml:16: random phải là danh sách"),
])
def test_package_rules_are_checked_with_the_manifest_line(tmp_path, lines, expected):
    manifest = MANIFEST.replace("  pass_mark: 80\n", "  pass_mark: 80\n" + lines, 1)
    with pytest.raises(PackageError) as caught:
        read_package(write_folder(tmp_path / "p", canonical_files(manifest)), tracks=TRACKS)
    text = "\n".join(str(p) for p in caught.value.errors)
    assert expected in text, text


def test_package_rules_need_a_quiz(tmp_path):
    manifest = MANIFEST.replace("  duration: 5\n", "  duration: 5\n  random:\n  - 1 Chương 1\n", 1)
    with pytest.raises(PackageError) as caught:
        read_package(write_folder(tmp_path / "p", canonical_files(manifest)), tracks=TRACKS)
    assert "random chỉ dùng khi bài học có bài kiểm tra (quiz)" in "\n".join(str(p) for p in caught.value.errors)


def test_a_package_whose_rules_the_bank_cannot_meet_imports_nothing(province, tmp_path):
    files = {**canonical_files(RANDOM_MANIFEST.replace("- 1 Chương 1", "- 5 Chương 1")),
             "01-gioi-thieu.gift": PACKAGE_GIFT.encode()}
    with pytest.raises(PackageError) as caught:
        import_package(read_package(write_folder(tmp_path / "p", files)), province["users"]["trainer"])
    assert "chỉ có 2 câu hỏi, không đủ để rút 5 câu" in "\n".join(str(p) for p in caught.value.errors)
    assert db.session.scalar(select(func.count(ModuleQuizSource.id))) == 0


def test_a_pool_too_small_is_reported_with_its_manifest_line_and_the_other_errors(province, tmp_path):
    """The trainer sees the draw's shortfall as course.yaml:<line> at once with the package's other errors,
    also for a package kept as a draft (which is never published, where the bank used to be checked)."""
    manifest = RANDOM_MANIFEST.replace("- 1 Chương 1", "- 5 Chương 1").replace("  duration: 12\n", "  duration: 0\n")
    files = {**canonical_files(manifest), "01-gioi-thieu.gift": PACKAGE_GIFT.encode()}
    with pytest.raises(PackageError) as caught:
        read_package(write_folder(tmp_path / "p", files), tracks=TRACKS)
    errors = [str(p) for p in caught.value.errors]
    assert "course.yaml:17: danh mục “Chương 1” chỉ có 2 câu hỏi, không đủ để rút 5 câu" in errors, errors
    assert any(e.startswith("course.yaml:21: thời lượng") for e in errors), errors

    files = {**canonical_files(RANDOM_MANIFEST.replace("- 1 Chương 1", "- 1 Chương 9")),
             "01-gioi-thieu.gift": PACKAGE_GIFT.encode()}
    with pytest.raises(PackageError) as caught:
        read_package(write_folder(tmp_path / "q", files), tracks=TRACKS)
    # a package creating its course has no bank: the message said "not in the course's bank", as if the
    # course had one, when a course's package downloaded to start another had rules on its bank
    assert [str(p) for p in caught.value.errors] == [
        "course.yaml:17: danh mục “Chương 9” không có trong tệp bài kiểm tra, và khóa học mới chưa có ngân hàng "
        "câu hỏi: đưa câu hỏi của danh mục vào tệp bài kiểm tra (sau dòng $CATEGORY: Chương 9)"]
    assert db.session.scalar(select(func.count(ModuleQuizSource.id))) == 0


def test_a_package_draws_from_the_bank_of_the_course_it_updates(province, tmp_path):
    """For a new version of an existing course, the bank's questions of the category join the pool, as
    when the module is saved in the browser or the course published."""
    trainer = province["users"]["trainer"]
    files = {**canonical_files(RANDOM_MANIFEST.replace("- 1 Chương 1", "- 2 Chương 1")),
             "01-gioi-thieu.gift": PACKAGE_GIFT.encode()}
    import_package(read_package(write_folder(tmp_path / "a", files)), trainer)
    # The next version asks for 3; its file has only one question of the chapter, the bank the two of before.
    gift = PACKAGE_GIFT.replace("::R2:: Câu hai {F}", "::R3:: Câu ba {T}")
    files = {**canonical_files(RANDOM_MANIFEST.replace("- 1 Chương 1", "- 3 Chương 1")),
             "01-gioi-thieu.gift": gift.encode()}
    version = import_package(read_package(write_folder(tmp_path / "b", files)), trainer, draft=True)
    assert version.modules[0].quiz_source.draws == "3 Chương 1\n"


def test_a_rule_typed_without_accents_or_capitals_names_the_category_meant(province):
    """On a phone a trainer types "3 luat cong doan/chuong 1": the rule was refused as a category that
    is not in the bank, though it is, only written with its accents and capitals."""
    course, _version, _module = build(province["users"]["trainer"], draws="")
    problems = quiz_ops.draw_problems(course, GIFT, "gift", "3 luat cong doan/chuong 1\n2 Không có đâu\n")
    assert problems == [
        (1, "danh mục “luat cong doan/chuong 1” không có; viết đúng tên như trong ngân hàng câu hỏi: "
            "“Luật Công đoàn/Chương 1”"),
        (2, "danh mục “Không có đâu” không có trong ngân hàng câu hỏi của khóa học hay trong tệp bài kiểm tra"),
    ]
