"""The federation admin's journey in real Chromium, on a phone (360×740) and on a desktop screen.

On the demo province (``lms demo``) the admin

1. imports cadres from an XLSX file with one bad row: the page names the row and nothing is
   imported (the count on ``/cadres/?q=…`` does not change); fixed, the file imports;
2. creates a plan for a unit's subtree and assigns DIEU-LE-LUAT-2024 to it with a due date;
3. opens the overview (2.701 cadres, 98,5% part-time, 47 classes) and the roll-up of the province,
   and downloads a table as CSV (UTF-8 with BOM, Vietnamese text intact);
4. moves a grassroots union to another upper-level union and finds every record intact: a cadre of
   that union keeps their training entries and certificate, and the unit's history shows the move.

Each viewport runs the whole journey on its own data (its own cadre names, its own moved unit: the
union of the ``cadre`` login on the phone, the one of ``cadre2`` on the desktop), so the two runs
share one demo database without depending on each other.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest

from lms.core.text import fold
from tests.e2e.conftest import DESKTOP, PASSWORD, PHONE, login, shot

pytestmark = pytest.mark.browser

HEADERS = ["Mã cán bộ", "Họ và tên", "Giới tính", "Ngày sinh", "Mã đơn vị", "Chế độ", "Chức danh"]
# What differs between the two runs: the names of the imported cadres, the login whose union moves,
# where it moves to, and the audience of the plan.
RUNS = {
    "phone": {"viewport": PHONE, "tag": "Phôn", "code": "E2E-P", "login": "cadre", "name": "Nguyễn Thị Hoa",
              "to": "CD-VC", "plan_unit": "CD-KCN"},
    "desktop": {"viewport": DESKTOP, "tag": "Đét", "code": "E2E-D", "login": "cadre2", "name": "Hoàng Văn Minh",
                "to": "CD-KCN", "plan_unit": "CD-GD"},
}


@pytest.fixture(scope="module")
def server(live_server):
    result = live_server.lms("demo", "--yes", "--password", PASSWORD)
    live_server.start()
    # "cadre  Nguyễn Thị Hoa, Chủ tịch … (CB…), khu vực …": the cadre codes behind the logins
    live_server.login_codes = dict(re.findall(r"^\s*(cadre2?)\s+.*\((\S+)\), khu vực", result.stdout, re.M))
    assert set(live_server.login_codes) == {"cadre", "cadre2"}, result.stdout
    return live_server


def _xlsx(path, rows) -> str:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return str(path)


def _count(page, server, q: str) -> int:
    page.goto(f"{server.url}/cadres/?q={q}")
    text = page.locator("main p.muted").first.inner_text()
    return int(re.match(r"([\d.]+) cán bộ", text).group(1).replace(".", ""))


def _option_value(page, select: str, code: str) -> str:
    """The value of the option of a unit select box whose label carries ``(CODE ·``."""
    value = page.evaluate(
        "([sel, code]) => { const o = [...document.querySelector(sel).options]"
        ".find(o => o.textContent.includes('(' + code + ' ·')); return o ? o.value : null; }",
        [select, code],
    )
    assert value, f"no option for {code} in {select}"
    return value


@pytest.mark.parametrize("run", list(RUNS))
def test_federation_admin_journey(server, new_page, tmp_path, run):
    spec = RUNS[run]
    page = new_page(viewport=spec["viewport"], accept_downloads=True)
    login(page, server, "admin")

    # -- 1. import from XLSX: a bad row refuses the whole file ---------------------------------------
    template = page.request.get(server.url + "/cadres/import/template.csv").text()
    unit_code = list(csv.reader(io.StringIO(template.lstrip("\ufeff"))))[1][4]  # an active grassroots union
    names = [f"Sầm Thị Nhập {spec['tag']} {n}" for n in ("Một", "Hai", "Ba")]
    q = fold(f"Sầm Thị Nhập {spec['tag']}")
    rows = [[f"{spec['code']}-{i}", name, "Nữ", "05/03/1985", unit_code, "Không chuyên trách", "Ủy viên Ban Chấp hành"]
            for i, name in enumerate(names, start=1)]
    bad = [list(r) for r in rows]
    bad[1][3] = "31/02/1985"  # row 3 of the sheet (the header is row 1): no such day
    assert _count(page, server, q) == 0

    page.goto(server.url + "/cadres/import/")
    page.set_input_files("#file", _xlsx(tmp_path / "can-bo-loi.xlsx", bad))
    page.click("form.card button.primary")
    page.wait_for_load_state()
    assert "Không có dòng nào được nhập." in page.content()
    error_rows = page.locator("table tbody tr")
    assert error_rows.count() == 1
    assert error_rows.first.locator("td").first.inner_text().strip() == "3"
    assert "Ngày sinh" in error_rows.first.inner_text()
    shot(page, f"admin-import-error-{run}")
    assert _count(page, server, q) == 0, "a refused file imported something"

    page.goto(server.url + "/cadres/import/")
    page.set_input_files("#file", _xlsx(tmp_path / "can-bo.xlsx", rows))
    page.click("form.card button.primary")
    page.wait_for_load_state()
    assert page.locator(".alert.success").count() == 1
    assert page.locator(".card .stat").first.inner_text().strip() == "3"  # cán bộ mới
    shot(page, f"admin-import-done-{run}")
    assert _count(page, server, q) == 3
    assert all(name in page.content() for name in names)

    # -- 2. a plan for a unit subtree, the charter course assigned with a due date -----------------
    plan_name = f"Bồi dưỡng Điều lệ {spec['plan_unit']} ({run})"
    page.goto(server.url + "/plans/new")
    page.fill("#name", plan_name)
    page.select_option("#units", _option_value(page, "#units", spec["plan_unit"]))
    page.click("button[name=action][value=save]")
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    assert plan_name in page.locator("h1").inner_text()
    page.goto(page.url + "/assignments/new")
    box = page.locator("label.check", has_text="DIEU-LE-LUAT-2024").locator("input[name=courses]")
    assert box.count() == 1
    box.check()
    page.check("input[name=due_kind][value=fixed]")
    due = dt.date.today() + dt.timedelta(days=90)
    page.fill("#due_on", due.isoformat())
    page.click("form.narrow button.primary")
    page.wait_for_url(re.compile(r"/plans/assignments/\d+"))
    body = page.content()
    assert "Đã giao khóa học." in body and due.strftime("%d/%m/%Y") in body
    shot(page, f"admin-assignment-{run}")

    # -- 3. reports: the article's figures, the roll-up, a CSV download ----------------------------
    yesterday = dt.date.today() - dt.timedelta(days=1)  # before today's imports
    page.goto(server.url + "/reports/overview")
    page.fill("#as_of", yesterday.strftime("%d/%m/%Y"))
    page.click("form.filters button")
    page.wait_for_load_state()
    stats = page.locator(".grid .card").all_inner_texts()
    assert any(s.startswith("2.701") for s in stats), stats
    assert any("98,5%" in s and "không chuyên trách" in s for s in stats), stats
    assert any(s.startswith("47") and "lớp tập huấn" in s for s in stats), stats
    shot(page, f"admin-overview-{run}")

    page.click("p:has-text('Báo cáo theo đơn vị') a >> nth=0")
    page.wait_for_url(re.compile(r"/reports/units/\d+"))
    assert page.locator("table").count() >= 1
    shot(page, f"admin-rollup-{run}")
    with page.expect_download() as info:
        page.locator(".export-links a", has_text="CSV").first.click()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), data[:20]
    text = data.decode("utf-8-sig")
    assert "Công đoàn" in text and "\ufffd" not in text
    assert info.value.suggested_filename.endswith(".csv")

    # -- 4. move the login's grassroots union to another upper-level union ---------------------------
    code = server.login_codes[spec["login"]]
    page.goto(f"{server.url}/cadres/?q={fold(spec['name'])}")
    links = [a.get_attribute("href") for a in page.locator("table a[href^='/cadres/']").all()]
    for href in links:
        page.goto(server.url + href)
        if page.locator("dl.facts dd").first.inner_text().strip() == code:
            break
    else:
        pytest.fail(f"cadre {code} not found among {links}")
    cadre_url = page.url
    page.click("text=Hồ sơ đào tạo")
    page.wait_for_url(re.compile(r"/records/\d+$"))
    record_url = page.url
    before = page.locator("main table").all_inner_texts()
    assert page.locator("main a[href^='/certificates/']").count() >= 1, "the demo learner has a certificate"
    assert "Chưa tham gia lớp tập huấn nào." not in page.content()

    page.goto(cadre_url)
    page.click("dl.facts a[href^='/units/']")
    page.wait_for_url(re.compile(r"/units/\d+$"))
    unit_name = page.locator("h1").inner_text()
    old_parent = page.locator("nav a").last.inner_text()
    page.click("summary:has-text('Chuyển sang đơn vị cấp trên khác')")
    page.select_option("#move-parent", _option_value(page, "#move-parent", spec["to"]))
    page.locator("form[action$='/move'] button").click()
    page.wait_for_load_state()
    assert "Đã chuyển đơn vị sang" in page.content()
    history = page.locator("table").last.inner_text()
    new_parent = page.locator("nav a").last.inner_text()
    assert new_parent != old_parent
    assert f"Chuyển từ {old_parent} sang {new_parent}" in history, history
    assert page.locator("h1").inner_text() == unit_name
    shot(page, f"admin-unit-moved-{run}")

    page.goto(record_url)
    assert page.locator("main table").all_inner_texts() == before
    assert page.locator("main a[href^='/certificates/']").count() >= 1
    page.locator("main a[href^='/certificates/']").first.click()
    page.wait_for_load_state()
    assert spec["name"] in page.content()
    shot(page, f"admin-record-after-move-{run}")
