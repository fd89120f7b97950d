"""The pool of cadres planned for a title (quy hoạch): dated entries on the cadre's page, and plans
whose audience is the pool, which the federation trains first."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from lms.cadres import operations
from lms.cadres.models import Planning
from lms.core.clock import local_today
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.plans import operations as plans
from lms.plans import queries as plan_queries
from lms.plans.queries import Rule
from tests.conftest import html_text, page_statements

D = dt.date


def words(response) -> str:
    """The page's text without its tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def plannings(cadre) -> list[tuple[str, dt.date, dt.date | None]]:
    db.session.expire_all()  # what the requests wrote, not what this session holds
    return [(p.title_type.code, p.start_on, p.end_on) for p in db.session.scalars(
        select(Planning).where(Planning.cadre_id == cadre.id).order_by(Planning.start_on))]


def test_an_entry_is_ended_never_overlapped(make, province):
    cadre, chair = province["cadre_b"], make.titles["chu_tich"]
    operations.add_planning(cadre, chair, D(2024, 3, 1), "2023-2028", "Nghị quyết BTV số 12")
    with pytest.raises(ValidationError) as refused:
        operations.add_planning(cadre, chair, D(2025, 1, 1))
    assert refused.value.errors == {"title_type": "Cán bộ đã trong quy hoạch chức danh Chủ tịch từ 01/03/2024."}
    entry = db.session.scalar(select(Planning).where(Planning.cadre_id == cadre.id))
    assert entry.term == "2023–2028"  # written as the cadre form writes a term
    with pytest.raises(ValidationError) as refused:
        operations.end_planning(entry, D(2024, 3, 1))
    assert refused.value.errors["end_on"] == "Ngày đưa ra khỏi quy hoạch phải sau ngày đưa vào (01/03/2024)."
    operations.end_planning(entry, D(2025, 2, 1))
    with pytest.raises(ValidationError):  # before the end of the entry it would overlap
        operations.add_planning(cadre, chair, D(2025, 1, 31))
    operations.add_planning(cadre, chair, D(2025, 2, 1))  # back in the pool the day after leaving it
    assert plannings(cadre) == [("chu_tich", D(2024, 3, 1), D(2025, 2, 1)), ("chu_tich", D(2025, 2, 1), None)]


def test_bad_dates_and_terms_change_nothing(make, province):
    cadre, chair = province["cadre_b"], make.titles["chu_tich"]
    tomorrow = local_today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        operations.add_planning(cadre, chair, tomorrow, "2028")
    assert set(refused.value.errors) == {"start_on", "term"}
    entry = operations.add_planning(cadre, chair, D(2025, 1, 1))
    with pytest.raises(ValidationError):
        operations.end_planning(entry, tomorrow)
    assert plannings(cadre) == [("chu_tich", D(2025, 1, 1), None)]


def test_a_plan_reaches_the_pool_whatever_title_they_hold_and_since_they_entered_it(make, province):
    chair = make.titles["chu_tich"]
    pool = plans.create_plan(plans.PlanData("Quy hoạch Chủ tịch", planned_titles=[chair]), province["users"]["admin"])
    rule = Rule.of(pool)
    cadre = province["cadre_b"]  # holds no title
    assert plan_queries.count_members(rule, D(2025, 6, 1)) == 0
    entry = operations.add_planning(cadre, chair, D(2025, 3, 1), "2028-2033")
    other = make.cadre("Lý Thị Khác", unit=province["biz"])
    operations.add_planning(other, make.titles["pho_chu_tich"], D(2025, 3, 1))  # another title's pool
    members = {c.full_name for c in plan_queries.first_members(rule, D(2025, 6, 1))}
    assert members == {"Trần Văn Đức"}
    assert plan_queries.count_members(rule, D(2025, 2, 28)) == 0  # before entering the pool
    history = plan_queries.load_histories([cadre.id])[cadre.id]
    assert plan_queries.entry_date(rule, history, D(2025, 6, 1)) == D(2025, 3, 1)  # relative due dates count from here
    operations.end_planning(entry, D(2025, 9, 1))
    assert plan_queries.count_members(rule, D(2025, 9, 1)) == 0
    assert plan_queries.count_members(rule, D(2025, 8, 31)) == 1  # "as of" a day reads that day's pool


def test_the_pool_sees_its_assigned_course_on_the_home_page(make, province, client, auth):
    from lms.courses import operations as courses

    chair = make.titles["chu_tich"]
    course = courses.create_course("QUAN-LY-TAI-CHINH", courses.CourseMeta("Quản lý tài chính công đoàn"),
                                   province["users"]["trainer"])
    courses.add_module(courses.latest(course), courses.ModuleData("Bài 1", "Nội dung", 5))
    courses.publish(courses.latest(course))
    pool = plans.create_plan(plans.PlanData("Quy hoạch Chủ tịch", planned_titles=[chair]), province["users"]["admin"])
    plans.create_assignment(pool, plans.AssignmentData([course], due_days=90), today=D(2025, 1, 1))
    db.session.commit()
    auth.login("cadre2")
    assert "Quản lý tài chính công đoàn" not in html_text(client.get("/"))
    entered = local_today() - dt.timedelta(days=10)
    operations.add_planning(province["cadre_b"], chair, entered)
    db.session.commit()
    assert "Quản lý tài chính công đoàn" in html_text(client.get("/"))
    # due 90 days after entering the pool (not after the assignment began, a year and more before)
    [item] = plan_queries.cadre_items(province["cadre_b"])
    assert item.status.due_on == entered + dt.timedelta(days=90)


