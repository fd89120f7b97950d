"""Every conformance XSS payload, typed by a trainer as module content, rendered in real Chromium:
nothing runs (a dialog trap fails the test, and a marker global set by any script is checked)."""
from __future__ import annotations

import json
import re

import pytest

from tests.conftest import SHARED
from tests.e2e.conftest import DESKTOP, PASSWORD, login

pytestmark = pytest.mark.browser
PAYLOADS_FILE = SHARED / "conformance" / "xss" / "payloads.json"


@pytest.fixture(scope="module")
def server(live_server):
    live_server.lms("create-user", "giangvien", "--role", "trainer", "--password", PASSWORD)
    live_server.start()
    return live_server


@pytest.mark.skipif(not PAYLOADS_FILE.exists(), reason="../shared/conformance/xss/payloads.json is not present")
def test_no_payload_runs_script_in_chromium(server, new_page):
    payloads = [p["payload"] for p in json.loads(PAYLOADS_FILE.read_text())]
    page = new_page(viewport=DESKTOP)
    login(page, server, "giangvien")
    page.goto(server.url + "/author/")
    page.evaluate("document.querySelector('details#new').open = true")
    page.fill("#code", "XSS-KIEM-TRA")
    page.fill("#title", "Kiểm tra an toàn nội dung")
    page.click("details#new button.primary")
    page.wait_for_url(re.compile(r"/author/courses/\d+$"))
    course_url = page.url
    chunk = 60
    for start in range(0, len(payloads), chunk):
        content = "\n\n".join(payloads[start:start + chunk])
        page.goto(course_url + "/modules/new")
        page.fill("#title", f"Mẫu {start}")
        page.fill("#duration_minutes", "5")
        page.fill("#content", content)
        page.click("button[name=preview]")  # the sanitised rendering, in the page the trainer sees
        page.wait_for_load_state("load")
        page.wait_for_timeout(200)  # give onerror/onload handlers a chance to fire
        assert page.evaluate("typeof window.__xss === 'undefined'")
        assert page.locator(".preview script, .lesson script").count() == 0
        page.click("button[name=save]")
    # and as a learner sees it: the track preview of every module
    page.goto(course_url + "/preview")
    for link in page.locator("ol#outline a").all():
        href = link.get_attribute("href")
        page.goto(server.url + href if href.startswith("/") else href)
        page.wait_for_timeout(100)
        assert page.evaluate("typeof window.__xss === 'undefined'")
