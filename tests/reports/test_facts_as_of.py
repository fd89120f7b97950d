"""The overview "as of" a date counts each cadre's employment and levels of that date (their ``CadreFacts``
period covering it), for the federation and for a union's subtree; without history, the current values."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select

from lms.cadres.models import CadreFacts, EducationLevel, PoliticalLevel
from lms.cadres.operations import update_cadre
from lms.core.db import db
from lms.reports.queries import overview
from tests.cadres.test_facts import data_of

THEN = dt.date(2017, 1, 1)


@pytest.fixture()
def dated(make):
    """fed → X (g1), Y (g2), units since 2010; three cadres since 2015 whose facts changed later."""
    education = {e.code: e for e in db.session.scalars(select(EducationLevel))}
    political = {p.code: p for p in db.session.scalars(select(PoliticalLevel))}
    since = dt.date(2010, 1, 1)
    fed = make.unit("Liên đoàn Lao động tỉnh Thử", code="FACT-FED", active_from=since)
    x = make.unit("Công đoàn cấp trên X", parent=fed, code="FACT-X", active_from=since)
    y = make.unit("Công đoàn cấp trên Y", parent=fed, code="FACT-Y", active_from=since)
    g1 = make.unit("Công đoàn cơ sở 1", parent=x, code="FACT-G1", active_from=since)
    g2 = make.unit("Công đoàn cơ sở 2", parent=y, code="FACT-G2", active_from=since)
    joined = dt.date(2015, 1, 1)
    # a: part-time with a bachelor's until 2018, full-time since 01/01/2018, a master's since 01/06/2019
    a = make.cadre("Nguyễn Văn An", unit=g1, start_on=joined, education_level=education["university"])
    update_cadre(a, data_of(a, employment="full_time"), dt.date(2018, 1, 1))
    update_cadre(a, data_of(a, education_level=education["postgraduate"]), dt.date(2019, 6, 1))
    # b: intermediate political theory until 01/01/2020, advanced since
    b = make.cadre("Lê Thị Bình", unit=g2, start_on=joined, education_level=education["university"],
                   political_level=political["trung_cap"])
    update_cadre(b, data_of(b, political_level=political["cao_cap"]), dt.date(2020, 1, 1))
    # c: elementary political theory until 01/07/2016, intermediate since (before the date asked)
    c = make.cadre("Trần Văn Cường", unit=g1, start_on=joined, education_level=education["college"],
                   political_level=political["so_cap"])
    update_cadre(c, data_of(c, political_level=political["trung_cap"]), dt.date(2016, 7, 1))
    users = {"admin": make.user("f_admin", role="federation_admin"),
             "union_x": make.user("f_union_x", role="union_admin", unit=x)}
    return {"a": a, "b": b, "c": c, "users": users, "g1": g1}


def _by_code(rows) -> dict[str, int]:
    return {r.code: r.count for r in rows if r.count}


def test_the_federation_then_and_today(dated):
    admin = dated["users"]["admin"]
    then = overview(admin, as_of=THEN)
    assert (then.cadres, then.full_time, then.part_time) == (3, 0, 3)
    assert _by_code(then.education) == {"university": 2, "college": 1}
    assert then.university_or_higher == 2
    assert _by_code(then.political) == {"trung_cap": 2}

    today = overview(admin)
    assert (today.cadres, today.full_time, today.part_time) == (3, 1, 2)
    assert _by_code(today.education) == {"postgraduate": 1, "university": 1, "college": 1}
    assert _by_code(today.political) == {"cao_cap": 1, "trung_cap": 1}

    between = overview(admin, as_of=dt.date(2018, 1, 1))  # the day a became full-time counts the new value
    assert between.full_time == 1 and _by_code(between.education) == {"university": 2, "college": 1}
    assert _by_code(overview(admin, as_of=dt.date(2016, 6, 30)).political) == {"trung_cap": 1, "so_cap": 1}


def test_a_union_admin_sees_its_subtree_then(dated):
    union_x = dated["users"]["union_x"]  # a and c
    then = overview(union_x, as_of=THEN)
    assert (then.cadres, then.full_time) == (2, 0)
    assert _by_code(then.education) == {"university": 1, "college": 1}
    assert _by_code(then.political) == {"trung_cap": 1}
    today = overview(union_x)
    assert (today.cadres, today.full_time) == (2, 1)
    assert _by_code(today.education) == {"postgraduate": 1, "college": 1}
    assert _by_code(today.political) == {"trung_cap": 1}


def test_without_history_the_current_values_count(dated):
    """Data loaded without history (no period covers the day): the cadre counts with its current values."""
    a = dated["a"]
    db.session.execute(delete(CadreFacts).where(CadreFacts.cadre_id == a.id))
    admin = dated["users"]["admin"]
    then = overview(admin, as_of=THEN)
    assert (then.cadres, then.full_time) == (3, 1)
    assert _by_code(then.education) == {"postgraduate": 1, "university": 1, "college": 1}


def test_a_day_before_any_period_falls_back_to_the_current_values(dated):
    """A membership older than the facts (history recorded from a later day only): current values there."""
    c = dated["c"]
    db.session.execute(delete(CadreFacts).where(CadreFacts.cadre_id == c.id, CadreFacts.end_on.is_not(None)))
    admin = dated["users"]["admin"]
    assert _by_code(overview(admin, as_of=dt.date(2016, 1, 1)).political) == {"trung_cap": 2}
