"""The learner's side: each track sees its modules, completion counts exactly them, versions stay frozen,
and a cadre comes back to where they stopped."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.core.db import db
from lms.courses import operations as ops
from lms.courses import queries
from lms.courses.models import Enrolment
from tests.conftest import html_text


@pytest.fixture()
def course(province):
    trainer = province["users"]["trainer"]
    course = ops.create_course("THUONG-LUONG", ops.CourseMeta("Thương lượng và đối thoại", "Mô tả", ["business", "public"]), trainer)
    version = ops.latest(course)
    ops.add_module(version, ops.ModuleData("Công đoàn là gì", "Nội dung **chung**", 5, key="01-chung"))
    ops.add_module(version, ops.ModuleData("Thương lượng tập thể", "Doanh nghiệp", 10, ["business"], key="02-sxkd"))
    ops.add_module(version, ops.ModuleData("Hội nghị cán bộ công chức", "Cơ quan", 10, ["public"], key="03-hcsn"))
    ops.add_module(version, ops.ModuleData("Tổng kết", "Chung", 5, key="04-tong-ket"))
    ops.publish(version)
    return course


def keys(outline):
    return [m.key for m in outline.modules]


def test_each_track_sees_common_and_its_own_modules(province, course):
    business, public = province["cadre_a"], province["cadre_b"]
    assert keys(queries.outline(course, business)) == ["01-chung", "02-sxkd", "04-tong-ket"]
    assert keys(queries.outline(course, public)) == ["01-chung", "03-hcsn", "04-tong-ket"]


def test_track_override_wins_over_unit(province, course, make):
    cadre = make.cadre("Lò Thị Mai", unit=province["biz"], track_override=make.tracks["public"])
    assert keys(queries.outline(course, cadre)) == ["01-chung", "03-hcsn", "04-tong-ket"]


def test_a_course_with_only_other_track_modules_is_not_in_the_catalogue(province, course):
    trainer = province["users"]["trainer"]
    only_public = ops.create_course("DAN-CHU", ops.CourseMeta("Dân chủ cơ sở", "", ["public"]), trainer)
    v = ops.latest(only_public)
    ops.add_module(v, ops.ModuleData("Hội nghị", "x", 5, ["public"]))
    ops.publish(v)
    assert [i.course.code for i in queries.catalogue(province["cadre_a"])] == ["THUONG-LUONG"]
    assert sorted(i.course.code for i in queries.catalogue(province["cadre_b"])) == ["DAN-CHU", "THUONG-LUONG"]
    assert [i.course.code for i in queries.catalogue(province["cadre_b"], "dan chu")] == ["DAN-CHU"]
    assert [i.course.code for i in queries.catalogue(province["cadre_b"], "co so dan")] == ["DAN-CHU"]  # words, any order


def test_completion_counts_exactly_the_tracks_modules(province, course):
    cadre = province["cadre_a"]
    enrolment = ops.enrol(cadre, course)
    outline = queries.outline(course, cadre)
    assert ops.complete_module(enrolment, outline.modules[0]) is False
    assert ops.complete_module(enrolment, outline.modules[1]) is False
    assert ops.complete_module(enrolment, outline.modules[2]) is True  # the public module was never required
    assert enrolment.completed_at is not None


def test_completion_listener_runs_once(province, course):
    calls = []
    ops._completion_listeners.append(calls.append)
    try:
        cadre = province["cadre_b"]
        enrolment = ops.enrol(cadre, course)
        for module in queries.outline(course, cadre).modules:
            ops.complete_module(enrolment, module)
        ops.complete_module(enrolment, queries.outline(course, cadre).modules[0])
    finally:
        ops._completion_listeners.remove(calls.append)
    assert calls == [enrolment]


def test_publishing_freezes_a_version(province, course):
    first = ops.latest(course)
    early = ops.enrol(province["cadre_a"], course)
    draft = ops.draft_of(course)
    assert draft.number == 2 and first.status == "published"
    with pytest.raises(Exception):
        ops.update_module(first.modules[0], ops.ModuleData("Sửa bản đã xuất bản", "x", 5))
    module = next(m for m in draft.modules if m.key == "02-sxkd")
    ops.update_module(module, ops.ModuleData("Thương lượng tập thể (2025)", "Mới", 12, ["business"]))
    ops.add_module(draft, ops.ModuleData("Tình huống mới", "y", 5, key="05-tinh-huong"))
    ops.publish(draft)
    db.session.refresh(first)
    assert first.status == "archived"
    # the early learner keeps version 1
    assert queries.outline(course, province["cadre_a"]).version.number == 1
    assert "05-tinh-huong" not in keys(queries.outline(course, province["cadre_a"]))
    # a new learner gets version 2
    late = ops.enrol(province["cadre_b"], course)
    assert late.version.number == 2
    # the trainer moves the early learner; progress follows by module key
    ops.complete_module(early, first.modules[0])
    assert ops.move_learners(course) == 1
    db.session.refresh(early)
    assert early.version.number == 2 and ops.done_keys(early) == {"01-chung"}


def test_the_catalogue_search_reads_the_lessons_titles_and_the_code(client, auth, province, course):
    """A cadre who remembers a lesson ("hội nghị cán bộ công chức"), not the course, finds the course;
    so does one who types its code. Words must all be found, accents and order aside."""
    auth.login("cadre")
    for q in ("hoi nghi can bo cong chuc", "TONG KET", "thuong-luong", "công đoàn là gì"):
        assert "Thương lượng và đối thoại" in html_text(client.get("/learn/", query_string={"q": q})), q
    body = html_text(client.get("/learn/", query_string={"q": "hoi nghi dinh cong"}))
    assert "Thương lượng và đối thoại" not in body


def test_a_course_of_many_lessons_is_found_by_its_last_lesson(client, auth, province):
    """Twenty lessons' titles outgrow the 600 characters the search key once had (PostgreSQL refused the
    publishing; a cut key would have lost the last lessons)."""
    course = ops.create_course("NHIEU-BAI", ops.CourseMeta("Khóa có nhiều bài", "Mô tả", ["business", "public"]),
                               province["users"]["trainer"])
    version = ops.latest(course)
    for n in range(1, 21):
        ops.add_module(version, ops.ModuleData(f"Bài {n}: quyền và trách nhiệm của công đoàn cơ sở, phần {n}",
                                               "Nội dung", 5, key=f"bai-{n:02d}"))
    ops.add_module(version, ops.ModuleData("Ôn tập cuối khóa về thỏa ước lao động tập thể", "Nội dung", 5, key="on-tap"))
    ops.publish(version)  # flushed: PostgreSQL checks the column's length here
    assert len(version.search_key) > 600
    auth.login("cadre")
    assert "Khóa có nhiều bài" in html_text(client.get("/learn/", query_string={"q": "on tap thoa uoc"}))


def test_browser_flow_enrol_read_next_resume(client, auth, province, course):
    auth.login("cadre")
    body = html_text(client.get("/learn/?q=thuong luong"))
    assert "Thương lượng và đối thoại" in body
    page = html_text(client.get("/learn/courses/THUONG-LUONG"))
    assert "Thương lượng tập thể" in page and "Hội nghị cán bộ công chức" not in page
    r = client.post("/learn/courses/THUONG-LUONG/enrol")
    assert r.headers["Location"].endswith("/learn/courses/THUONG-LUONG/resume")
    r = client.get(r.headers["Location"])
    assert r.headers["Location"].endswith("/modules/01-chung")
    body = html_text(client.get("/learn/courses/THUONG-LUONG/modules/01-chung"))
    assert "<strong>chung</strong>" in body
    r = client.post("/learn/courses/THUONG-LUONG/modules/01-chung/done")
    assert r.headers["Location"].endswith("/modules/02-sxkd")
    client.get("/learn/courses/THUONG-LUONG/modules/02-sxkd")
    # the other track's module is not reachable
    assert client.get("/learn/courses/THUONG-LUONG/modules/03-hcsn").status_code == 404
    # later, from another device: resume lands where the cadre stopped
    other = client.application.test_client()
    other.post("/login", data={"username": "cadre", "password": "mat-khau-thu-nghiem"})
    r = other.get("/learn/courses/THUONG-LUONG/resume")
    assert r.headers["Location"].endswith("/modules/02-sxkd")
    assert "33%" in html_text(other.get("/learn/courses/THUONG-LUONG"))


def test_non_learners_cannot_enrol(client, auth, province, course):
    auth.login("trainer")
    assert client.get("/learn/").status_code == 403
    assert client.post("/learn/courses/THUONG-LUONG/enrol").status_code == 403
    assert db.session.scalar(select(Enrolment.id)) is None


def test_a_search_that_finds_nothing_offers_the_whole_catalogue_again(client, auth, province, course):
    """"Không tìm thấy khóa học nào" was the end of the page: on a phone the cadre had to find the
    header's "Khóa học" to see the courses again."""
    auth.login("cadre")
    body = client.get("/learn/", query_string={"q": "khong co khoa nao nhu the"}).get_data(as_text=True)
    assert "Không tìm thấy khóa học nào." in body
    assert 'href="/learn/"' in body.split("Không tìm thấy khóa học nào.")[1]


