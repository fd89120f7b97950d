"""A user's own account page: a new password of their choice, and the change forced after an administrator chose one."""
from __future__ import annotations

from lms.accounts.models import AccountEvent, User
from lms.accounts.operations import reset_password
from lms.core.db import db
from tests.conftest import PASSWORD, html_text

NEW = "mot-mat-khau-rieng"


def _change(client, current=PASSWORD, new=NEW, confirm=None, **kwargs):
    return client.post("/account", data={"current": current, "new": new, "confirm": new if confirm is None else confirm},
                       **kwargs)


def test_every_role_sees_its_account_page(client, auth, province):
    auth.login("cadre")
    text = html_text(client.get("/account"))
    assert "Tài khoản của tôi" in text and "cadre" in text and "Nguyễn Thị Ánh" in text and "Cán bộ" in text
    auth.logout()
    auth.login("union")
    assert "Công đoàn Khu công nghiệp" in html_text(client.get("/account"))  # the part they administer


def test_the_header_links_to_the_account_page(client, auth, province):
    auth.login("trainer")
    assert 'href="/account"' in client.get("/").get_data(as_text=True)


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, client, auth, province):
    other = app.test_client()
    other.post("/login", data={"username": "cadre", "password": PASSWORD})
    auth.login("cadre")
    response = _change(client)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert "Đã đổi mật khẩu" in html_text(client.get("/account"))
    assert client.get("/").status_code == 200  # this browser stays logged in
    assert other.get("/").status_code == 302  # the other one is logged out
    user = db.session.get(User, province["users"]["cadre"].id)
    db.session.refresh(user)
    assert user.check_password(NEW) and not user.check_password(PASSWORD)
    assert user.password_changed_at is not None
    kinds = [e.kind for e in db.session.scalars(db.select(AccountEvent).where(AccountEvent.user_id == user.id))]
    assert "password_changed" in kinds


def test_a_wrong_current_password_changes_nothing(client, auth, province):
    auth.login("cadre")
    response = _change(client, current="khong-phai")
    assert response.status_code == 200 and "Mật khẩu hiện tại không đúng." in html_text(response)
    user = db.session.get(User, province["users"]["cadre"].id)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_new_password_rules_are_said_beside_the_field(client, auth, province):
    auth.login("cadre")
    assert "Mật khẩu cần ít nhất 8 ký tự." in html_text(_change(client, new="ngan"))
    assert "Hai lần nhập mật khẩu mới không khớp." in html_text(_change(client, confirm="mot-mat-khau-khac"))
    assert "Mật khẩu mới phải khác mật khẩu hiện tại." in html_text(_change(client, new=PASSWORD))
    assert "Mật khẩu dài quá 200 ký tự." in html_text(_change(client, new="x" * 201))
    user = db.session.get(User, province["users"]["cadre"].id)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_a_password_equal_to_the_username_is_refused(client, auth, province, make):
    make.user("tranvanduc", role="trainer")
    db.session.flush()
    auth.login("tranvanduc")
    assert "Mật khẩu không được trùng tên đăng nhập." in html_text(_change(client, new="TranVanDuc"))


def test_a_temporary_password_must_be_changed_before_anything_else(client, auth, province):
    admin = db.session.get(User, province["users"]["admin"].id)
    reset_password(db.session.get(User, province["users"]["cadre"].id), "tam-thoi-123", admin)
    db.session.flush()
    assert auth.login("cadre", "tam-thoi-123").status_code == 302
    response = client.get("/learn/")
    assert response.status_code == 303 and response.headers["Location"] == "/account?next=/learn/"
    assert "hãy đổi sang mật khẩu của riêng bạn" in html_text(client.get("/account"))
    assert client.post("/notifications/read").status_code == 303  # nothing else, POSTs included
    assert client.get("/verify").status_code == 200  # public pages stay open
    response = _change(client, current="tam-thoi-123", **{"query_string": {"next": "/learn/"}})
    assert response.status_code == 302 and response.headers["Location"] == "/learn/"
    assert client.get("/learn/").status_code == 200
    user = db.session.get(User, province["users"]["cadre"].id)
    db.session.refresh(user)
    assert not user.must_change_password


def test_the_forced_change_does_not_follow_an_offsite_next(client, auth, province):
    admin = db.session.get(User, province["users"]["admin"].id)
    reset_password(db.session.get(User, province["users"]["cadre"].id), "tam-thoi-123", admin)
    db.session.flush()
    auth.login("cadre", "tam-thoi-123")
    response = _change(client, current="tam-thoi-123", query_string={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/account"


def test_the_account_page_in_english(client, auth, province):
    client.post("/language", data={"lang": "en"})
    auth.login("cadre")
    text = html_text(client.get("/account"))
    assert "My account" in text and "Change password" in text and "Current password" in text


def test_wrong_current_passwords_slow_down_and_lock_as_failed_log_ins_do(app, client, auth, province):
    """A session left open on a shared computer is not a way to guess the password: the account is throttled."""
    auth.login("cadre")
    for _ in range(app.config["LOGIN_SLOWDOWN_AFTER"]):
        assert "Mật khẩu hiện tại không đúng." in html_text(_change(client, current="doan-thu"))
    text = html_text(_change(client))  # even the right password must now wait
    assert "Vui lòng chờ" in text
    user = db.session.get(User, province["users"]["cadre"].id)
    db.session.refresh(user)
    assert user.failed_logins == app.config["LOGIN_SLOWDOWN_AFTER"] and user.check_password(PASSWORD)


def test_the_login_page_says_who_resets_a_forgotten_password(client):
    assert "Quên mật khẩu? Hãy báo quản trị công đoàn" in html_text(client.get("/login"))


def test_a_cadres_role_and_person_are_one_cadre_in_english(client, auth, province):
    """The role and the cadre the account belongs to were labelled with the main menu's "Cán bộ", whose
    English is the list's "Cadres": the page said "Role: Cadres" and "Cadres: Nguyễn Thị Ánh"."""
    client.post("/language", data={"lang": "en"})
    auth.login("cadre")
    text = html_text(client.get("/account"))
    assert "Nguyễn Thị Ánh" in text
    assert "<dd>Cadres</dd>" not in text and "<dt>Cadres</dt>" not in text
    # in Vietnamese the cadre is named by their full name, not "Cán bộ" a second time under "Vai trò: Cán bộ"
    client.post("/language", data={"lang": "vi"})
    assert "<dt>Họ và tên</dt><dd>Nguyễn Thị Ánh" in html_text(client.get("/account"))


def test_a_fields_hint_is_read_out_with_the_field(client, auth, province):
    """"Ít nhất 8 ký tự, không trùng tên đăng nhập." sat under the new password's field, tied to
    nothing: a screen reader on a phone read the field and never the rule, then the error."""
    import re

    def described_by(body):
        field = next(tag for tag in re.findall(r"<input[^>]*>", body) if 'id="new"' in tag)
        return re.search(r'aria-describedby="([^"]*)"', field).group(1).split()

    auth.login("cadre")
    body = client.get("/account").get_data(as_text=True)
    assert described_by(body) == ["new-hint"]
    assert '<p class="hint" id="new-hint">Ít nhất 8 ký tự, không trùng tên đăng nhập.</p>' in body
    assert described_by(_change(client, new="ngan").get_data(as_text=True)) == ["new-error", "new-hint"]
