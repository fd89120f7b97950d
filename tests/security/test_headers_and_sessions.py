"""Security headers on every page, a fresh session at login, and login throttling through HTTP.

- Every GET route of the URL map, as a federation admin (with the objects of ``tests/test_access.py``),
  plus an error page (404), a refused page (403) and the public verification pages as an anonymous
  visitor: a Content-Security-Policy without ``'unsafe-inline'`` in ``script-src`` and with
  ``frame-ancestors 'none'``, and ``X-Content-Type-Options: nosniff``.
- The session cookie changes at login, and the cookie of a logged-in session no longer
  authenticates once its owner has logged out (replaying it gets the login page).
- Wrong passwords posted to ``/login`` slow the account down, then lock it; the clock of
  ``lms.core.auth`` is replaced so that no test waits.
"""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import PASSWORD
from tests.test_access import _client_as, _routes, _url_for_rule, objects  # noqa: F401  (objects: a fixture)


def _directives(csp: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in csp.split(";") if p.strip())
    return {p[0].lower(): p[1:] for p in parts}


def header_problems(response, where: str) -> list[str]:
    problems = []
    csp = response.headers.get("Content-Security-Policy")
    if not csp:
        return [f"{where}: no Content-Security-Policy"]
    d = _directives(csp)
    script = d.get("script-src", d.get("default-src", []))
    if not script:
        problems.append(f"{where}: neither script-src nor default-src in the CSP")
    if "'unsafe-inline'" in script or "'unsafe-eval'" in script:
        problems.append(f"{where}: script-src allows inline script or eval: {script}")
    frame_ancestors = d.get("frame-ancestors")
    # a sandboxed download (default-src 'none'; sandbox) is never framed usefully, but say it anyway
    if frame_ancestors != ["'none'"] and "sandbox" not in d:
        problems.append(f"{where}: frame-ancestors is {frame_ancestors}")
    if response.headers.get("X-Content-Type-Options", "").lower() != "nosniff":
        problems.append(f"{where}: X-Content-Type-Options is {response.headers.get('X-Content-Type-Options')!r}")
    return problems


def test_every_get_route_sends_the_security_headers(app, province, objects):  # noqa: F811
    client = _client_as(app, "admin", province)
    problems = []
    seen = 0
    for rule, method in _routes(app):
        if method != "GET":
            continue
        url = _url_for_rule(app, rule, objects)
        response = client.get(url)
        seen += 1
        problems += header_problems(response, f"GET {url} ({response.status_code})")
        response.close()
    # error pages and refused pages carry them too
    for url, status in (("/khong-co-trang-nay", 404), (f"/units/{10**9}", 404), ("/logout", 405)):
        response = client.get(url)
        assert response.status_code == status, url
        problems += header_problems(response, f"GET {url} ({status})")
    cadre = _client_as(app, "cadre", province)
    refused = cadre.get("/reports/overview")
    assert refused.status_code == 403
    problems += header_problems(refused, "GET /reports/overview as a cadre (403)")
    anonymous = app.test_client()
    for url in ("/verify", f"/verify/{objects['verify_code']}", "/verify/KHONGCO", "/login"):
        response = anonymous.get(url)
        problems += header_problems(response, f"GET {url} anonymously ({response.status_code})")
    assert seen > 60
    assert not problems, "\n".join(problems)


def test_pages_have_no_inline_script(app, province, objects):  # noqa: F811
    """The policy forbids inline script; the pages must not need it (a browser would block it silently)."""
    import re

    client = _client_as(app, "admin", province)
    inline = []
    for url in ("/", "/units/", f"/units/{objects['unit_id']}", "/cadres/", "/reports/overview",
                f"/reports/units/{objects['unit_id']}", "/plans/", f"/records/{objects['cadre_id']}"):
        html = client.get(url).get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html, re.I):
            if "src=" not in tag:
                inline.append(f"{url}: {tag}")
        if re.search(r"\son[a-z]+\s*=", html, re.I):
            inline.append(f"{url}: an inline event handler")
    assert not inline, inline


def _session_cookie(client):
    cookie = client.get_cookie("session", domain="lms.test")
    return cookie.value if cookie else None


def test_session_is_renewed_at_login_and_dead_after_logout(app, province, csrf_on):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    before = _session_cookie(client)
    assert before, "the login page starts a session (it holds the CSRF token)"
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    r = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302
    logged_in = _session_cookie(client)
    assert logged_in and logged_in != before
    assert client.get("/").status_code == 200

    # a stolen copy of the logged-in cookie, in another browser
    thief = app.test_client()
    thief.set_cookie("session", logged_in, domain="lms.test")
    assert thief.get("/").status_code == 200

    page = client.get("/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0] if 'name="csrf_token" value="' in page else \
        page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    r = client.post("/logout", data={"csrf_token": token})
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert client.get("/").status_code == 302

    replay = app.test_client()
    replay.set_cookie("session", logged_in, domain="lms.test")
    r = replay.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"], "the old cookie still authenticates"
    assert thief.get("/").status_code == 302


class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.timezone.utc)

    def __call__(self):
        return self.now

    def advance(self, seconds: float):
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture()
def clock(monkeypatch):
    import lms.core.auth

    clock = Clock()
    monkeypatch.setattr(lms.core.auth, "utcnow", clock)
    return clock


def test_login_throttling_over_http(app, client, province, clock):
    def attempt(password):
        r = client.post("/login", data={"username": "cadre", "password": password})
        return r.status_code, r.get_data(as_text=True)

    for _ in range(app.config["LOGIN_SLOWDOWN_AFTER"]):
        status, body = attempt("sai-mat-khau")
        assert status == 200 and "Tên đăng nhập hoặc mật khẩu không đúng." in body
        clock.advance(0.5)
    # slowed down: even the right password must wait, and says so
    status, body = attempt(PASSWORD)
    assert status == 200 and "Vui lòng chờ" in body and "giây" in body
    clock.advance(5)
    status, _ = attempt(PASSWORD)
    assert status == 302, "after waiting, the right password works"
    client.post("/logout")

    # many failures, each after the wait: the account locks, even for the right password
    for _ in range(app.config["LOGIN_LOCK_AFTER"]):
        clock.advance(app.config["LOGIN_SLOWDOWN_MAX_SECONDS"] + 1)
        attempt("sai-mat-khau")
    clock.advance(app.config["LOGIN_SLOWDOWN_MAX_SECONDS"] + 1)
    status, body = attempt(PASSWORD)
    assert status == 200 and "tạm khóa" in body
    # an unknown user gets the same page status as a locked one
    assert client.post("/login", data={"username": "khong-co", "password": "x"}).status_code == 200
    clock.advance(app.config["LOGIN_LOCK_MINUTES"] * 60 + 1)
    status, _ = attempt(PASSWORD)
    assert status == 302, "the lock ends"