def test_a_completed_course_leads_to_the_cadres_certificates(client, auth, province, course):
    """The page of a finished course said when it was finished and stopped there; the certificate the
    cadre has just earned is one tap away."""
    cadre = province["cadre_a"]
    enrolment = ops.enrol(cadre, course)
    for module in queries.outline(course, cadre).modules:
        ops.complete_module(enrolment, module)
    auth.login("cadre")
    body = client.get("/learn/courses/THUONG-LUONG").get_data(as_text=True)
    assert "Bạn đã hoàn thành khóa học" in body
    assert 'href="/certificates/mine"' in body.split("Bạn đã hoàn thành khóa học")[1]


def test_the_home_page_says_how_far_the_cadre_is_and_does_not_deny_a_finished_course(client, auth, province, course):
    """"Khóa học của tôi" showed an unlabelled bar (a bar at 0% is an empty line on a phone), and a cadre
    with a course finished and none under way read "Bạn chưa bắt đầu khóa học nào." above "Đã hoàn
    thành 1 khóa học."."""
    cadre = province["cadre_a"]
    enrolment = ops.enrol(cadre, course)
    ops.complete_module(enrolment, queries.outline(course, cadre).modules[0])  # 1 of 3 lessons
    auth.login("cadre")
    assert "Tiến độ: 33%" in html_text(client.get("/"))
    for module in queries.outline(course, cadre).modules:
        ops.complete_module(enrolment, module)
    home = html_text(client.get("/"))
    assert "Đã hoàn thành 1 khóa học." in home and "Bạn chưa bắt đầu khóa học nào." not in home
