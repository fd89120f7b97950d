"""Audiences follow the data: joining, transferring and taking titles move cadres in and out, and
the date each cadre entered is derived from their dated memberships and titles."""
from __future__ import annotations

import datetime as dt

import pytest

from lms.cadres.operations import sync_titles, transfer
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.plans import operations, queries
from lms.plans.queries import Rule

D = dt.date


def members(plan, day, user=None) -> set[str]:
    return {c.full_name for c in queries.first_members(Rule.of(plan), day, user, limit=1000)}


def plan_of(province, actor="admin", **rule):
    data = operations.PlanData(name="Kế hoạch thử", **rule)
    return operations.create_plan(data, province["users"][actor])


def test_membership_follows_joins_transfers_and_titles(make, province):
    plan = plan_of(province, units=[province["upper_a"]], tracks=[make.tracks["business"]], employment="part_time")
    day = D(2025, 6, 1)
    assert members(plan, day) == {"Nguyễn Thị Ánh"}

    newcomer = make.cadre("Lê Văn Mới", unit=province["biz"], start_on=D(2025, 5, 1))
    assert members(plan, day) == {"Nguyễn Thị Ánh", "Lê Văn Mới"}
    assert queries.count_members(Rule.of(plan), day) == 2

    transfer(province["cadre_a"], province["pub"], D(2025, 5, 20))  # leaves the subtree and the track
    assert members(plan, day) == {"Lê Văn Mới"}

    full_timer = make.cadre("Phạm Văn Chuyên", unit=province["biz"], employment="full_time")
    assert "Phạm Văn Chuyên" not in members(plan, day)
    assert newcomer.id  # still there

    chairs = plan_of(province, titles=[make.titles["chu_tich"]])
    assert members(chairs, day) == set()  # her chair title ended with the transfer
    sync_titles(province["cadre_b"], [make.titles["chu_tich"]], D(2025, 5, 25))
    db.session.flush()
    assert members(chairs, day) == {"Trần Văn Đức"}
    assert full_timer.id


def test_or_within_a_kind_and_and_across_kinds(make, province):
    both = plan_of(province, units=[province["biz"], province["pub"]])
    assert members(both, D(2025, 6, 1)) == {"Nguyễn Thị Ánh", "Trần Văn Đức"}
    narrowed = plan_of(province, units=[province["biz"], province["pub"]], tracks=[make.tracks["public"]])
    assert members(narrowed, D(2025, 6, 1)) == {"Trần Văn Đức"}
    chairs_or_vice = plan_of(province, titles=[make.titles["chu_tich"], make.titles["pho_chu_tich"]])
    make.cadre("Đỗ Thị Phó", unit=province["pub"], titles=["pho_chu_tich"])
    assert members(chairs_or_vice, D(2025, 6, 1)) == {"Nguyễn Thị Ánh", "Đỗ Thị Phó"}


def test_newly_elected_within_n_months(make, province):
    plan = plan_of(province, new_within_months=6)
    make.cadre("Hoàng Văn Tân", unit=province["biz"], titles=["uv_bch"], start_on=D(2025, 1, 10))
    assert "Hoàng Văn Tân" in members(plan, D(2025, 3, 1))
    assert "Hoàng Văn Tân" not in members(plan, D(2025, 7, 11))  # more than 6 months later
    assert "Trần Văn Đức" not in members(plan, D(2025, 3, 1))  # no title at all


def test_union_admins_create_only_within_their_subtree_and_see_only_it(make, province):
    with pytest.raises(ValidationError):
        plan_of(province, actor="union", units=[province["pub"]])
    own = plan_of(province, actor="union")
    assert own.scope_unit_id == province["upper_a"].id
    assert members(own, D(2025, 6, 1)) == {"Nguyễn Thị Ánh"}  # the empty rule is their whole subtree
    federation_wide = plan_of(province)
    assert members(federation_wide, D(2025, 6, 1)) == {"Nguyễn Thị Ánh", "Trần Văn Đức"}
    assert members(federation_wide, D(2025, 6, 1), province["users"]["union"]) == {"Nguyễn Thị Ánh"}
    assert members(federation_wide, D(2025, 6, 1), province["users"]["other_union"]) == {"Trần Văn Đức"}


def entry(plan, cadre, day):
    return queries.entry_date(Rule.of(plan), queries.load_histories([cadre.id])[cadre.id], day)


def test_entry_date_walks_memberships_within_the_area(make, province):
    plan = plan_of(province, units=[province["upper_a"]])
    second_biz = make.unit("Công đoàn Công ty Dệt", parent=province["upper_a"], track="business")
    cadre = make.cadre("Vũ Thị Lâu", unit=province["biz"], start_on=D(2021, 1, 1))
    transfer(cadre, second_biz, D(2024, 1, 1))  # moving inside the subtree keeps the entry date
    assert entry(plan, cadre, D(2025, 6, 1)) == D(2021, 1, 1)

    comer = make.cadre("Ngô Văn Đến", unit=province["pub"], start_on=D(2020, 1, 1))
    assert entry(plan, comer, D(2025, 6, 1)) is None
    transfer(comer, province["biz"], D(2025, 2, 1))
    assert entry(plan, comer, D(2025, 6, 1)) == D(2025, 2, 1)


def test_entry_date_is_the_latest_of_unit_and_title(make, province):
    plan = plan_of(province, units=[province["upper_a"]], titles=[make.titles["chu_tich"]])
    cadre = make.cadre("Bùi Văn Bầu", unit=province["biz"], start_on=D(2020, 1, 1))
    sync_titles(cadre, [make.titles["chu_tich"]], D(2025, 3, 15))
    db.session.flush()
    assert entry(plan, cadre, D(2025, 6, 1)) == D(2025, 3, 15)


def test_preview_rule_matches_the_saved_plan(make, province):
    data = operations.PlanData(name="x", tracks=[make.tracks["business"]])
    rule = operations.rule_for(data, province["users"]["union"])
    assert rule.scope_path == province["upper_a"].path
    assert queries.count_members(rule, D(2025, 6, 1)) == 1
