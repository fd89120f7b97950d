"""A course's learners for its editors: who is taking it, how far each one is, filtered and exported."""
from __future__ import annotations

import csv
import io

from lms.core.db import db
from lms.courses import operations as ops
from lms.courses import queries
from tests.conftest import html_text, page_statements


def _course(province):
    trainer = province["users"]["trainer"]
    course = ops.create_course("THUONG-LUONG", ops.CourseMeta("Thương lượng và đối thoại", "", ["business", "public"]), trainer)
    version = ops.latest(course)
    ops.add_module(version, ops.ModuleData("Công đoàn là gì", "chung", 5, key="01-chung"))
    ops.add_module(version, ops.ModuleData("Thương lượng tập thể", "doanh nghiệp", 10, ["business"], key="02-sxkd"))
    ops.add_module(version, ops.ModuleData("Hội nghị cán bộ", "cơ quan", 10, ["public"], key="03-hcsn"))
    ops.add_module(version, ops.ModuleData("Hội nghị người lao động", "cơ quan", 10, ["public"], key="04-hcsn"))
    ops.publish(version)
    return course


def _complete(cadre, course, how_many):
    enrolment = ops.enrol(cadre, course)
    for module in queries.outline(course, cadre).modules[:how_many]:
        ops.complete_module(enrolment, module)
    return enrolment


def test_progress_counts_the_modules_of_each_learners_track(province, make):
    course = _course(province)
    _complete(province["cadre_a"], course, 2)            # business: 2 of 2, completed
    _complete(province["cadre_b"], course, 1)            # public: 1 of 3
    page, summary = queries.course_learners(course)
    assert [(r.cadre.full_name, r.done, r.modules) for r in page.items] == [
        ("Nguyễn Thị Ánh", 2, 2), ("Trần Văn Đức", 1, 3)]  # by given name: Ánh before Đức
    assert (summary.enrolled, summary.completed, summary.learning) == (2, 1, 1)
    assert [r.percent for r in page.items] == [100, 33]


def test_a_cadre_enrolled_again_is_listed_once_with_the_new_round(province):
    course = _course(province)
    first = _complete(province["cadre_a"], course, 2)
    again = ops.enrol(province["cadre_a"], course, new_round=True)
    assert again.id != first.id
    page, summary = queries.course_learners(course)
    assert [(r.enrolment.id, r.done) for r in page.items] == [(again.id, 0)]
    assert (summary.enrolled, summary.completed) == (1, 0)


def test_search_without_accents_and_status_filter(province):
    course = _course(province)
    _complete(province["cadre_a"], course, 2)
    _complete(province["cadre_b"], course, 0)
    assert [r.cadre.full_name for r in queries.course_learners(course, q="van duc")[0].items] == ["Trần Văn Đức"]
    assert [r.cadre.full_name for r in queries.course_learners(course, status="completed")[0].items] == ["Nguyễn Thị Ánh"]
    assert [r.cadre.full_name for r in queries.course_learners(course, status="learning")[0].items] == ["Trần Văn Đức"]


def test_page_for_the_courses_editors_only(client, auth, province, make):
    course = _course(province)
    _complete(province["cadre_a"], course, 1)
    url = f"/author/courses/{course.id}/learners"
    for who, status in (("trainer", 200), ("admin", 200), ("trainer2", 403), ("union", 403), ("cadre", 403)):
        auth.login(who)
        assert client.get(url).status_code == status, who
        assert client.get(url, query_string={"format": "csv"}).status_code == status, who
        auth.logout()
    auth.login("trainer")
    text = html_text(client.get(url))
    assert "1 học viên đã ghi danh: 0 đã hoàn thành, 1 đang học." in text
    assert "Nguyễn Thị Ánh" in text and "1/2 bài" in text
    assert f'href="/author/courses/{course.id}/learners"' in html_text(client.get(f"/author/courses/{course.id}"))
    # a trainer does not open a cadre's training record; a federation admin does
    assert f'/records/{province["cadre_a"].id}"' not in text
    auth.logout()
    auth.login("admin")
    assert f'/records/{province["cadre_a"].id}"' in html_text(client.get(url))


def test_no_match_says_so(client, auth, province):
    course = _course(province)
    auth.login("trainer")
    assert "Chưa có học viên nào ghi danh." in html_text(client.get(f"/author/courses/{course.id}/learners"))
    _complete(province["cadre_a"], course, 0)
    assert "Không có học viên nào khớp với bộ lọc." in html_text(
        client.get(f"/author/courses/{course.id}/learners", query_string={"q": "khong co ai"}))


def test_export_holds_the_filtered_rows_with_dates_and_numbers(client, auth, province):
    course = _course(province)
    _complete(province["cadre_a"], course, 2)
    _complete(province["cadre_b"], course, 1)
    auth.login("trainer")
    response = client.get(f"/author/courses/{course.id}/learners", query_string={"format": "csv", "status": "learning"})
    assert response.headers["Content-Disposition"] == 'attachment; filename="thuong-luong-hoc-vien.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:7] == ["Họ và tên", "Mã cán bộ", "Đơn vị", "Khu vực", "Phiên bản", "Bài học đã xong", "Số bài học"]
    assert [r[0] for r in rows[1:]] == ["Trần Văn Đức"]
    assert rows[1][4:7] == ["1", "1", "3"]
    assert client.get(f"/author/courses/{course.id}/learners", query_string={"format": "xlsx"}).status_code == 200
    assert client.get(f"/author/courses/{course.id}/learners", query_string={"format": "pdf"}).status_code == 404


def test_paged_by_fifty_in_a_fixed_number_of_queries(app, client, auth, province, make):
    course = _course(province)
    _complete(province["cadre_a"], course, 1)   # both tracks from the start: their module counts are
    _complete(province["cadre_b"], course, 1)   # kept per process once read
    auth.login("trainer")
    url = f"/author/courses/{course.id}/learners"

    def count():
        return len(page_statements(client, url))

    count()
    before = count()
    for n in range(59):
        unit = province["biz"] if n % 2 else province["pub"]
        _complete(make.cadre(f"Lê Văn Thử {n:02d}", unit=unit), course, n % 3)
    db.session.flush()
    assert count() == before
    text = html_text(client.get(url))
    assert "61 học viên, xếp theo tên" in text and "Trang 1 / 2" in text
    assert f'href="/author/courses/{course.id}/learners?page=2"' in text
    second = html_text(client.get(url, query_string={"page": 2}))
    assert text.count("<tr><td") + second.count("<tr><td") == 61
    assert text.count("Lê Văn Thử") + second.count("Lê Văn Thử") == 59
