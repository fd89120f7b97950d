"""A learner's pages cost at most ten SQL statements, however many units, cadres, plans and courses there
are; the per-process caches behind that never serve data older than the database's."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import insert, select, update

from lms.cadres.operations import transfer
from lms.core.cache import CacheStamp, new_token
from lms.core.db import db
from lms.courses import operations as course_ops
from lms.plans import operations as plan_ops
from lms.plans import queries as plan_queries
from lms.plans.models import Assignment, assignment_courses
from tests.certificates.test_register import finish
from tests.conftest import html_text
from tests.quizzes.test_engine_support import build_course
from tests.reports.conftest import count_queries

#: The issue's budget, counted as the benchmark counts (the SQLite driver's BEGIN included).
LIMIT = 10
TODAY = dt.date.today()


def _course(trainer, code: str, title: str | None = None, *, is_open: bool = True, modules: int = 1):
    course = course_ops.create_course(code, course_ops.CourseMeta(title or f"Khóa học {code}"), trainer)
    version = course_ops.latest(course)
    for n in range(modules):
        course_ops.add_module(version, course_ops.ModuleData(f"Bài {n + 1}", "Nội dung", 5))
    course_ops.publish(version)
    course.is_open = is_open
    db.session.flush()
    return course


@pytest.fixture()
def learner(province):
    """cadre_a with an open quiz attempt, a completed course on a re-training cycle, plans of every kind
    (a title rule with relative due days, a unit scope with a fixed date on a closed course) and an exemption."""
    trainer, admin = province["users"]["trainer"], province["users"]["admin"]
    cadre = province["cadre_a"]
    quiz = build_course(trainer, extra_module=True)
    course_ops.enrol(cadre, quiz.course)
    cycle = _course(trainer, "CHU-KY", "Khóa học theo chu kỳ")
    finish(cadre, cycle)
    closed = _course(trainer, "NOI-BO", "Khóa nội bộ", is_open=False)
    chairs = plan_ops.create_plan(plan_ops.PlanData("Chủ tịch công đoàn cơ sở", titles=[_title("chu_tich")]), admin)
    plan_ops.create_assignment(chairs, plan_ops.AssignmentData([cycle], due_days=60, cycle_years=1,
                                                               starts_on=TODAY - dt.timedelta(days=400)), admin)
    zone = plan_ops.create_plan(plan_ops.PlanData("Khu công nghiệp", units=[province["upper_a"]]), admin)
    plan_ops.create_assignment(zone, plan_ops.AssignmentData([closed], due_on=TODAY + dt.timedelta(days=30)), admin)
    exempted = plan_ops.create_assignment(zone, plan_ops.AssignmentData([quiz.course], due_on=TODAY), admin)
    plan_ops.exempt(exempted, cadre, "Đã học lớp tập trung")
    db.session.flush()
    return {"quiz": quiz, "cycle": cycle, "closed": closed, "chairs": chairs, "zone": zone, **province}


def _title(code):
    from lms.cadres.models import TitleType

    return db.session.scalar(select(TitleType).where(TitleType.code == code))


def _start_attempt(client, quiz) -> str:
    response = client.post(f"/quizzes/{quiz.quiz.id}/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert re.search(r"/quizzes/attempts/\d+$", response.headers["Location"])
    return response.headers["Location"]


def _page_counts(client, pages: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in pages.items():
        assert client.get(url).status_code == 200, url  # warms the process's caches
        with count_queries() as statements:
            assert client.get(url).status_code == 200, url
        counts[name] = len(statements) + 1  # + the BEGIN of the request's own transaction
    return counts


def _grow(make, province, trainer, admin, n: int):
    """More units, cadres, courses, plans and assignments, about half of which reach cadre_a."""
    for i in range(n):
        unit = make.unit(parent=province["upper_a"] if i % 2 else province["upper_b"],
                         track="business" if i % 2 else "public")
        for _ in range(3):
            make.cadre(unit=unit, titles=["chu_tich"] if i % 3 == 0 else ())
        course = _course(trainer, f"THEM-{n}-{i}", modules=2, is_open=bool(i % 2))
        reach = [province["biz"]] if i % 2 else [unit]
        plan = plan_ops.create_plan(plan_ops.PlanData(f"Kế hoạch thêm {n}-{i}", units=reach), admin)
        due = {"due_on": TODAY + dt.timedelta(days=i)} if i % 3 else {"due_days": 30 + i}
        plan_ops.create_assignment(plan, plan_ops.AssignmentData([course], **due), admin)
    db.session.flush()


def test_learner_pages_stay_within_ten_statements_and_do_not_grow(client, auth, make, learner):
    auth.login("cadre")
    quiz = learner["quiz"]
    pages = {
        "home": "/",
        "catalogue": "/learn/",
        "course (completed, on a cycle)": "/learn/courses/CHU-KY",
        "course (in progress)": f"/learn/courses/{quiz.course.code}",
        "module with a quiz": f"/learn/courses/{quiz.course.code}/modules/{quiz.module.key}",
        "module": f"/learn/courses/{quiz.course.code}/modules/{quiz.other.key}",
    }
    pages["quiz attempt"] = _start_attempt(client, quiz)
    home = html_text(client.get("/"))
    assert "Khóa nội bộ" in home and "Khóa học được giao" in home  # the plans block is on the page
    assert "Khóa nội bộ" in html_text(client.get("/learn/"))  # a closed course, open to the cadre it is assigned to

    small = _page_counts(client, pages)
    print(small)
    assert max(small.values()) <= LIMIT, small

    trainer, admin = learner["users"]["trainer"], learner["users"]["admin"]
    _grow(make, learner, trainer, admin, 8)
    large = _page_counts(client, pages)
    assert "THEM-8-1" in html_text(client.get("/learn/"))
    assert large == small, (small, large)


def test_results_of_cadre_items_do_not_depend_on_the_cache(learner):
    cadre = learner["cadre_a"]
    first = plan_queries.cadre_items(cadre)
    second = plan_queries.cadre_items(cadre)  # from the snapshot
    assert [(i.course.code, i.status) for i in first] == [(i.course.code, i.status) for i in second]
    assert {i.course.code for i in first} == {"CHU-KY", "NOI-BO", "BKT-THU"}


# -- never stale ---------------------------------------------------------------------------------------

def test_a_new_published_version_shows_on_the_next_request(client, auth, learner):
    closed = learner["closed"]
    auth.login("cadre")
    assert "Khóa nội bộ" in html_text(client.get("/learn/courses/NOI-BO"))
    draft = course_ops.draft_of(closed)
    course_ops.update_meta(draft, course_ops.CourseMeta("Khóa nội bộ, bản 2024"))
    assert "Khóa nội bộ, bản 2024" in html_text(client.get("/"))  # the plans block names the latest version
    assert "Bài mới" not in html_text(client.get("/learn/courses/NOI-BO"))  # the draft is not shown
    course_ops.add_module(draft, course_ops.ModuleData("Bài mới", "Nội dung mới", 7))
    course_ops.publish(draft)
    page = html_text(client.get("/learn/courses/NOI-BO"))
    assert "Khóa nội bộ, bản 2024" in page and "Bài mới" in page


def test_a_changed_plan_shows_on_the_next_request(client, auth, learner):
    admin = learner["users"]["admin"]
    auth.login("cadre")
    assert "Khóa mới giao" not in html_text(client.get("/"))
    course = _course(learner["users"]["trainer"], "MOI-GIAO", "Khóa mới giao")
    client.get("/")
    plan_ops.create_assignment(learner["chairs"], plan_ops.AssignmentData([course], due_on=TODAY + dt.timedelta(days=3)),
                               admin)
    assert "Khóa mới giao" in html_text(client.get("/"))
    learner["zone"].units = [learner["upper_b"]]  # the plan now reaches another subtree only
    db.session.flush()
    page = html_text(client.get("/"))
    assert "Khóa nội bộ" not in page and "Khóa mới giao" in page


def test_a_transferred_cadre_sees_the_plans_of_the_new_unit(client, auth, learner):
    auth.login("cadre")
    assert "Khóa nội bộ" in html_text(client.get("/"))
    transfer(learner["cadre_a"], learner["pub"], TODAY)
    db.session.flush()
    assert "Khóa nội bộ" not in html_text(client.get("/"))


def test_a_moved_unit_takes_its_cadres_out_of_a_plan_scope(client, auth, make, learner):
    from lms.orgs.operations import move_unit

    auth.login("cadre")
    assert "Khóa nội bộ" in html_text(client.get("/"))
    move_unit(learner["biz"], learner["upper_b"], TODAY)
    assert "Khóa nội bộ" not in html_text(client.get("/"))


def test_a_rolled_back_change_never_comes_back_from_the_cache(learner):
    cadre = learner["cadre_a"]
    course = _course(learner["users"]["trainer"], "TAM", "Khóa tạm")
    before = {i.course.code for i in plan_queries.cadre_items(cadre)}
    savepoint = db.session.begin_nested()
    plan_ops.create_assignment(learner["chairs"], plan_ops.AssignmentData([course], due_on=TODAY))
    assert "TAM" in {i.course.code for i in plan_queries.cadre_items(cadre)}  # cached under the new token
    savepoint.rollback()
    assert {i.course.code for i in plan_queries.cadre_items(cadre)} == before


def test_a_change_made_by_another_process_shows_on_the_next_request(client, auth, learner):
    """Another worker's write reaches this process only through the database: its rows and a new token."""
    course = _course(learner["users"]["trainer"], "KHAC", "Khóa của tiến trình khác")
    auth.login("cadre")
    assert "Khóa của tiến trình khác" not in html_text(client.get("/"))
    connection = db.session.connection()  # plain SQL: nothing of this process's cache machinery runs
    assignment_id = connection.execute(insert(Assignment.__table__).values(
        plan_id=learner["chairs"].id, starts_on=TODAY, due_on=TODAY + dt.timedelta(days=5), note="",
        created_at=dt.datetime.now(dt.timezone.utc)).returning(Assignment.__table__.c.id)).scalar()
    connection.execute(insert(assignment_courses).values(assignment_id=assignment_id, course_id=course.id))
    assert "Khóa của tiến trình khác" not in html_text(client.get("/"))  # same token: the snapshot is kept
    connection.execute(update(CacheStamp.__table__).where(CacheStamp.__table__.c.name == "plans")
                       .values(token=new_token()))
    assert "Khóa của tiến trình khác" in html_text(client.get("/"))


