"""The pages: creating plans and assignments, the per-cadre status page with exemptions, the home
page's block, notifications; union admins only within their subtree; CSRF on every POST."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from lms.core.db import db
from lms.plans import operations
from lms.plans.models import Assignment, Exemption, Notification, Plan
from tests.conftest import html_text

D = dt.date


@pytest.fixture()
def union_plan(province, publish, clock):
    clock.set(D(2025, 6, 1))
    plan = operations.create_plan(operations.PlanData("Kế hoạch khu công nghiệp"), province["users"]["union"])
    course = publish("DIEU-LE-LUAT-2024", "Điều lệ và Luật Công đoàn")
    assignment = operations.create_assignment(plan, operations.AssignmentData([course], due_on=D(2025, 5, 1)))
    db.session.flush()
    return plan, assignment


def test_union_admin_creates_a_plan_with_a_preview(client, auth, province, make, clock):
    auth.login("union")
    page = html_text(client.get("/plans/new"))
    assert province["biz"].name in page and province["pub"].name not in page  # the unit picker is in scope
    business = make.tracks["business"].id
    preview = html_text(client.post("/plans/new", data={"name": "Thử", "tracks": [business], "action": "preview"}))
    assert "Xem trước: 1 cán bộ" in preview and "Nguyễn Thị Ánh" in preview
    assert db.session.scalar(select(Plan.id)) is None  # a preview saves nothing
    outside = client.post("/plans/new", data={"name": "Ngoài", "units": [province["pub"].id], "action": "save"})
    assert outside.status_code == 200 and db.session.scalar(select(Plan.id)) is None
    saved = client.post("/plans/new", data={"name": "Chủ tịch KCN", "titles": [make.titles["chu_tich"].id],
                                            "action": "save"})
    assert saved.status_code == 302
    plan = db.session.scalar(select(Plan))
    assert plan.scope_unit_id == province["upper_a"].id and [t.code for t in plan.titles] == ["chu_tich"]


def test_assignment_form_and_status_page(client, auth, province, publish, clock):
    clock.set(D(2025, 6, 1))
    course = publish("TAI-CHINH", "Tài chính công đoàn")
    plan = operations.create_plan(operations.PlanData("KCN"), province["users"]["union"])
    auth.login("union")
    bad = html_text(client.post(f"/plans/{plan.id}/assignments/new", data={"courses": [course.id], "due_kind": "fixed"}))
    assert "Vui lòng nhập ngày hạn." in bad
    response = client.post(f"/plans/{plan.id}/assignments/new", data={
        "courses": [course.id], "due_kind": "relative", "due_days": "60", "cycle_years": "2"})
    assert response.status_code == 302
    assignment = db.session.scalar(select(Assignment))
    assert (assignment.due_days, assignment.cycle_years, assignment.starts_on) == (60, 2, D(2025, 6, 1))
    page = html_text(client.get(f"/plans/assignments/{assignment.id}"))
    assert "Nguyễn Thị Ánh" in page and "hạn 31/07/2025" in page and "Được giao: 1" in page


def test_a_fixed_due_date_in_the_past_is_refused(client, auth, province, publish, clock):
    clock.set(D(2025, 6, 1))
    course = publish("TAI-CHINH", "Tài chính công đoàn")
    plan = operations.create_plan(operations.PlanData("KCN"), province["users"]["union"])
    auth.login("union")
    url = f"/plans/{plan.id}/assignments/new"
    past = client.post(url, data={"courses": [course.id], "due_kind": "fixed", "due_on": "2020-01-01", "note": "Đợt 1"})
    assert past.status_code == 200
    page = past.get_data(as_text=True)
    assert "Ngày hạn không được trước hôm nay (01/06/2025)." in html_text(past)
    assert 'value="2020-01-01"' in page and "Đợt 1" in page
    assert db.session.scalar(select(Assignment.id)) is None
    today = client.post(url, data={"courses": [course.id], "due_kind": "fixed", "due_on": "2025-06-01"})
    assert today.status_code == 302
    assert db.session.scalar(select(Assignment.due_on)) == D(2025, 6, 1)


def test_exemption_by_form(client, auth, province, union_plan):
    _plan, assignment = union_plan
    auth.login("union")
    empty = client.post(f"/plans/assignments/{assignment.id}/exemptions", data={"cadre_id": province["cadre_a"].id})
    assert empty.status_code == 302 and db.session.scalar(select(Exemption.id)) is None
    client.post(f"/plans/assignments/{assignment.id}/exemptions",
                data={"cadre_id": province["cadre_a"].id, "reason": "Nghỉ thai sản"})
    page = html_text(client.get(f"/plans/assignments/{assignment.id}"))
    assert "Nghỉ thai sản" in page and "Được miễn: 1" in page
    client.post(f"/plans/assignments/{assignment.id}/exemptions/{province['cadre_a'].id}/delete")
    assert db.session.scalar(select(Exemption.id)) is None


def test_union_admin_of_another_subtree_is_refused_everywhere(client, auth, province, union_plan):
    plan, assignment = union_plan
    auth.login("union2")
    assert "Kế hoạch khu công nghiệp" not in html_text(client.get("/plans/"))
    for url in (f"/plans/{plan.id}", f"/plans/{plan.id}/assignments/new", f"/plans/assignments/{assignment.id}"):
        assert client.get(url).status_code == 403, url
    for url in (f"/plans/{plan.id}/assignments/new", f"/plans/assignments/{assignment.id}/exemptions",
                f"/plans/assignments/{assignment.id}/exemptions/{province['cadre_a'].id}/delete"):
        assert client.post(url, data={"cadre_id": province["cadre_a"].id, "reason": "x"}).status_code == 403, url


def test_federation_plan_shows_a_union_admin_only_their_subtree(client, auth, province, publish, clock):
    clock.set(D(2025, 6, 1))
    plan = operations.create_plan(operations.PlanData("Toàn tỉnh"), province["users"]["admin"])
    assignment = operations.create_assignment(plan, operations.AssignmentData([publish("TOAN-TINH")], due_on=D(2025, 9, 1)))
    auth.login("union2")
    page = html_text(client.get(f"/plans/assignments/{assignment.id}"))
    assert "Trần Văn Đức" in page and "Nguyễn Thị Ánh" not in page
    assert client.get(f"/plans/{plan.id}/assignments/new").status_code == 403  # view, not manage
    # cannot exempt a cadre outside their subtree even on a plan they see
    response = client.post(f"/plans/assignments/{assignment.id}/exemptions",
                           data={"cadre_id": province["cadre_a"].id, "reason": "x"})
    assert response.status_code == 403


def test_home_page_shows_assigned_due_and_overdue(client, auth, province, union_plan, publish):
    plan, _overdue = union_plan
    operations.create_assignment(plan, operations.AssignmentData([publish("SAP-HAN", "Khóa sắp hạn")], due_on=D(2025, 6, 5)))
    operations.create_assignment(plan, operations.AssignmentData([publish("CON-LAU", "Khóa còn lâu")], due_on=D(2025, 12, 31)))
    auth.login("cadre")
    body = client.get("/").get_data(as_text=True)
    text = re.sub(r"\s+", " ", body)
    assert "Quá hạn" in text and "Điều lệ và Luật Công đoàn" in text and "hạn 01/05/2025" in text
    assert "Sắp đến hạn" in text and "hạn 05/06/2025" in text
    assert "Khóa còn lâu" in text and "hạn 31/12/2025" in text
    assert 'href="/learn/courses/DIEU-LE-LUAT-2024"' in body
    assert " style=" not in body and "<script>" not in body
    auth.logout()
    auth.login("cadre2")
    assert "Khóa học được giao" not in html_text(client.get("/"))


def test_notifications_page_and_mark_read(client, auth, province, union_plan):
    operations.compute_reminders(D(2025, 6, 1), dt.datetime(2025, 6, 1, 2, tzinfo=dt.timezone.utc))
    auth.login("cadre")
    page = html_text(client.get("/notifications"))
    assert "Quá hạn từ 01/05/2025" in page and "Đánh dấu đã đọc tất cả (1)" in page
    assert client.post("/notifications/read").status_code == 302
    assert db.session.scalar(select(Notification.read_at).where(
        Notification.user_id == province["users"]["cadre"].id)) is not None
    auth.logout()
    auth.login("union")
    assert "1 cán bộ quá hạn" in html_text(client.get("/notifications"))


def test_posts_need_a_csrf_token(client, auth, province, union_plan, csrf_on):
    plan, assignment = union_plan
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"username": "union", "password": "mat-khau-thu-nghiem", "csrf_token": token})
    for url in ("/plans/new", f"/plans/{plan.id}/assignments/new", f"/plans/assignments/{assignment.id}/exemptions",
                "/notifications/read"):
        assert client.post(url, data={"name": "x", "reason": "x"}).status_code == 400, url
    form = client.get("/plans/new").get_data(as_text=True)
    token = form.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    ok = client.post("/plans/new", data={"name": "Có mã", "action": "save", "csrf_token": token})
    assert ok.status_code == 302


def test_a_plan_counts_within_the_part_of_the_tree_only_for_a_union_admin(client, auth, province, publish, clock):
    clock.set(D(2025, 6, 1))
    plan = operations.create_plan(operations.PlanData("Toàn tỉnh"), province["users"]["admin"])
    auth.login("union2")
    assert "cán bộ</strong> trong phạm vi bạn quản lý" in html_text(client.get(f"/plans/{plan.id}"))
    auth.logout()
    auth.login("admin")
    page = html_text(client.get(f"/plans/{plan.id}"))
    assert "cán bộ</strong>" in page and "trong phạm vi bạn quản lý" not in page


def test_a_plans_audience_is_named_in_the_pages_language(client, auth, province, make):
    plan = operations.create_plan(operations.PlanData("Kế hoạch thử", tracks=[make.tracks["business"]],
                                                      titles=[make.titles["chu_tich"]]), province["users"]["union"])
    db.session.flush()
    client.post("/language", data={"lang": "en"})
    auth.login("union")
    text = html_text(client.get(f"/plans/{plan.id}"))
    track, title = make.tracks["business"], make.titles["chu_tich"]
    assert track.name_en and track.name_en in text and track.name not in text
    assert title.name_en and title.name_en in text and title.name not in text


def test_an_exemption_leads_back_to_the_filter_and_page_it_was_made_from(client, auth, province, union_plan, make):
    """Exempting a cadre from page 2 of the overdue ones led back to page 1 of everyone; a refused one
    said "Vui lòng ghi lý do miễn." without whose exemption, among fifty rows."""
    _plan, assignment = union_plan
    auth.login("union")
    page = client.get(f"/plans/assignments/{assignment.id}?status=overdue").get_data(as_text=True)
    assert f'action="/plans/assignments/{assignment.id}/exemptions?status=overdue"' in page
    cadre = province["cadre_a"]
    url = f"/plans/assignments/{assignment.id}/exemptions?status=overdue&page=2"
    refused = client.post(url, data={"cadre_id": cadre.id, "reason": "   "})
    assert refused.status_code == 302
    assert refused.headers["Location"].endswith(f"/plans/assignments/{assignment.id}?status=overdue&page=2")
    assert db.session.scalar(select(Exemption.id)) is None
    shown = html_text(client.get(refused.headers["Location"]))
    assert f"Chưa miễn cho {cadre.full_name}: Vui lòng ghi lý do miễn." in shown
    done = client.post(url, data={"cadre_id": cadre.id, "reason": "Nghỉ thai sản"})
    assert done.headers["Location"].endswith("?status=overdue&page=2")
    page = client.get(f"/plans/assignments/{assignment.id}?status=exempt").get_data(as_text=True)
    assert f"/exemptions/{cadre.id}/delete?status=exempt" in page
    undone = client.post(f"/plans/assignments/{assignment.id}/exemptions/{cadre.id}/delete?status=exempt")
    assert undone.headers["Location"].endswith("?status=exempt")


def test_the_plans_list_names_the_courses_by_title(client, auth, province, union_plan):
    """The list named a plan's courses by their code (DIEU-LE-LUAT-2024), where the plan's and the
    assignment's pages give their titles."""
    _plan, assignment = union_plan
    auth.login("union")
    page = html_text(client.get("/plans/"))
    assert f'<a href="/plans/assignments/{assignment.id}">Điều lệ và Luật Công đoàn</a>' in page


def test_the_plan_forms_put_each_box_beside_its_label(client, auth, province, union_plan):
    """WTForms' lists put each check box and radio button alone on a bulleted line above its label, a
    small target on a phone; each is now inside its label, as the authoring pages' boxes are."""
    plan, _assignment = union_plan
    auth.login("union")
    for url, groups in (("/plans/new", 3), (f"/plans/{plan.id}/assignments/new", 2)):
        page = client.get(url).get_data(as_text=True)
        fieldsets = re.findall(r'<fieldset class="field checks".*?</fieldset>', page, re.S)
        assert len(fieldsets) == groups, url  # tracks, titles, titles planned for; courses, due date
        for fieldset in fieldsets:
            assert "<ul" not in fieldset and "<li" not in fieldset
            boxes = re.findall(r'<label class="check" for="([^"]+)"><input[^>]*id="([^"]+)"', fieldset)
            assert boxes and all(for_ == id_ for for_, id_ in boxes), fieldset
