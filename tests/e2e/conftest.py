"""Browser tests: Playwright's Python package driving Debian's Chromium against a live server.

The server runs in a subprocess (gunicorn, as in production) on a free localhost port, on a database
of its own (a fresh SQLite file, or a fresh PostgreSQL database when TEST_DATABASE_URL is set),
prepared with the real commands. Screenshots are saved under test-artifacts/ for people to look at.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import _postgres_database

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "mat-khau-e2e-2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.instance = tmp / "instance"
        self.instance.mkdir()
        self.drop = None
        server = os.environ.get("TEST_DATABASE_URL")
        if server:
            self.database_url, self.drop = _postgres_database(server)
        else:
            self.database_url = f"sqlite:///{self.instance}/e2e.sqlite3"
        self.env = {
            **os.environ,
            "LMS_INSTANCE_PATH": str(self.instance),
            "DATABASE_URL": self.database_url,
            "LMS_SECRET_KEY": secrets.token_hex(16),
            "LMS_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "LMS_REPORT_SNAPSHOT_MIN_SECONDS": "null",
        }
        self.env.pop("FLASK_DEBUG", None)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def lms(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        """Run an `lms` command against the server's database."""
        result = subprocess.run([sys.executable, "-m", "lms.cli", *args], env=self.env, input=input,
                                capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert result.returncode == 0, f"lms {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result

    def start(self) -> None:
        """Start gunicorn once per session; later modules reuse the running server (same database)."""
        if self.process is not None and self.process.poll() is None:
            return
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        self.log = open(self.tmp / "server.log", "w")
        self.process = subprocess.Popen(
            [gunicorn, "--worker-class", "lms.core.serving.ThreadWorker", "--workers", "2", "--threads", "2",
             "-b", f"127.0.0.1:{self.port}", "--access-logfile", "-", "lms:create_app()"],
            env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/login", timeout=2).read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the live server did not start:\n" + (self.tmp / "server.log").read_text())

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.log.close()
        if self.drop:
            self.drop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("live"))
    server.lms("db", "upgrade")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (scripts/bootstrap installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def new_page(browser, request):
    """Open pages in fresh browser contexts (phone-sized by default); JavaScript dialogs, and resources
    a page asks for that fail (a stylesheet, an image, the icon), fail the test."""
    contexts = []
    dialogs: list[str] = []
    missing: list[str] = []  # a page's own resources (styles, scripts, images, icon) that failed

    def resource_failed(response, answers):
        request = response.request
        if response.status >= 400 and not request.is_navigation_request() \
                and not (request.resource_type == "fetch" and response.status in answers):
            missing.append(f"{response.status} {response.url}")

    def make(viewport=PHONE, fetch_answers=(), **kwargs):
        """``fetch_answers``: error statuses the test expects the page's scripts to be given (409)."""
        context = browser.new_context(viewport=viewport, locale="vi-VN", **kwargs)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("response", lambda response: resource_failed(response, fetch_answers))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not dialogs, f"a script ran a dialog: {dialogs}"
    assert not missing, f"resources a page asked for failed: {missing}"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def enrolled(page, server, course: str) -> None:
    """Open the course's page, enrolling the logged-in cadre first when they are not yet (in whichever
    language an earlier test left the cadre's account)."""
    page.goto(f"{server.url}/learn/courses/{course}")
    enrol = page.locator(f"form[action$='/learn/courses/{course}/enrol'] button")
    if enrol.count():
        enrol.click()
        page.wait_for_url(re.compile(r"/modules/"))
        page.goto(f"{server.url}/learn/courses/{course}")


def login(page, server, username: str, password: str = PASSWORD) -> None:
    page.goto(server.url + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