# -- taking a quiz ----------------------------------------------------------------------------------

#: Statements of each step of taking a quiz, counted as above (the request's BEGIN included). Thousands
#: of cadres take a quiz at once; every statement of these steps is paid thousands of times a minute.
#: The submission here passes the quiz, so it also records the module as done and checks the course.
QUIZ_STEPS = {"start": 12, "autosave": 4, "attempt page": 4, "submit": 15, "result": 5}


def test_taking_a_quiz_costs_a_fixed_number_of_statements(client, auth, learner):
    from tests.quizzes.test_quiz_views import _fields

    quiz = learner["quiz"]
    auth.login("cadre")
    client.get(f"/learn/courses/{quiz.course.code}/modules/{quiz.module.key}")  # warms the caches
    counts = {}
    with count_queries() as statements:
        location = _start_attempt(client, quiz)
    counts["start"] = len(statements) + 1
    attempt_id = int(location.rsplit("/", 1)[1])
    positions = [1, 2, 3]
    fields = {p: _fields(learner, attempt_id, p) for p in positions}
    db.session.expire_all()
    for position in positions:
        with count_queries() as statements:
            response = client.post(f"{location}/answers/{position}", data=fields[position])
        assert response.get_json()["saved"] is True
        counts["autosave"] = max(counts.get("autosave", 0), len(statements) + 1)
        # the login's own row only (auth.login_row_only), then the locked attempt with the answer and its question
        login, answer = (" ".join(sql.split()) for sql in statements[:2])
        assert "FROM users WHERE" in login and "JOIN" not in login, login
        assert "FROM attempt_answers JOIN attempts" in answer and "JOIN questions" in answer, answer
    with count_queries() as statements:
        assert client.get(location).status_code == 200
    counts["attempt page"] = len(statements) + 1
    with count_queries() as statements:
        response = client.post(f"{location}/submit")
    assert response.status_code == 302
    counts["submit"] = len(statements) + 1
    with count_queries() as statements:
        assert client.get(response.headers["Location"]).status_code == 200
    counts["result"] = len(statements) + 1
    print(counts)
    assert all(counts[step] <= QUIZ_STEPS[step] for step in QUIZ_STEPS), (counts, QUIZ_STEPS)
