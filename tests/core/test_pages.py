"""The shell of the UI: light pages, no CDN, labels on every field, a home page for each role."""
from __future__ import annotations

import re

from lms import ROOT
from tests.conftest import html_text


def test_all_css_and_javascript_together_under_30_kb():
    static = ROOT / "lms" / "static"
    total = sum(p.stat().st_size for p in static.rglob("*") if p.suffix in {".css", ".js"})
    assert total < 30 * 1024, total


def test_no_external_resources_or_inline_scripts(client, auth, province):
    auth.login("admin")
    for url in ("/", "/units/", "/cadres/", "/reports/overview", f"/units/{province['biz'].id}"):
        body = client.get(url).get_data(as_text=True)
        assert not re.search(r'(src|href)="(https?:)?//', body), url
        assert not re.search(r"<script(?![^>]*\ssrc=)", body), url
        assert " style=" not in body and " onclick=" not in body, url


def test_every_input_has_a_label(client, auth, province):
    auth.login("admin")
    for url in (f"/units/{province['biz'].id}", "/cadres/new", f"/units/{province['upper_a'].id}/children/new"):
        body = client.get(url).get_data(as_text=True)
        labelled = set(re.findall(r'<label for="([^"]+)"', body))
        for field_id in re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"', body):
            if field_id == "csrf_token" or field_id.endswith("-csrf_token"):
                continue
            assert field_id in labelled, f"{url}: #{field_id} has no label"


def test_home_page_for_each_role(client, auth, province):
    expectations = {
        "admin": "2", "union": "Công đoàn Khu công nghiệp", "cadre": "Nguyễn Thị Ánh", "cadre2": "Trần Văn Đức",
        "trainer": "Giảng viên",
    }
    for username, text in expectations.items():
        auth.login(username)
        body = html_text(client.get("/"))
        assert text in body, username
        auth.logout()


def test_pages_are_vietnamese_by_default_and_english_on_request(client, auth, province):
    auth.login("admin")
    assert '<html lang="vi">' in client.get("/reports/overview").get_data(as_text=True)
    client.post("/language", data={"lang": "en"})
    assert '<html lang="en">' in client.get("/reports/overview").get_data(as_text=True)
