"""Public verification: no login, a plain answer (valid, revoked, replaced, expired), the name and birth
YEAR only, look-up by the whole serial (accents and capitals aside), noindex, and a per-IP limit answered with a Vietnamese 429 page."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

import pytest

from lms.certificates import operations
from lms.certificates.views import FixedWindowLimiter, verify_limiter
from tests.certificates.test_register import configured, issue  # noqa: F401  (fixtures)
from tests.conftest import html_text


@pytest.fixture(autouse=True)
def fresh_limiter(app):
    verify_limiter(app).reset()
    yield
    verify_limiter(app).reset()


def test_a_valid_certificate(configured, client):
    certificate = issue(configured["cadre_a"], title="Bồi dưỡng nghiệp vụ công đoàn")
    response = client.get(f"/verify/{certificate.verify_code}")
    assert response.status_code == 200
    raw = response.get_data(as_text=True)
    text = html_text(response)
    assert "Hợp lệ" in text and "Nguyễn Thị Ánh" in text and "1985" in text
    assert "Bồi dưỡng nghiệp vụ công đoàn" in text and certificate.serial in text
    assert configured["fed"].name in text and "05/03/2026" in text
    # no other personal data: not the birth date, not the unit, not the cadre's code
    assert "03/05/1985" not in text and "May Đức Giang" not in text and configured["cadre_a"].code not in text
    assert '<meta name="robots" content="noindex, nofollow">' in raw
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert "Đăng xuất" not in text
    # the platform's icon, like every other page: otherwise each visitor's browser asks for /favicon.ico (404)
    assert "/static/favicon.svg" in raw


def test_a_revoked_certificate(configured, client):
    certificate = issue(configured["cadre_a"])
    operations.revoke(certificate, "Cấp nhầm người học")
    text = html_text(client.get(f"/verify/{certificate.verify_code}"))
    assert "Đã thu hồi" in text and "Cấp nhầm người học" in text
    assert operations.local_date(certificate.revoked_at).strftime("%d/%m/%Y") in text
    assert "✔" not in text


def test_a_replaced_certificate_links_to_its_replacement(configured, client):
    old = issue(configured["cadre_a"])
    new = operations.reissue(old, full_name="Nguyễn Thị Ánh Hồng", birth_date=dt.date(1985, 5, 3),
                             unit_name="", result="Đạt")
    response = client.get(f"/verify/{old.verify_code}")
    text, raw = html_text(response), response.get_data(as_text=True)
    assert "Đã được thay thế" in text and new.serial in text and f"/verify/{new.verify_code}" in raw
    response = client.get(f"/verify/{new.verify_code}")
    text, raw = html_text(response), response.get_data(as_text=True)
    assert "Hợp lệ" in text and "Nguyễn Thị Ánh Hồng" in text and f"/verify/{old.verify_code}" in raw


def test_an_expired_certificate(configured, client, monkeypatch):
    certificate = issue(configured["cadre_a"], issued_on=dt.date(2024, 3, 5), validity_months=24)
    monkeypatch.setattr(operations, "local_today", lambda: dt.date(2026, 3, 5))
    assert "Hợp lệ" in html_text(client.get(f"/verify/{certificate.verify_code}"))
    monkeypatch.setattr(operations, "local_today", lambda: dt.date(2026, 3, 6))
    text = html_text(client.get(f"/verify/{certificate.verify_code}"))
    assert "Hết hạn" in text and "05/03/2026" in text and "✔" not in text


def test_an_unknown_code(client, configured):
    response = client.get("/verify/khong-co-ma-nay")
    assert response.status_code == 404 and "Không tìm thấy" in html_text(response)


def test_lookup_by_whole_serial(configured, client):
    certificate = issue(configured["cadre_a"])
    issue(configured["cadre_b"])
    page = client.get("/verify")
    assert page.status_code == 200 and "Tra cứu" in html_text(page)
    text = html_text(client.get("/verify", query_string={"serial": certificate.serial}))
    assert "Hợp lệ" in text and "Nguyễn Thị Ánh" in text and "Trần Văn Đức" not in text
    text = html_text(client.get("/verify", query_string={"serial": "GCN"}))  # partial: nothing
    assert "Không tìm thấy" in text and "Nguyễn" not in text


def test_rate_limit_per_client_address(configured, client, app, monkeypatch):
    certificate = issue(configured["cadre_a"])
    monkeypatch.setitem(app.config, "CERTIFICATE_VERIFY_LIMIT", 3)
    here = {"REMOTE_ADDR": "203.0.113.7"}
    for _ in range(3):
        assert client.get(f"/verify/{certificate.verify_code}", environ_base=here).status_code == 200
    response = client.get("/verify", query_string={"serial": certificate.serial}, environ_base=here)
    assert response.status_code == 429
    assert "Quá nhiều lượt tra cứu" in html_text(response) and int(response.headers["Retry-After"]) >= 1
    assert "Nguyễn" not in html_text(response)
    # another address is not affected; the bare form is not a look-up
    assert client.get(f"/verify/{certificate.verify_code}", environ_base={"REMOTE_ADDR": "198.51.100.2"}).status_code == 200
    assert client.get("/verify", environ_base=here).status_code == 200


def test_the_limiter_window():
    limiter = FixedWindowLimiter()
    assert [limiter.hit("a", 2, 60, now=120.0) for _ in range(3)] == [0, 0, 60]
    assert limiter.hit("a", 2, 60, now=179.5) == 1
    assert limiter.hit("a", 2, 60, now=180.0) == 0  # a new window


# -- the language switch of the public pages -----------------------------------------------------

def _switch(client, page, lang, **kwargs):
    """Post the page's language form as a browser would: its CSRF token, its ``next``, and the Referer
    the page's Referrer-Policy lets the browser send to this site."""
    html = page.get_data(as_text=True)
    form = re.search(r'<form method="post" action="/language" class="inline">(.*?)</form>', html, re.S)
    assert form, "no language switch on the page"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form[1]))
    assert f'name="lang" value="{lang}"' in form[1]
    fields = {name: value.replace("&amp;", "&") for name, value in fields.items()}
    return client.post("/language", data={**fields, "lang": lang}, **kwargs)


