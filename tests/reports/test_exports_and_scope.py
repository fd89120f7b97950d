"""Every table of the report pages downloads as CSV and XLSX, and a union admin sees only their subtree in
every page and every download; the charts are well-formed inline SVG without styles."""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest

from lms.core.db import db
from tests.conftest import html_text
from tests.reports.conftest import training_class

OVERVIEW_TABLES = ("units", "employment", "education", "political", "classes", "study")


@pytest.fixture()
def setup(province, make):
    import datetime as dt

    for i in range(3):
        make.cadre(f"Hà Thị Mười {i}", unit=province["pub"])
    training_class(province["upper_b"], dt.date(2016, 4, 1), [province["cadre_b"]])
    return province


def _export_links(page: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]*format=(?:csv|xlsx)[^"]*)"', page)]


def test_every_table_has_csv_and_xlsx_links_that_work(setup, client, auth):
    from openpyxl import load_workbook

    auth.login("admin")
    for url, expected in (("/reports/overview", OVERVIEW_TABLES), (f"/reports/units/{setup['fed'].id}", ("units",)),
                          (f"/reports/units/{setup['biz'].id}", ("units", "cadres"))):
        page = client.get(url).get_data(as_text=True)
        links = _export_links(page)
        assert sorted({re.search(r"table=(\w+)", link).group(1) for link in links}) == sorted(expected), url
        assert len(links) == 2 * len(expected)
        for link in links:
            response = client.get(link)
            assert response.status_code == 200, link
            assert "attachment" in response.headers["Content-Disposition"]
            if "format=csv" in link:
                assert response.data.startswith(b"\xef\xbb\xbf"), link
                response.data.decode("utf-8")
            else:
                book = load_workbook(io.BytesIO(response.data))
                assert book.active.max_row >= 1


def test_csv_and_xlsx_contents(setup, client, auth):
    from openpyxl import load_workbook

    auth.login("admin")
    response = client.get("/reports/overview?table=employment&format=csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset once
    csv_text = response.data.decode("utf-8-sig")
    lines = csv_text.split("\r\n")
    assert lines[0] == "Chế độ,Số cán bộ,Tỷ lệ (%)"
    assert lines[-2] == "Tổng số cán bộ công đoàn,5,100.0"

    sheet = load_workbook(io.BytesIO(client.get("/reports/overview?table=employment&format=xlsx").data)).active
    assert [c.value for c in sheet[1]] == ["Chế độ", "Số cán bộ", "Tỷ lệ"]
    total = [c.value for c in sheet[sheet.max_row]]
    assert total[0] == "Tổng số cán bộ công đoàn" and total[1] == 5 and isinstance(total[1], int)
    assert total[2] == pytest.approx(1.0) and sheet.cell(sheet.max_row, 3).number_format == "0.0%"

    units = load_workbook(io.BytesIO(client.get(f"/reports/units/{setup['fed'].id}?table=units&format=xlsx").data)).active
    assert [c.value for c in units[1]][:6] == ["Đơn vị", "Mã đơn vị", "Số cán bộ", "Đã bồi dưỡng", "Tỷ lệ đã bồi dưỡng",
                                               "Số giờ học"]
    assert {r[0].value: (r[1].value, r[2].value) for r in units.iter_rows(min_row=2)} == {
        "Công đoàn Khu công nghiệp": ("KCN", 1), "Công đoàn Viên chức tỉnh": ("CDVC", 4), "Tổng cộng": (None, 5)}


def test_units_of_the_same_name_are_told_apart_by_their_code(setup, client, auth, make):
    """Unit names repeat (three "Công đoàn Công ty TNHH Hanwoo Vina" under the demo's industrial-zone
    union); the roll-up and its exports listed them by name alone, so an exported row could not be
    matched with its unit."""
    for code in ("CS-HW-1", "CS-HW-2"):
        make.cadre(unit=make.unit("Công đoàn Công ty TNHH Hanwoo Vina", parent=setup["upper_a"], code=code))
    auth.login("union")
    lines = client.get(f"/reports/units/{setup['upper_a'].id}?table=units&format=csv").data.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("Đơn vị,Mã đơn vị,Số cán bộ,")
    assert [line.split(",")[:3] for line in lines if "Hanwoo" in line] == [
        ["Công đoàn Công ty TNHH Hanwoo Vina", "CS-HW-1", "1"], ["Công đoàn Công ty TNHH Hanwoo Vina", "CS-HW-2", "1"]]
    page = html_text(client.get(f"/reports/units/{setup['upper_a'].id}"))
    assert "CS-HW-1" in page and "CS-HW-2" in page


def test_unknown_tables_and_formats_are_not_found(setup, client, auth):
    auth.login("admin")
    assert client.get("/reports/overview?table=units&format=pdf").status_code == 404
    assert client.get("/reports/overview?table=nothing&format=csv").status_code == 404


def test_a_union_admin_never_sees_outside_the_subtree(setup, client, auth):
    auth.login("union")  # Công đoàn Khu công nghiệp: one cadre
    for unit in ("fed", "upper_b", "pub"):
        assert client.get(f"/reports/units/{setup[unit].id}").status_code == 403
        assert client.get(f"/reports/units/{setup[unit].id}?table=units&format=csv").status_code == 403
        assert client.get(f"/reports/units/{setup[unit].id}?table=units&format=xlsx").status_code == 403
    assert client.get(f"/reports/units/{setup['upper_a'].id}").status_code == 200

    for table in OVERVIEW_TABLES:
        text = client.get(f"/reports/overview?table={table}&format=csv").data.decode("utf-8-sig")
        assert "Công đoàn Viên chức" not in text
        if table == "employment":
            assert "Tổng số cán bộ công đoàn,1," in text  # not the province's 5
        if table == "units":
            assert "Liên đoàn" not in text  # the federation level is not in its subtree
        if table == "classes":
            assert text.splitlines()[1:] == ['"Lớp tập huấn, bồi dưỡng",0', "Lượt cán bộ tham dự,0"]
    unit_csv = client.get(f"/reports/units/{setup['upper_a'].id}?table=units&format=csv").data.decode("utf-8-sig")
    assert "Tổng cộng,,1," in unit_csv and "Viên chức" not in unit_csv
    page = client.get("/reports/overview").get_data(as_text=True)
    assert f"/reports/units/{setup['fed'].id}" not in page
    assert f"/reports/units/{setup['upper_a'].id}" in page


def test_roles_without_reports(setup, client, auth):
    for username in ("cadre", "trainer"):
        auth.login(username)
        assert client.get(f"/reports/units/{setup['biz'].id}?table=units&format=csv").status_code == 403
        assert client.get("/reports/overview?table=units&format=csv").status_code == 403
        auth.logout()


def test_reports_typed_by_hand_open_on_the_overview(setup, client, auth):
    auth.login("union")
    response = client.get("/reports/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/reports/overview")
    auth.logout()
    auth.login("cadre")
    assert client.get("/reports/").status_code == 403


def test_charts_are_well_formed_svg_without_styles(setup, client, auth):
    auth.login("admin")
    for url in ("/reports/overview", f"/reports/units/{setup['fed'].id}"):
        page = client.get(url).get_data(as_text=True)
        svgs = re.findall(r"<svg.*?</svg>", page, re.S)
        assert svgs, url
        for svg in svgs:
            root = ET.fromstring(svg)
            ns = "{http://www.w3.org/2000/svg}"
            assert root.tag == f"{ns}svg" and root.get("role") == "img" and root.get("viewBox")
            assert root.get("width") == "100%"
            assert root.find(f"{ns}title").text and root.find(f"{ns}desc").text
            assert not any(el.get("style") for el in root.iter())
            assert root.find(f".//{ns}style") is None
        assert " style=" not in page and "<script" not in page
    assert "Viên chức" in page  # the bar labels


def test_the_grassroots_cadre_table_gives_each_cadres_code(setup, client, auth, make):
    """Two cadres of the same name in one union are told apart by their code, on the page and in the export."""
    make.cadre("Trần Thị Ánh Tuyết", unit=setup["biz"], code="CB-TUYET-1")
    make.cadre("Trần Thị Ánh Tuyết", unit=setup["biz"], code="CB-TUYET-2")
    db.session.commit()
    auth.login("admin")
    page = html_text(client.get(f"/reports/units/{setup['biz'].id}"))
    assert "CB-TUYET-1" in page and "CB-TUYET-2" in page
    # after the name, not a column of its own: one column fewer squeezing the units' names on a phone
    assert 'Trần Thị Ánh Tuyết</a> <span class="muted code">CB-TUYET-1</span>' in page
    assert '<th scope="col">Mã cán bộ</th>' not in page
    lines = client.get(f"/reports/units/{setup['biz'].id}?table=cadres&format=csv").data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Mã cán bộ,Họ và tên,")
    assert any(line.startswith("CB-TUYET-1,Trần Thị Ánh Tuyết,") for line in lines)


def test_a_refused_date_stays_in_its_field(setup, client, auth):
    """A date refused by the overview or a unit's report was replaced by the default in its field: the
    message named "31/02/2026", a date the form no longer showed, and the figures' links kept the defaults."""
    auth.login("admin")
    response = client.get("/reports/overview?as_of=31/02/2026&from=01/01/2019&to=01/01/2014")
    page = response.get_data(as_text=True)
    assert "Ngày không hợp lệ: 31/02/2026 (dùng dạng dd/mm/yyyy)." in html_text(response)
    assert "Ngày kết thúc phải sau ngày bắt đầu." in html_text(response)
    for name, typed in (("as_of", "31/02/2026"), ("from", "01/01/2019"), ("to", "01/01/2014")):
        assert re.search(rf'name="{name}" value="{re.escape(typed)}"', page), name
    exports = re.findall(r'href="([^"]*format=csv[^"]*)"', page)
    assert exports and not any("31/02/2026" in href for href in exports)  # the figures shown, at valid dates
    page = client.get(f"/reports/units/{setup['upper_b'].id}?from=2019-13-01").get_data(as_text=True)
    assert 'name="from" value="2019-13-01"' in page
    page = client.get("/reports/overview?as_of=01/03/2026").get_data(as_text=True)
    assert 'name="as_of" value="01/03/2026"' in page
