"""The register's search box: a cadre's name (accents and word order ignored) or code, a serial as
printed, or "number/year"; inside the admin's scope; kept by the pager, the filters and the ZIP
export (page, download and command line); a clear answer when nothing matches; no extra query."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from lms.certificates import queries, views
from tests.certificates.test_register import _queries, configured, issue, login  # noqa: F401  (fixtures)
from tests.conftest import html_text


@pytest.fixture()
def namesakes(configured, make):
    """Two cadres called Nguyễn Thị Ánh: cadre_a under the union admin's upper-level union (KCN), and one
    under the other upper-level union (CDVC), outside that admin's scope; plus Trần Văn Đức's certificate."""
    outsider = make.cadre("Nguyễn Thị Ánh", unit=configured["pub"])
    return {
        "mine": issue(configured["cadre_a"], title="Khóa A"),                  # 1/GCN-LĐLĐ-2026
        "duc": issue(configured["cadre_b"], title="Khóa B"),                   # 2/GCN-LĐLĐ-2026
        "theirs": issue(outsider, title="Khóa C"),                             # 3/GCN-LĐLĐ-2026
        "older": issue(configured["cadre_a"], issued_on=dt.date(2025, 6, 1)),  # 1/GCN-LĐLĐ-2025
        "outsider": outsider,
    }


def _serials(client, **params) -> set[str]:
    response = client.get("/certificates/register", query_string=params)
    assert response.status_code == 200
    text = html_text(response)
    return {serial for serial in ("1/GCN-LĐLĐ-2026", "2/GCN-LĐLĐ-2026", "3/GCN-LĐLĐ-2026", "1/GCN-LĐLĐ-2025")
            if f">{serial}<" in text}


def test_the_name_is_found_without_accents_in_any_order_and_the_code_in_any_case(namesakes, configured, client):
    admin = login(client, "admin")
    both = {"1/GCN-LĐLĐ-2026", "3/GCN-LĐLĐ-2026", "1/GCN-LĐLĐ-2025"}
    assert _serials(admin, q="Nguyễn Thị Ánh") == both
    assert _serials(admin, q="anh nguyen") == both
    assert _serials(admin, q="ANH  thi") == both
    assert _serials(admin, q="nguye\u0302\u0303n") == both  # typed decomposed (NFD), as some keyboards send it
    assert _serials(admin, q="duc tran") == {"2/GCN-LĐLĐ-2026"}
    assert _serials(admin, q="nguyen duc") == set()  # every word must be in the same name
    code = configured["cadre_b"].code
    assert _serials(admin, q=code.lower()) == {"2/GCN-LĐLĐ-2026"}
    assert _serials(admin, q=code[2:]) == {"2/GCN-LĐLĐ-2026"}
    assert _serials(admin, q="%") == set()  # a wildcard is a literal character


def test_the_serial_as_printed_or_number_and_year(namesakes, client):
    admin = login(client, "admin")
    assert _serials(admin, q="1/GCN-LĐLĐ-2026") == {"1/GCN-LĐLĐ-2026"}
    assert _serials(admin, q=" 1/gcn-lđlđ-2026 ") == {"1/GCN-LĐLĐ-2026"}
    assert _serials(admin, q="1/2026") == {"1/GCN-LĐLĐ-2026"}
    assert _serials(admin, q="1 / 2025") == {"1/GCN-LĐLĐ-2025"}
    assert _serials(admin, q="3/2026") == {"3/GCN-LĐLĐ-2026"}
    # a part of a serial is no search: "1/GCN" would also be the 11th, the 21st…
    assert _serials(admin, q="GCN-LĐLĐ-2026") == set()


def test_a_union_admin_finds_only_certificates_in_their_subtree(namesakes, client, app):
    union = login(client, "union")  # Công đoàn Khu công nghiệp: cadre_a, not the namesake
    assert _serials(union, q="nguyen thi anh") == {"1/GCN-LĐLĐ-2026", "1/GCN-LĐLĐ-2025"}
    assert _serials(union, q="3/GCN-LĐLĐ-2026") == set()
    assert _serials(union, q="3/2026") == set()
    assert _serials(union, q=namesakes["outsider"].code) == set()
    assert _serials(union, q="duc") == set()
    other = login(app.test_client(), "union2")
    assert _serials(other, q="nguyen thi anh") == {"3/GCN-LĐLĐ-2026"}
    assert queries.register(None, queries.Filters(q="anh")).total == 3  # no user: the command line's whole register


def test_the_search_combines_with_the_filters_and_each_form_keeps_the_others_values(namesakes, client):
    admin = login(client, "admin")
    assert _serials(admin, q="anh", year=2025) == {"1/GCN-LĐLĐ-2025"}
    page = admin.get("/certificates/register", query_string={"q": "anh", "year": 2025}).get_data(as_text=True)
    assert 'type="search" id="q" name="q" value="anh"' in page
    assert '<input type="hidden" name="q" value="anh">' in page     # in the filters' form
    assert '<input type="hidden" name="year" value="2025">' in page  # in the search form
    # the search box is not folded away with the filters on a phone, and is not counted as one
    assert page.index('name="q" value="anh"') < page.index('<details class="filters" open>')
    assert "Lọc (1)" in page


def test_the_pager_and_the_export_keep_the_search(namesakes, client, monkeypatch):
    register = queries.register
    monkeypatch.setattr(queries, "register", lambda user, filters, page=1: register(user, filters, page, per_page=1))
    admin = login(client, "admin")
    page = admin.get("/certificates/register", query_string={"q": "anh nguyen"}).get_data(as_text=True)
    assert "Trang 1 / 3" in page
    assert 'href="/certificates/register?page=2&amp;q=anh+nguyen"' in page
    assert 'href="/certificates/export?q=anh+nguyen"' in page
    page = admin.get("/certificates/register", query_string={"q": "anh nguyen", "page": 2}).get_data(as_text=True)
    assert "Trang 2 / 3" in page and "page=1&amp;q=anh+nguyen" in page and "page=3&amp;q=anh+nguyen" in page


def test_the_export_honours_the_search(namesakes, client, runner, tmp_path):
    union = login(client, "union")
    page = union.get("/certificates/export", query_string={"q": "nguyen anh"})
    text = html_text(page)
    assert "Tệp ZIP gồm 2 giấy chứng nhận" in text and 'value="nguyen anh"' in text
    assert 'href="/certificates/export.zip?q=nguyen+anh"' in page.get_data(as_text=True)
    response = union.get("/certificates/export.zip", query_string={"q": "nguyen anh"})
    assert response.headers["Content-Disposition"] == 'attachment; filename="giay-chung-nhan-nguyen-anh.zip"'
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.response))).namelist()
    assert sorted(names) == ["giay-chung-nhan-1-GCN-LDLD-2025-nguyen-thi-anh.pdf",
                             "giay-chung-nhan-1-GCN-LDLD-2026-nguyen-thi-anh.pdf"]
    # the command line sees the whole register
    target = tmp_path / "tim.zip"
    result = runner.invoke(args=["certificates", "export", "--search", "nguyễn ánh", str(target)])
    assert result.exit_code == 0, result.output
    assert len(zipfile.ZipFile(target).namelist()) == 3
    result = runner.invoke(args=["certificates", "export", "--search", "2/2026", str(target)])
    assert result.exit_code == 0 and zipfile.ZipFile(target).namelist() == [
        "giay-chung-nhan-2-GCN-LDLD-2026-tran-van-duc.pdf"]


def test_nothing_found_says_so(namesakes, client, app):
    admin = login(client, "admin")
    text = html_text(admin.get("/certificates/register", query_string={"q": "Lê Văn Khôngcó"}))
    assert "0 giấy chứng nhận" in text
    # the federation admin manages the whole tree: no "within what you manage"
    assert "Không tìm thấy giấy chứng nhận nào khớp với “Lê Văn Khôngcó”." in text
    assert "Chưa có giấy chứng nhận nào" not in text and 'href="/certificates/register">Xem toàn bộ sổ' in text
    union = login(app.test_client(), "union")
    text = html_text(union.get("/certificates/register", query_string={"q": "Lê Văn Khôngcó"}))
    assert "Không tìm thấy giấy chứng nhận nào khớp với “Lê Văn Khôngcó” trong phạm vi bạn quản lý." in text
    text = html_text(admin.get("/certificates/register", query_string={"q": "duc", "year": 2025}))
    assert "Không tìm thấy giấy chứng nhận nào khớp với “duc” và bộ lọc đã chọn." in text
    text = html_text(admin.get("/certificates/register", query_string={"year": 2024}))
    assert "Không có giấy chứng nhận nào khớp với bộ lọc đã chọn." in text
    raw = admin.get("/certificates/register", query_string={"q": "<b>x</b>"}).get_data(as_text=True)
    assert "<b>x</b>" not in raw and "“&lt;b&gt;x&lt;/b&gt;”" in raw


def test_an_empty_register_still_says_it_is_empty(configured, client):
    text = html_text(login(client, "admin").get("/certificates/register"))
    assert "Chưa có giấy chứng nhận nào." in text and "Xem toàn bộ sổ" not in text


def test_the_search_needs_no_extra_query(configured, client, app, make):
    admin = login(app.test_client(), "admin")
    issue(configured["cadre_a"])
    plain = _queries(app, lambda: admin.get("/certificates/register"))
    searched_few = _queries(app, lambda: admin.get("/certificates/register?q=nguyen+anh&year=2026"))
    for n in range(4):
        issue(make.cadre(f"Nguyễn Thị Ánh {n}", unit=configured["biz"]))
    searched_many = _queries(app, lambda: admin.get("/certificates/register?q=nguyen+anh&year=2026"))
    assert plain == searched_few == searched_many


def test_a_long_search_is_cut(configured, client):
    long = "a" * 500
    page = login(client, "admin").get("/certificates/register", query_string={"q": long}).get_data(as_text=True)
    kept = "a" * views.SEARCH_MAX
    assert f'name="q" value="{kept}"' in page and f"“{kept}”" in page
