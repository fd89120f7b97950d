"""After `lms demo`, the reports show the figures of the 2019 article; a union admin sees its subtree only."""
from __future__ import annotations

import io
import re

from tests.conftest import html_text
from tests.test_demo import _login, demo_app  # noqa: F401 (the module-scoped fixture)

ARTICLE = ("2.701", "41", "2.660", "98,5%", "769", "63,5%", "7,7%", "18,6%", "47", "3.573")


def _cells(page: str, label: str) -> list[str]:
    row = re.search(rf"<tr><td>{re.escape(label)}</td>(.*?)</tr>", page)
    assert row, label
    return re.findall(r"<td class=\"num\">([^<]*)</td>", row.group(1))


def test_the_admin_sees_the_article(demo_app):  # noqa: F811
    client = demo_app.test_client()
    _login(client, "admin")
    raw = client.get("/reports/overview").get_data(as_text=True)
    page = re.sub(r"\s+", " ", raw)
    for figure in ARTICLE:
        assert figure in page, figure
    assert _cells(raw, "Lớp tập huấn, bồi dưỡng") == ["47"]
    assert _cells(raw, "Lượt cán bộ tham dự") == ["3.573"]
    assert _cells(raw, "Thạc sĩ") == ["7"]
    assert _cells(raw, "Cao cấp lý luận chính trị") == ["8"]
    assert _cells(raw, "Trung cấp lý luận chính trị") == ["8"]
    assert _cells(raw, "Không chuyên trách") == ["2.660", "98,5%"]

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get("/reports/overview?table=classes&format=xlsx").data)).active
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        ["Lớp tập huấn, bồi dưỡng", 47], ["Lượt cán bộ tham dự", 3573]]


def test_the_union_admin_sees_its_subtree_only(demo_app):  # noqa: F811
    client = demo_app.test_client()
    _login(client, "union")
    page = html_text(client.get("/reports/overview"))
    assert "2.701" not in page and "3.573" not in page
    for table in ("units", "employment", "education", "political", "classes", "study"):
        text = client.get(f"/reports/overview?table={table}&format=csv").data.decode("utf-8-sig")
        assert "2701" not in text and "3573" not in text and ",769" not in text, table


def test_the_roll_up_of_the_federation_adds_up(demo_app):  # noqa: F811
    from sqlalchemy import select

    from lms.core.db import db
    from lms.orgs.models import Unit
    from lms.reports.queries import Filters, roll_up
    from tests.test_demo import _user

    with demo_app.test_request_context():
        admin = _user("admin")
        fed = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
        data = roll_up(admin, fed, Filters())
        assert data.total.cadres == 2701
        assert sum(r.figures.cadres for r in data.rows) == 2701
        assert 0 < data.total.trained <= 2701
    client = demo_app.test_client()
    _login(client, "admin")
    assert client.get(f"/reports/units/{fed.id}").status_code == 200


def test_the_overview_of_2016_counts_the_demo_history(demo_app):  # noqa: F811
    """Issue 6: the overview computed from the data of any date. On 01/01/2016 the cadres sent for a master's
    or advanced political theory had not finished yet, and a few of today's full-time cadres were part-time."""
    import datetime as dt

    from sqlalchemy import func, or_, select

    from lms.cadres.models import Cadre, CadreFacts, EducationLevel, Membership, PoliticalLevel
    from lms.core.db import db
    from lms.demo import FORMERLY_PART_TIME
    from lms.records.models import KIND_EXTERNAL, RecordEntry
    from lms.reports.queries import overview
    from tests.test_demo import _user

    day = dt.date(2016, 1, 1)
    with demo_app.app_context():
        education = dict(db.session.execute(select(EducationLevel.code, EducationLevel.id)).all())
        political = dict(db.session.execute(select(PoliticalLevel.code, PoliticalLevel.id)).all())
        members = select(Membership.cadre_id).where(
            Membership.start_on <= day, or_(Membership.end_on.is_(None), Membership.end_on > day))

        def now_among_members(*where) -> int:  # today's values of the cadres counted on `day`
            return db.session.scalar(select(func.count()).select_from(Cadre).where(Cadre.id.in_(members), *where))

        def studying(kind: str) -> int:  # sent to study, finished after `day`
            return db.session.scalar(select(func.count(func.distinct(RecordEntry.cadre_id))).where(
                RecordEntry.kind == KIND_EXTERNAL, RecordEntry.study_kind == kind, RecordEntry.end_on > day,
                RecordEntry.cadre_id.in_(members)))

        then = overview(_user("admin"), as_of=day)
        by_education = {r.code: r.count for r in then.education}
        by_political = {r.code: r.count for r in then.political}
        assert then.cadres == now_among_members() < 2701
        assert studying("masters") == 7 and studying("political_advanced") == 8
        assert then.full_time == now_among_members(Cadre.employment == "full_time") - FORMERLY_PART_TIME
        assert by_education["postgraduate"] == now_among_members(Cadre.education_level_id == education["postgraduate"]) - 7
        assert by_education["university"] == now_among_members(Cadre.education_level_id == education["university"]) + 7
        assert by_political["cao_cap"] == now_among_members(Cadre.political_level_id == political["cao_cap"]) - 8
        assert by_political["trung_cap"] == (now_among_members(Cadre.political_level_id == political["trung_cap"]) + 8
                                             - studying("political_intermediate"))

        # every cadre's history: contiguous periods from the day they joined, the open one holding today's values
        periods: dict[int, list] = {}
        for row in db.session.scalars(select(CadreFacts).order_by(CadreFacts.cadre_id, CadreFacts.start_on)):
            periods.setdefault(row.cadre_id, []).append(row)
        joined = dict(db.session.execute(select(Membership.cadre_id, func.min(Membership.start_on))
                                         .group_by(Membership.cadre_id)).all())
        current = {c.id: (c.employment, c.education_level_id, c.political_level_id) for c in db.session.scalars(select(Cadre))}
        assert len(periods) == 2701
        for cadre_id, rows in periods.items():
            assert rows[0].start_on == joined[cadre_id]
            assert all(a.end_on == b.start_on for a, b in zip(rows, rows[1:]))
            assert rows[-1].end_on is None and rows[-1].values() == current[cadre_id]
        assert sum(len(rows) > 1 for rows in periods.values()) >= 7 + 8 + 8  # the cadres sent to study, at least