def test_cadre_page_adds_ends_and_deletes_entries(make, province, client, auth):
    cadre = province["cadre_a"]
    chair = make.titles["chu_tich"]
    auth.login("union")  # the cadre is in this admin's subtree
    page = html_text(client.get(f"/cadres/{cadre.id}"))
    assert "Chưa trong quy hoạch chức danh nào." in page and "Đưa vào quy hoạch" in page
    response = client.post(f"/cadres/{cadre.id}/plannings", data={
        "title_type": chair.id, "term": "2028/2033", "start_on": "2025-03-01", "note": "Nghị quyết số 5"})
    assert response.status_code == 302
    page = words(client.get(f"/cadres/{cadre.id}"))
    assert "Chức danh Chủ tịch · nhiệm kỳ 2028–2033 01/03/2025 – nay · Nghị quyết số 5" in page
    entry = db.session.scalar(select(Planning).where(Planning.cadre_id == cadre.id))
    # a refused end keeps what was typed, with its message, and changes nothing
    response = client.post(f"/cadres/{cadre.id}/plannings/{entry.id}/end", data={f"p{entry.id}-end_on": "2025-01-01"})
    assert response.status_code == 400
    text = html_text(response)
    assert "Ngày đưa ra khỏi quy hoạch phải sau ngày đưa vào (01/03/2025)." in text and 'value="2025-01-01"' in text
    db.session.refresh(entry)
    assert entry.end_on is None
    assert client.post(f"/cadres/{cadre.id}/plannings/{entry.id}/end", data={f"p{entry.id}-end_on": "2025-06-01"}).status_code == 302
    assert "01/03/2025 – 01/06/2025" in words(client.get(f"/cadres/{cadre.id}"))
    # a refused entry keeps what was typed
    response = client.post(f"/cadres/{cadre.id}/plannings", data={
        "title_type": chair.id, "term": "sai", "start_on": "2025-05-01", "note": "ghi chú giữ lại"})
    assert response.status_code == 400
    text = html_text(response)
    assert "Nhiệm kỳ “sai” không hợp lệ (ghi dạng 2023–2028)." in text and "ghi chú giữ lại" in text
    assert "Cán bộ đã trong quy hoạch chức danh Chủ tịch từ 01/03/2025." in text  # every problem at once
    second = operations.add_planning(cadre, make.titles["pho_chu_tich"], D(2025, 7, 1))
    db.session.flush()
    assert client.post(f"/cadres/{cadre.id}/plannings/{second.id}/delete").status_code == 302
    assert plannings(cadre) == [("chu_tich", D(2025, 3, 1), D(2025, 6, 1))]


def test_outside_the_subtree_or_another_cadres_entry_is_refused(make, province, client, auth):
    cadre, other = province["cadre_a"], province["cadre_b"]
    entry = operations.add_planning(cadre, make.titles["chu_tich"], D(2025, 3, 1))
    db.session.flush()
    auth.login("union2")  # the other subtree
    assert client.post(f"/cadres/{cadre.id}/plannings/{entry.id}/delete").status_code == 403
    auth.logout()
    auth.login("admin")
    assert client.post(f"/cadres/{other.id}/plannings/{entry.id}/delete").status_code == 404  # not this cadre's
    assert client.post(f"/cadres/{other.id}/plannings/{entry.id}/end",
                       data={f"p{entry.id}-end_on": "2025-06-01"}).status_code == 404
    assert plannings(cadre) == [("chu_tich", D(2025, 3, 1), None)]
    auth.logout()
    auth.login("cadre")  # a cadre reads their own page but does not edit it
    assert "Đưa vào quy hoạch</summary>" not in html_text(client.get(f"/cadres/{cadre.id}"))


def test_cadre_page_in_a_fixed_number_of_queries(make, province, client, auth):
    cadre = province["cadre_a"]
    auth.login("admin")
    before = len(page_statements(client, f"/cadres/{cadre.id}"))
    for n, code in enumerate(("chu_tich", "pho_chu_tich", "uv_bch")):
        entry = operations.add_planning(cadre, make.titles[code], D(2024, 1, 1 + n))
        operations.end_planning(entry, D(2024, 6, 1))
        operations.add_planning(cadre, make.titles[code], D(2025, 1, 1 + n))
    db.session.flush()
    assert len(page_statements(client, f"/cadres/{cadre.id}")) == before


def test_plan_form_and_page_name_the_pool(make, province, client, auth):
    auth.login("admin")
    chair = make.titles["chu_tich"]
    assert "Trong quy hoạch chức danh" in html_text(client.get("/plans/new"))
    operations.add_planning(province["cadre_b"], chair, D(2025, 3, 1))
    db.session.flush()
    response = client.post("/plans/new", data={"name": "Nguồn Chủ tịch", "planned_titles": [chair.id], "action": "save"})
    assert response.status_code == 302
    text = words(client.get(response.headers["Location"]))
    assert "Trong quy hoạch chức danh Chủ tịch" in text and "1 cán bộ" in text