def test_a_visitor_switches_the_verification_page_to_english_and_back(configured, client, csrf_on):
    certificate = issue(configured["cadre_a"])
    url = f"/verify/{certificate.verify_code}"
    page = client.get(url)
    assert '<html lang="vi">' in page.get_data(as_text=True) and "English" in html_text(page)
    response = _switch(client, page, "en", headers={"Referer": f"http://lms.test{url}"})
    assert response.status_code == 302 and response.headers["Location"] == url  # back to the same certificate
    page = client.get(url)  # remembered in the visitor's session
    text = html_text(page)
    assert '<html lang="en">' in page.get_data(as_text=True)
    assert "Certificate verification" in text and "Valid" in text and "Hợp lệ" not in text
    assert "Nguyễn Thị Ánh" in text and certificate.serial in text
    response = _switch(client, page, "vi")
    assert response.headers["Location"] == url
    assert '<html lang="vi">' in client.get(url).get_data(as_text=True)


def test_the_switch_returns_to_the_same_look_up_and_is_on_every_public_page(configured, client, csrf_on):
    certificate = issue(configured["cadre_a"])
    page = client.get("/verify", query_string={"serial": certificate.serial})
    response = _switch(client, page, "en")
    assert response.status_code == 302
    assert unquote(response.headers["Location"]) == f"/verify?serial={certificate.serial}"
    text = html_text(client.get(response.headers["Location"]))
    assert "Valid" in text and certificate.serial in text
    assert "Tiếng Việt" in html_text(client.get("/verify/khong-co-ma-nay"))  # the "not found" page too


def test_the_switch_works_over_https_and_the_pages_stay_light(configured, client, csrf_on):
    """Over HTTPS Flask-WTF wants a Referer from this site on every POST: the public pages must let the
    browser send one to this site (and to no other). The pages keep the site's Content-Security-Policy
    and no script: the switch is a plain form."""
    from lms.core.security import CSP

    certificate = issue(configured["cadre_a"])
    url = f"/verify/{certificate.verify_code}"
    page = client.get(url, base_url="https://lms.test")
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["Content-Security-Policy"] == CSP and page.headers["Cache-Control"] == "no-store"
    assert "<script" not in page.get_data(as_text=True) and "style=" not in page.get_data(as_text=True)
    refused = _switch(client, page, "en", base_url="https://lms.test")  # what "no-referrer" would do
    assert refused.status_code == 400
    response = _switch(client, page, "en", base_url="https://lms.test", headers={"Referer": f"https://lms.test{url}"})
    assert response.status_code == 302 and response.headers["Location"] == url
    assert '<html lang="en">' in client.get(url, base_url="https://lms.test").get_data(as_text=True)


def test_lookup_ignores_accents_and_capitals_of_a_typed_serial(configured, client):
    """A serial read off paper is often typed on a phone keyboard without Vietnamese letters."""
    certificate = issue(configured["cadre_a"])
    assert "Đ" in certificate.serial or "đ" in certificate.serial
    from lms.core.text import fold

    for typed in (fold(certificate.serial), fold(certificate.serial).upper(), f"  {certificate.serial.lower()} "):
        text = html_text(client.get("/verify", query_string={"serial": typed}))
        assert "Hợp lệ" in text and "Nguyễn Thị Ánh" in text, typed
    assert "Không tìm thấy" in html_text(client.get("/verify", query_string={"serial": certificate.serial[:-1]}))


def test_the_serial_key_follows_the_serial(configured):
    from lms.certificates.models import Certificate

    certificate = Certificate(serial="7/GCN-LĐLĐ-2026")
    assert certificate.serial_key == "7/gcn-ldld-2026"


def test_the_migration_gives_stored_certificates_their_key(configured, monkeypatch):
    import importlib

    from lms.certificates.models import Certificate
    from lms.core.db import db

    migration = importlib.import_module("migrations.versions.0015_certificate_serial_key")
    certificate = issue(configured["cadre_a"])
    db.session.execute(db.update(Certificate).where(Certificate.id == certificate.id).values(serial_key=""))

    class _Op:  # the column and its index exist already in the test database: only the filling runs
        add_column = create_index = staticmethod(lambda *args, **kwargs: None)
        f = staticmethod(lambda name: name)

        @staticmethod
        def get_bind():
            return db.session.connection()

    monkeypatch.setattr(migration, "op", _Op)
    migration.upgrade()
    key = db.session.scalar(db.select(Certificate.serial_key).where(Certificate.id == certificate.id))
    assert key and key == key.lower() and "đ" not in key and key.endswith(str(certificate.year))


def test_a_lookup_with_nothing_typed_says_what_to_type(configured, client):
    """A serial of spaces (the browser's "required" lets it through; the form strips it) showed the
    form again with no word: the visitor could not tell whether anything had been looked up."""
    body = client.get("/verify", query_string={"serial": "   "}).get_data(as_text=True)
    assert "Hãy nhập số hiệu in trên giấy chứng nhận." in body
    assert 'aria-describedby="serial-error"' in body and 'id="serial-error"' in body
