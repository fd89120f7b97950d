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
