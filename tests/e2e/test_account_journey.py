"""An account's life in real Chromium on a phone (360×740): created by the federation admin with a temporary
password, its user made to choose their own before anything else, then disabled (the open session ends at
once) and given a new temporary password when the person comes back."""
from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import PASSWORD, login, shot

pytestmark = pytest.mark.browser

USERNAME = "e2e.giangvien"


@pytest.fixture(scope="module")
def server(live_server):
    live_server.lms("demo", "--yes", "--password", PASSWORD)
    live_server.start()
    return live_server


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def test_an_account_from_creation_to_disabling(server, new_page):
    admin = new_page()
    login(admin, server, "admin")
    admin.goto(server.url + "/accounts/")
    admin.click("text=Tạo tài khoản")
    admin.fill("#username", USERNAME)
    admin.fill("#password", "ngan")  # refused: the form keeps what was typed
    admin.select_option("#role", "trainer")
    admin.click("button:has-text('Tạo')")
    assert "Mật khẩu cần ít nhất 8 ký tự." in admin.inner_text("main")
    assert admin.input_value("#username") == USERNAME and admin.input_value("#role") == "trainer"
    admin.fill("#password", "tam-thoi-2026")
    admin.click("button:has-text('Tạo')")
    admin.wait_for_url(re.compile(r"/accounts/\d+$"))
    account_url = admin.url
    assert "phải đổi mật khẩu khi đăng nhập lần đầu" in admin.inner_text("main")
    assert "Chờ đổi mật khẩu" in admin.inner_text("main")
    _no_sideways_scroll(admin)
    shot(admin, "account-admin-phone")

    trainer = new_page()
    login(trainer, server, USERNAME, "tam-thoi-2026")
    assert trainer.url.endswith("/account?next=/")
    assert "hãy đổi sang mật khẩu của riêng bạn" in trainer.inner_text("main")
    trainer.goto(server.url + "/author/")
    assert trainer.url.endswith("/account?next=/author/")  # nothing else before a password of their own
    trainer.fill("#current", "tam-thoi-2026")
    trainer.fill("#new", "mat-khau-rieng-2026")
    trainer.fill("#confirm", "mat-khau-rieng-2027")
    trainer.click("button:has-text('Đổi mật khẩu')")
    assert "Hai lần nhập mật khẩu mới không khớp." in trainer.inner_text("main")
    trainer.fill("#current", "tam-thoi-2026")
    trainer.fill("#new", "mat-khau-rieng-2026")
    trainer.fill("#confirm", "mat-khau-rieng-2026")
    trainer.click("button:has-text('Đổi mật khẩu')")
    trainer.wait_for_url(re.compile(r"/author/$"))
    assert "Đã đổi mật khẩu" in trainer.inner_text("main") and trainer.locator("h1").count() == 1
    assert "Soạn khóa học" in trainer.inner_text("nav")
    _no_sideways_scroll(trainer)
    shot(trainer, "account-own-password-phone")

    # The trainer leaves: the admin finds the account by typing part of its name and disables it.
    admin.goto(server.url + "/accounts/")
    admin.fill("#q", "giangvien")
    admin.click("form[role=search] button")
    admin.click(f"a:has-text('{USERNAME}')")
    assert admin.url == account_url
    admin.click("button:has-text('Khóa tài khoản')")
    assert "Đã khóa tài khoản" in admin.inner_text("main")
    trainer.goto(server.url + "/author/")
    assert "/login" in trainer.url  # the open session ended at once
    trainer.fill("#username", USERNAME)
    trainer.fill("#password", "mat-khau-rieng-2026")
    trainer.click("button[type=submit]")
    assert "/login" in trainer.url

    # They come back, having forgotten the password: enabled again, with a new temporary one.
    admin.click("button:has-text('Mở lại tài khoản')")
    admin.fill("#password", "tam-thoi-2027")
    admin.click("button:has-text('Đặt mật khẩu')")
    history = admin.inner_text("main")
    for event in ("Tạo tài khoản", "Người dùng đổi mật khẩu", "Khóa tài khoản", "Mở lại tài khoản", "Đặt mật khẩu tạm thời"):
        assert event in history, event
    login(trainer, server, USERNAME, "tam-thoi-2027")
    assert "/account" in trainer.url
