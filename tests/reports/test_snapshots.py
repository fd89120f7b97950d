"""Report snapshots (lms/reports/snapshots.py): a slow report's figures are kept and served while fresh,
the page says so and recomputes on request; a fast report is always live; `lms reports refresh` keeps
the standard reports ahead of time. Each test turns snapshots on for itself (the suite runs without)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from lms.core import clock
from lms.core.db import db
from lms.reports.models import ReportSnapshot
from lms.reports.operations import set_default_term
from lms.reports.queries import Filters, overview, roll_up
from tests.conftest import html_text


@pytest.fixture()
def snapshots_on(app, monkeypatch):
    """Keep every report (as if each took long), for 30 minutes."""
    monkeypatch.setitem(app.config, "REPORT_SNAPSHOT_MIN_SECONDS", 0.0)
    monkeypatch.setitem(app.config, "REPORT_SNAPSHOT_MAX_AGE", 1800)


def _stored() -> int:
    return db.session.scalar(select(func.count()).select_from(ReportSnapshot))


def test_a_slow_report_is_kept_and_served_until_recomputed(province, make, snapshots_on, client, auth):
    admin = province["users"]["admin"]
    first = overview(admin)
    assert first.cadres == 2 and not first.freshness.is_snapshot and _stored() == 1

    make.cadre("Lê Thị Mới", unit=province["biz"])
    kept = overview(admin)
    assert kept.cadres == 2 and kept.freshness.is_snapshot  # the kept figures, and the page is told so

    auth.login("admin")
    page = html_text(client.get("/reports/overview"))
    assert "Số liệu tính lúc" in page and "Tính lại ngay" in page
    response = client.post("/reports/overview?as_of=" + clock.local_today().strftime("%d/%m/%Y"))
    assert response.status_code == 303 and "/reports/overview?as_of=" in response.headers["Location"]
    assert overview(admin).cadres == 3


def test_a_snapshot_expires(province, make, snapshots_on):
    admin = province["users"]["admin"]
    overview(admin)
    make.cadre("Lê Thị Mới", unit=province["biz"])
    with clock.travel_to(clock.utcnow() + dt.timedelta(minutes=31)):
        later = overview(admin)
    assert later.cadres == 3 and not later.freshness.is_snapshot


def test_a_fast_report_is_never_kept(province, app, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_SNAPSHOT_MIN_SECONDS", 60.0)
    overview(province["users"]["admin"])
    roll_up(province["users"]["admin"], province["fed"], Filters())
    assert _stored() == 0


def test_snapshots_follow_the_scope_and_the_filters(province, make, snapshots_on):
    users = province["users"]
    assert overview(users["admin"]).cadres == 2
    union = overview(users["union"])  # another scope: its own figures, never the province's
    assert union.cadres == 1 and not union.freshness.is_snapshot
    assert overview(users["admin"], as_of=dt.date(2022, 6, 1)).freshness.is_snapshot is False
    fed = province["fed"]
    term = roll_up(users["admin"], fed, Filters())
    year = roll_up(users["admin"], fed, Filters(dt.date(2025, 1, 1), dt.date(2025, 12, 31)))
    assert not term.freshness.is_snapshot and not year.freshness.is_snapshot
    again = roll_up(users["admin"], fed, Filters())
    assert again.freshness.is_snapshot and again.total.cadres == term.total.cadres == 2
    assert [r.unit.id for r in again.rows] == [r.unit.id for r in term.rows]


def test_the_grassroots_level_is_always_live(province, make, snapshots_on):
    admin = province["users"]["admin"]
    roll_up(admin, province["biz"], Filters())
    make.cadre("Lê Thị Mới", unit=province["biz"])
    live = roll_up(admin, province["biz"], Filters())
    assert not live.freshness.is_snapshot and len(live.cadres) == 2


def test_the_unit_page_recomputes_on_request_and_checks_access(province, make, snapshots_on, client, auth):
    fed = province["fed"]
    auth.login("admin")
    client.get(f"/reports/units/{fed.id}")
    make.cadre("Lê Thị Mới", unit=province["biz"])
    assert "Tính lại ngay" in client.get(f"/reports/units/{fed.id}").get_data(as_text=True)
    assert client.post(f"/reports/units/{fed.id}").status_code == 303
    assert roll_up(province["users"]["admin"], fed, Filters()).total.cadres == 3
    auth.logout()
    auth.login("union")
    assert client.post(f"/reports/units/{fed.id}").status_code == 403


def test_refresh_command_keeps_the_standard_reports(province, app, snapshots_on):
    set_default_term(dt.date(2014, 1, 1), dt.date(2019, 12, 31))  # the term a federation admin set
    result = app.test_cli_runner().invoke(args=["reports", "refresh"])
    assert result.exit_code == 0, result.output
    keys = set(db.session.scalars(select(ReportSnapshot.key)))
    fed, upper_a, upper_b = province["fed"], province["upper_a"], province["upper_b"]
    today = clock.local_today()
    assert f"overview:0:{today}:2014-01-01:2019-12-31" in keys
    assert f"overview:{upper_a.id}:{today}:2014-01-01:2019-12-31" in keys  # `union` administers it
    for unit in (fed, upper_a, upper_b):
        assert f"rollup:{unit.id}:2014-01-01:2019-12-31:::{today}" in keys
        assert f"rollup:{unit.id}:{today.year}-01-01:{today.year}-12-31:::{today}" in keys
    assert "Đã tính" in result.output
    # the kept figures are what a reader then gets
    assert overview(province["users"]["admin"]).freshness.is_snapshot


def test_without_a_term_the_refresh_keeps_the_year_once(province, app, snapshots_on):
    result = app.test_cli_runner().invoke(args=["reports", "refresh"])
    assert result.exit_code == 0, result.output
    year = clock.local_today().year
    keys = [k for k in db.session.scalars(select(ReportSnapshot.key)) if k.startswith(f"rollup:{province['fed'].id}:")]
    assert len(keys) == 1 and f":{year}-01-01:{year}-12-31:" in keys[0]
