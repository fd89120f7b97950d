"""Effective dates of the tree's operations keep every history in order.

An operation dated after today (Vietnam's today), before the unit began, before the latest change already
in its history, before the other unit of a move or merge began, or before a membership or title it would
close began, is refused on its date field, and nothing changes: in the operations (so the command line
and imports are protected too) and through the forms of the unit page.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from lms.cadres.models import Cadre, CadreTitle, Membership
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.orgs import operations
from lms.orgs.models import Unit, UnitEvent
from tests.conftest import html_text
from tests.orgs.conftest import VIETNAM_TODAY

FOUNDED = dt.date(2020, 1, 1)  # every unit of the `province` fixture
TOMORROW = VIETNAM_TODAY + dt.timedelta(days=1)


def _refused(call, field="effective_on") -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    assert list(caught.value.errors) == [field], caught.value.errors
    return caught.value.errors[field]


def _snapshot() -> tuple:
    """Everything a tree operation may change."""
    db.session.flush()
    db.session.expire_all()
    return (
        db.session.execute(select(Unit.id, Unit.name, Unit.track_id, Unit.parent_id, Unit.path, Unit.active_to,
                                  Unit.merged_into_id).order_by(Unit.id)).all(),
        db.session.scalar(select(func.count(UnitEvent.id))),
        db.session.execute(select(Membership.id, Membership.unit_id, Membership.end_on).order_by(Membership.id)).all(),
        db.session.execute(select(CadreTitle.id, CadreTitle.end_on).order_by(CadreTitle.id)).all(),
        db.session.execute(select(Cadre.id, Cadre.unit_id).order_by(Cadre.id)).all(),
    )


# -- today is Vietnam's today -------------------------------------------------------------------------

def test_the_effective_date_fields_default_to_vietnams_today(client, auth, province, vietnam_evening):
    auth.login("admin")
    page = client.get(f"/units/{province['biz'].id}").get_data(as_text=True)
    defaults = re.findall(r'name="(\w+-effective_on)"[^>]*value="([^"]*)"', page)
    assert {name for name, _ in defaults} == {f"{key}-effective_on" for key in ("rename", "retrack", "move", "merge", "dissolve")}
    assert {value for _, value in defaults} == {"2026-11-25"}
    page = client.get(f"/units/{province['upper_a'].id}/children/new").get_data(as_text=True)
    assert re.search(r'name="active_from"[^>]*value="2026-11-25"', page)


def test_vietnams_today_is_not_in_the_future(client, auth, province, vietnam_evening):
    auth.login("admin")
    response = client.post(f"/units/{province['pub'].id}/dissolve",
                           data={"dissolve-effective_on": "2026-11-25", "dissolve-note": "Công văn 4133/TLĐ-ToC"})
    assert response.status_code == 302, html_text(response)
    db.session.expire_all()
    assert db.session.get(Unit, province["pub"].id).active_to == VIETNAM_TODAY


# -- the rules, operation by operation ----------------------------------------------------------------

def _ops(province, make):
    """Each dated operation on ``biz`` (founded 01/01/2020) as a function of its date."""
    biz, upper_b = province["biz"], province["upper_b"]
    twin = make.unit("Công đoàn Công ty May 2", parent=province["upper_a"], track="business", code="CS-MAY2")
    return {
        "rename": lambda d: operations.rename_unit(biz, "Công đoàn Tổng công ty May Đức Giang", d),
        "retrack": lambda d: operations.set_track(biz, None, d),
        "move": lambda d: operations.move_unit(biz, upper_b, d),
        "merge": lambda d: operations.merge_unit(biz, twin, d),
        "dissolve": lambda d: operations.dissolve_unit(biz, d),
    }


OPERATIONS = ["rename", "retrack", "move", "merge", "dissolve"]


@pytest.mark.parametrize("kind", OPERATIONS)
def test_an_operation_may_not_be_dated_after_today(province, make, kind, vietnam_evening):
    run = _ops(province, make)[kind]
    before = _snapshot()
    assert _refused(lambda: run(TOMORROW)) == "Ngày có hiệu lực không được sau hôm nay."
    assert _snapshot() == before
    run(VIETNAM_TODAY)  # today itself is fine


@pytest.mark.parametrize("kind", OPERATIONS)
def test_an_operation_may_not_be_dated_before_the_unit_began(province, make, kind):
    run = _ops(province, make)[kind]
    before = _snapshot()
    message = _refused(lambda: run(FOUNDED - dt.timedelta(days=1)))
    assert message == ("Ngày có hiệu lực không được trước ngày Công đoàn Công ty May Đức Giang bắt đầu hoạt động "
                       "(01/01/2020).")
    assert _snapshot() == before


@pytest.mark.parametrize("kind", OPERATIONS)
def test_an_operation_may_not_be_dated_before_the_latest_change_in_the_units_history(province, make, kind):
    ops = _ops(province, make)
    operations.set_track(province["biz"], province["pub"].track, dt.date(2024, 6, 1))
    if kind == "retrack":
        ops["retrack"] = lambda d: operations.set_track(province["biz"], None, d)
    before = _snapshot()
    message = _refused(lambda: ops[kind](dt.date(2024, 5, 31)))
    assert message == ("Ngày có hiệu lực không được trước thay đổi gần nhất trong lịch sử của "
                       "Công đoàn Công ty May Đức Giang (01/06/2024).")
    assert _snapshot() == before
    ops[kind](dt.date(2024, 6, 1))  # the same day is fine


def test_the_history_includes_a_merge_the_unit_received(province, make):
    biz = province["biz"]
    twin = make.unit("Công đoàn Công ty May 2", parent=province["upper_a"], code="CS-MAY2")
    operations.merge_unit(twin, biz, dt.date(2025, 6, 1))
    message = _refused(lambda: operations.dissolve_unit(biz, dt.date(2025, 5, 1)))
    assert "(01/06/2025)" in message


def test_a_move_may_not_be_dated_before_the_new_parent_began(province, make):
    newer = make.unit("Công đoàn Khu kinh tế", parent=province["fed"], code="KKT", active_from=dt.date(2023, 3, 1))
    before = _snapshot()
    message = _refused(lambda: operations.move_unit(province["biz"], newer, dt.date(2023, 2, 28)))
    assert message == "Ngày có hiệu lực không được trước ngày Công đoàn Khu kinh tế bắt đầu hoạt động (01/03/2023)."
    assert _snapshot() == before
    operations.move_unit(province["biz"], newer, dt.date(2023, 3, 1))


def test_a_merge_may_not_be_dated_before_the_target_began(province, make):
    newer = make.unit("Công đoàn Công ty May Mới", parent=province["upper_a"], code="CS-MOI",
                      active_from=dt.date(2023, 3, 1))
    before = _snapshot()
    message = _refused(lambda: operations.merge_unit(province["biz"], newer, dt.date(2023, 2, 28)))
    assert message == "Ngày có hiệu lực không được trước ngày Công đoàn Công ty May Mới bắt đầu hoạt động (01/03/2023)."
    assert _snapshot() == before


def test_a_merge_may_not_move_a_sub_unit_before_it_began(province, make):
    """Merging an upper-level union moves its grassroots unions: not to a day before one of them began."""
    late = make.unit("Công đoàn Công ty Điện tử", parent=province["upper_a"], code="CS-DT", active_from=dt.date(2024, 1, 1))
    before = _snapshot()
    message = _refused(lambda: operations.merge_unit(province["upper_a"], province["upper_b"], dt.date(2023, 12, 31)))
    assert message == "Ngày có hiệu lực không được trước ngày Công đoàn Công ty Điện tử bắt đầu hoạt động (01/01/2024)."
    assert _snapshot() == before  # not even the sub-units refused first were moved
    operations.rename_unit(late, "Công đoàn Công ty Điện tử Thái Nguyên", dt.date(2024, 8, 1))
    message = _refused(lambda: operations.merge_unit(province["upper_a"], province["upper_b"], dt.date(2024, 7, 1)))
    assert "lịch sử của Công đoàn Công ty Điện tử Thái Nguyên (01/08/2024)" in message
    assert db.session.get(Unit, late.id).parent_id == province["upper_a"].id
    assert db.session.get(Unit, province["upper_a"].id).active_to is None


@pytest.mark.parametrize("kind", ["merge", "dissolve"])
def test_closing_may_not_be_dated_before_a_membership_it_would_close(province, make, kind):
    biz = province["biz"]
    make.cadre("Lê Văn Bình", unit=biz, start_on=dt.date(2024, 9, 2))
    run = _ops(province, make)[kind]
    before = _snapshot()
    message = _refused(lambda: run(dt.date(2024, 9, 1)))
    assert message == ("Ngày có hiệu lực không được trước ngày Lê Văn Bình bắt đầu sinh hoạt tại đơn vị "
                       "(02/09/2024).")
    assert _snapshot() == before
    run(dt.date(2024, 9, 2))


@pytest.mark.parametrize("kind", ["merge", "dissolve"])
def test_closing_may_not_be_dated_before_a_title_it_would_close(province, make, kind):
    biz = province["biz"]
    make.cadre("Lê Văn Bình", unit=biz, titles=["pho_chu_tich"], start_on=dt.date(2021, 1, 1),
               title_since=dt.date(2024, 9, 2))
    run = _ops(province, make)[kind]
    before = _snapshot()
    message = _refused(lambda: run(dt.date(2024, 9, 1)))
    assert message == ("Ngày có hiệu lực không được trước ngày Lê Văn Bình bắt đầu giữ chức danh tại đơn vị "
                       "(02/09/2024).")
    assert _snapshot() == before


def test_a_new_unit_may_not_begin_after_today_or_before_its_parent(province, make, vietnam_evening):
    def create(day):
        return lambda: make.unit("Công đoàn Công ty Mới", parent=province["upper_a"], code="CS-NEW", active_from=day)

    before = _snapshot()
    assert _refused(create(TOMORROW), "active_from") == "Ngày bắt đầu hoạt động không được sau hôm nay."
    assert _refused(create(FOUNDED - dt.timedelta(days=1)), "active_from") == (
        "Ngày bắt đầu hoạt động không được trước ngày Công đoàn Khu công nghiệp bắt đầu hoạt động (01/01/2020).")
    assert _snapshot() == before
    assert create(VIETNAM_TODAY)().active_from == VIETNAM_TODAY


# -- through the forms of the unit page ---------------------------------------------------------------

def _web_cases(province, make):
    """(url, form data, the field's input name, the typed value, the message) per refused case."""
    biz, pub, upper_a, upper_b = province["biz"], province["pub"], province["upper_a"], province["upper_b"]
    newer = make.unit("Công đoàn Khu kinh tế", parent=province["fed"], code="KKT", active_from=dt.date(2023, 3, 1))
    make.cadre("Lê Văn Bình", unit=pub, start_on=dt.date(2024, 9, 2))
    operations.rename_unit(upper_b, "Công đoàn Viên chức tỉnh Thái Nguyên", dt.date(2025, 7, 1))
    db.session.flush()
    return {
        "dissolve before the unit began": (
            f"/units/{biz.id}/dissolve", {"dissolve-effective_on": "2000-01-01", "dissolve-note": "Quyết định 12/QĐ"},
            "dissolve-effective_on", "2000-01-01",
            "Ngày có hiệu lực không được trước ngày Công đoàn Công ty May Đức Giang bắt đầu hoạt động (01/01/2020)."),
        "dissolve after today": (
            f"/units/{biz.id}/dissolve", {"dissolve-effective_on": str(TOMORROW), "dissolve-note": "Quyết định 12/QĐ"},
            "dissolve-effective_on", str(TOMORROW), "Ngày có hiệu lực không được sau hôm nay."),
        "dissolve before a membership": (
            f"/units/{pub.id}/dissolve", {"dissolve-effective_on": "2024-09-01"}, "dissolve-effective_on", "2024-09-01",
            "Ngày có hiệu lực không được trước ngày Lê Văn Bình bắt đầu sinh hoạt tại đơn vị (02/09/2024)."),
        "merge before the unit began": (
            f"/units/{biz.id}/merge", {"merge-target": pub.id, "merge-effective_on": "1999-06-01"},
            "merge-effective_on", "1999-06-01",
            "Ngày có hiệu lực không được trước ngày Công đoàn Công ty May Đức Giang bắt đầu hoạt động (01/01/2020)."),
        "merge before the latest change": (
            f"/units/{upper_b.id}/merge", {"merge-target": upper_a.id, "merge-effective_on": "2025-06-30"},
            "merge-effective_on", "2025-06-30",
            ("Ngày có hiệu lực không được trước thay đổi gần nhất trong lịch sử của "
             "Công đoàn Viên chức tỉnh Thái Nguyên (01/07/2025).")),
        "move before the unit began": (
            f"/units/{biz.id}/move", {"move-parent": upper_b.id, "move-effective_on": "1990-01-01"},
            "move-effective_on", "1990-01-01",
            "Ngày có hiệu lực không được trước ngày Công đoàn Công ty May Đức Giang bắt đầu hoạt động (01/01/2020)."),
        "move before the new parent began": (
            f"/units/{biz.id}/move", {"move-parent": newer.id, "move-effective_on": "2023-02-28"},
            "move-effective_on", "2023-02-28",
            "Ngày có hiệu lực không được trước ngày Công đoàn Khu kinh tế bắt đầu hoạt động (01/03/2023)."),
        "rename after today": (
            f"/units/{biz.id}/rename", {"rename-name": "Công đoàn May ĐG", "rename-effective_on": "2027-06-30"},
            "rename-effective_on", "2027-06-30", "Ngày có hiệu lực không được sau hôm nay."),
        "retrack before the unit began": (
            f"/units/{biz.id}/track", {"retrack-track": 0, "retrack-effective_on": "2019-12-31"},
            "retrack-effective_on", "2019-12-31",
            "Ngày có hiệu lực không được trước ngày Công đoàn Công ty May Đức Giang bắt đầu hoạt động (01/01/2020)."),
        "create before the parent began": (
            f"/units/{upper_a.id}/children/new",
            {"code": "CS-NEW", "name": "Công đoàn Công ty Mới", "level": 3, "track": 1, "active_from": "2019-12-31"},
            "active_from", "2019-12-31",
            "Ngày bắt đầu hoạt động không được trước ngày Công đoàn Khu công nghiệp bắt đầu hoạt động (01/01/2020)."),
        "create after today": (
            f"/units/{upper_a.id}/children/new",
            {"code": "CS-NEW", "name": "Công đoàn Công ty Mới", "level": 3, "track": 1, "active_from": str(TOMORROW)},
            "active_from", str(TOMORROW), "Ngày bắt đầu hoạt động không được sau hôm nay."),
    }


WEB_CASES = [
    "dissolve before the unit began", "dissolve after today", "dissolve before a membership",
    "merge before the unit began", "merge before the latest change", "move before the unit began",
    "move before the new parent began", "rename after today", "retrack before the unit began",
    "create before the parent began", "create after today",
]


@pytest.mark.parametrize("case", WEB_CASES)
def test_the_form_refuses_the_date_keeps_the_input_and_changes_nothing(client, auth, province, make, case,
                                                                       vietnam_evening):
    url, data, name, typed, message = _web_cases(province, make)[case]
    before = _snapshot()
    auth.login("admin")
    response = client.post(url, data=data)
    page = html_text(response)
    assert response.status_code in (200, 422)
    # the message sits on the date field, which keeps what was typed
    assert re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', page).group(1) == message
    field = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    assert f'value="{typed}"' in field and 'aria-invalid="true"' in field
    assert _snapshot() == before


def test_the_reported_dissolution_before_the_founding_is_refused(client, auth, province, make):
    """The tester's case: a unit founded on 10/08/2021 with cadres, "dissolved" on 01/01/2000."""
    unit = make.unit("Công đoàn Công ty Giấy Hoàng Văn Thụ", parent=province["upper_a"], code="CS-GIAY",
                     active_from=dt.date(2021, 8, 10))
    for n in range(4):
        make.cadre(f"Nguyễn Văn Giấy {n}", unit=unit, titles=["uv_bch"], start_on=dt.date(2021, 8, 10))
    before = _snapshot()
    auth.login("admin")
    response = client.post(f"/units/{unit.id}/dissolve", data={"dissolve-effective_on": "2000-01-01"})
    assert response.status_code == 422
    assert "không được trước ngày Công đoàn Công ty Giấy Hoàng Văn Thụ bắt đầu hoạt động (10/08/2021)" in html_text(response)
    assert _snapshot() == before
    page = html_text(client.get(f"/units/{unit.id}"))
    assert "đến 01/01/2000" not in page and "đã ngừng hoạt động" not in page


def test_a_refused_date_costs_the_same_queries_for_many_cadres(client, auth, province, make):
    """The checks are single queries: a page refusing a date does not grow with the unit's cadres."""
    from tests.reports.conftest import count_queries

    unit = make.unit("Công đoàn Công ty Lớn", parent=province["upper_a"], code="CS-LON")
    auth.login("admin")

    def refused_page() -> int:
        with count_queries() as statements:
            response = client.post(f"/units/{unit.id}/dissolve", data={"dissolve-effective_on": "2021-01-01"})
        assert response.status_code == 422
        return len(statements)

    make.cadre(unit=unit, titles=["chu_tich"], start_on=dt.date(2022, 1, 1))
    few = refused_page()
    for _ in range(10):
        make.cadre(unit=unit, titles=["uv_bch"], start_on=dt.date(2022, 1, 1))
    assert refused_page() == few
