"""The overview "as of" a date: units active on the day, cadres by their membership on the day, in the
subtree as the tree was on the day (rebuilt from the move events dated after it)."""
from __future__ import annotations

import datetime as dt

import pytest

from lms.orgs.operations import dissolve_unit, merge_unit, move_unit
from lms.reports.queries import overview

BEFORE, MERGED_ON, AFTER = dt.date(2024, 1, 1), dt.date(2024, 6, 1), dt.date(2024, 7, 1)


@pytest.fixture()
def reorg(make):
    """fed → X (g1, g2), Y (g3); a cadre in each unit but the federation; X is merged into Y on 01/06/2024."""
    fed = make.unit("Liên đoàn Lao động tỉnh Thử", code="FED")
    x = make.unit("Liên đoàn Lao động huyện X", parent=fed, code="X")
    y = make.unit("Liên đoàn Lao động huyện Y", parent=fed, code="Y")
    g1 = make.unit("Công đoàn cơ sở 1", parent=x, code="G1")
    g2 = make.unit("Công đoàn cơ sở 2", parent=x, code="G2")
    g3 = make.unit("Công đoàn cơ sở 3", parent=y, code="G3")
    cadres = {
        "a1": make.cadre("Nguyễn Văn An", unit=g1),
        "a2": make.cadre("Lê Thị Bình", unit=g2, employment="part_time"),
        "x1": make.cadre("Trần Văn Cường", unit=x, employment="full_time"),
        "y3": make.cadre("Phạm Thị Dung", unit=g3),
        "late": make.cadre("Hoàng Văn Em", unit=g3, start_on=dt.date(2024, 9, 1)),
    }
    users = {
        "admin": make.user("r_admin", role="federation_admin"),
        "union_x": make.user("r_union_x", role="union_admin", unit=x),
        "union_y": make.user("r_union_y", role="union_admin", unit=y),
    }
    merge_unit(x, y, MERGED_ON)
    return {"fed": fed, "x": x, "y": y, "g1": g1, "g2": g2, "g3": g3, "cadres": cadres, "users": users}


def _levels(data) -> dict[str, int]:
    return {r.code: r.count for r in data.units_by_level}


def test_the_federation_before_and_after_a_merge(reorg):
    admin = reorg["users"]["admin"]
    before = overview(admin, as_of=BEFORE)
    assert _levels(before) == {"federation": 1, "upper": 2, "grassroots": 3}
    assert (before.cadres, before.full_time, before.part_time) == (4, 1, 3)

    after = overview(admin, as_of=AFTER)
    assert _levels(after) == {"federation": 1, "upper": 1, "grassroots": 3}
    assert after.cadres == 4  # x1 continues in Y

    assert overview(admin, as_of=dt.date(2024, 9, 1)).cadres == 5  # the day `late` joins
    assert overview(admin, as_of=dt.date(2024, 8, 31)).cadres == 4


def test_the_day_of_the_merge_is_already_the_merged_state(reorg):
    admin = reorg["users"]["admin"]
    assert _levels(overview(admin, as_of=MERGED_ON - dt.timedelta(days=1)))["upper"] == 2
    assert _levels(overview(admin, as_of=MERGED_ON))["upper"] == 1


def test_a_union_sees_its_subtree_as_it_was(reorg):
    union_y = reorg["users"]["union_y"]
    before = overview(union_y, as_of=BEFORE)
    # on 01/01/2024 g1 and g2 were under X, not under Y: they are not Y's, though their paths now say so
    assert _levels(before) == {"upper": 1, "grassroots": 1}
    assert before.cadres == 1

    after = overview(union_y, as_of=AFTER)
    assert _levels(after) == {"upper": 1, "grassroots": 3}
    assert after.cadres == 4

    union_x = reorg["users"]["union_x"]
    before_x = overview(union_x, as_of=BEFORE)
    assert _levels(before_x) == {"upper": 1, "grassroots": 2}
    assert (before_x.cadres, before_x.full_time) == (3, 1)
    after_x = overview(union_x, as_of=AFTER)
    assert _levels(after_x) == {} and after_x.cadres == 0


def test_before_anyone_joined(reorg):
    data = overview(reorg["users"]["admin"], as_of=dt.date(2020, 6, 1))
    assert _levels(data) == {"federation": 1, "upper": 2, "grassroots": 3}
    assert data.cadres == 0
    assert overview(reorg["users"]["admin"], as_of=dt.date(2019, 12, 31)).units_by_level == []


def test_moves_back_and_forth(reorg, make):
    """g3 moves Y → X (after the merge X is gone, so use a fresh upper union Z) and back again."""
    z = make.unit("Công đoàn Khu công nghiệp Z", parent=reorg["fed"], code="Z", active_from=dt.date(2024, 1, 1))
    union_z = make.user("r_union_z", role="union_admin", unit=z)
    g3 = reorg["g3"]
    move_unit(g3, z, dt.date(2025, 1, 1))
    move_unit(g3, reorg["y"], dt.date(2025, 6, 1))
    union_y = reorg["users"]["union_y"]

    assert _levels(overview(union_z, as_of=dt.date(2024, 12, 31))) == {"upper": 1}
    assert _levels(overview(union_z, as_of=dt.date(2025, 3, 1))) == {"upper": 1, "grassroots": 1}
    assert overview(union_z, as_of=dt.date(2025, 3, 1)).cadres == 2
    assert _levels(overview(union_z, as_of=dt.date(2025, 7, 1))) == {"upper": 1}
    assert _levels(overview(union_y, as_of=dt.date(2025, 3, 1))) == {"upper": 1, "grassroots": 2}
    assert _levels(overview(union_y, as_of=dt.date(2025, 7, 1))) == {"upper": 1, "grassroots": 3}


def test_a_dissolved_unit_counts_until_its_last_day(reorg):
    dissolve_unit(reorg["g3"], dt.date(2025, 1, 1))
    admin = reorg["users"]["admin"]
    assert _levels(overview(admin, as_of=dt.date(2024, 12, 31)))["grassroots"] == 3
    data = overview(admin, as_of=dt.date(2025, 1, 1))
    assert _levels(data)["grassroots"] == 2
    assert data.cadres == 3  # y3 and late left with the unit


def test_the_page_takes_the_date_in_either_form(reorg, login):
    client = login(reorg["users"]["union_y"])
    for value in ("01/01/2024", "2024-01-01"):
        page = client.get(f"/reports/overview?as_of={value}").get_data(as_text=True)
        assert "01/01/2024" in page
    bad = client.get("/reports/overview?as_of=31/02/2024")
    assert bad.status_code == 200 and "31/02/2024" in bad.get_data(as_text=True)


def test_the_default_is_today_and_stays_backward_compatible(reorg):
    admin = reorg["users"]["admin"]
    data = overview(admin)
    assert data.as_of is not None and data.cadres == 5
