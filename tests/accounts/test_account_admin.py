"""Account administration: find an account, give a temporary password, disable and enable, unlock, change a
role; union admins only for the cadre accounts of their subtree; every change kept on the account's page."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from lms.accounts.models import AccountEvent, User
from lms.core.db import db, utcnow
from tests.conftest import PASSWORD, html_text, page_statements


def _fresh(user_id: int) -> User:
    """The account as the database has it now (the pages write through their own sessions)."""
    user = db.session.get(User, user_id)
    db.session.refresh(user)
    return user


def _user(province, key) -> User:
    return _fresh(province["users"][key].id)


def _kinds(user) -> list[str]:
    return list(db.session.scalars(select(AccountEvent.kind).where(AccountEvent.user_id == user.id)
                                   .order_by(AccountEvent.id)))


def test_an_account_created_in_the_browser_must_change_its_password(client, auth, province):
    auth.login("admin")
    response = client.post("/accounts/", data={"username": "Tran.Thi.B", "password": "tam-thoi-123", "role": "trainer"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "tran.thi.b"))
    assert user.must_change_password and _kinds(user) == ["created"]
    assert "phải đổi mật khẩu khi đăng nhập lần đầu" in html_text(client.get(response.headers["Location"]))
    new = client.application.test_client()
    new.post("/login", data={"username": "tran.thi.b", "password": "tam-thoi-123"})
    assert new.get("/").headers["Location"].startswith("/account")


def test_a_failed_creation_keeps_what_was_typed(client, auth, province):
    auth.login("admin")
    response = client.post("/accounts/", data={"username": "nguoi.moi", "password": "ngan", "role": "trainer"})
    text = html_text(response)
    assert response.status_code == 200 and "Mật khẩu cần ít nhất 8 ký tự." in text
    assert 'value="nguoi.moi"' in text and 'id="tao-tai-khoan" open>' in text
    assert db.session.scalar(select(User).where(User.username == "nguoi.moi")) is None


def test_reset_password_ends_sessions_unlocks_and_forces_a_change(app, client, auth, province):
    cadre_browser = app.test_client()
    cadre_browser.post("/login", data={"username": "cadre", "password": PASSWORD})
    assert cadre_browser.get("/").status_code == 200
    cadre = _user(province, "cadre")
    cadre.failed_logins, cadre.locked_until = 5, utcnow() + dt.timedelta(minutes=10)
    db.session.flush()
    auth.login("union")
    response = client.post(f"/accounts/{cadre.id}/password", data={"password": "tam-thoi-456"})
    assert response.status_code == 302
    assert cadre_browser.get("/").status_code == 302  # logged out at once
    cadre = _user(province, "cadre")
    assert cadre.check_password("tam-thoi-456") and cadre.must_change_password
    assert cadre.failed_logins == 0 and cadre.locked_until is None
    page = html_text(client.get(f"/accounts/{cadre.id}"))
    assert "Đặt mật khẩu tạm thời" in page and "union" in page and "Chờ đổi mật khẩu" in page


def test_a_refused_reset_says_why_and_changes_nothing(client, auth, province):
    cadre = _user(province, "cadre")
    auth.login("admin")
    response = client.post(f"/accounts/{cadre.id}/password", data={"password": "ngan"})
    assert response.status_code == 422 and "Mật khẩu cần ít nhất 8 ký tự." in html_text(response)
    cadre = _user(province, "cadre")
    assert cadre.check_password(PASSWORD) and not cadre.must_change_password and _kinds(cadre) == ["created"]


def test_disable_ends_sessions_and_refuses_log_in_until_enabled(app, client, auth, province):
    cadre_browser = app.test_client()
    cadre_browser.post("/login", data={"username": "cadre", "password": PASSWORD})
    cadre = _user(province, "cadre")
    auth.login("union")
    assert client.post(f"/accounts/{cadre.id}/disable").status_code == 302
    assert cadre_browser.get("/").status_code == 302
    assert cadre_browser.post("/login", data={"username": "cadre", "password": PASSWORD}).status_code == 200
    assert "Đã khóa" in html_text(client.get(f"/accounts/{cadre.id}"))
    assert client.post(f"/accounts/{cadre.id}/enable").status_code == 302
    assert cadre_browser.post("/login", data={"username": "cadre", "password": PASSWORD}).status_code == 302
    assert _kinds(_user(province, "cadre")) == ["created", "disabled", "enabled"]


def test_a_disabled_account_with_a_valid_cookie_is_not_logged_in(client, auth, province):
    """Defence in depth: even a session whose token still matches belongs to nobody once disabled."""
    auth.login("cadre")
    cadre = _user(province, "cadre")
    cadre.is_enabled = False  # as a direct change of the row would, without a new session token
    db.session.flush()
    assert client.get("/").status_code == 302


def test_nobody_disables_themselves_nor_the_last_federation_admin(client, auth, province, make):
    admin = _user(province, "admin")
    auth.login("admin")
    client.post(f"/accounts/{admin.id}/disable")
    assert _user(province, "admin").is_enabled
    assert "Bạn không thể khóa tài khoản của chính mình." in html_text(client.get(f"/accounts/{admin.id}"))
    second = make.user("admin2", role="federation_admin")
    db.session.flush()
    assert client.post(f"/accounts/{second.id}/disable").status_code == 302
    assert not _fresh(second.id).is_enabled
    # admin is now the last enabled federation admin: a change of its role is refused
    client.post(f"/accounts/{second.id}/enable")
    from lms.accounts.operations import set_enabled, update_account
    from lms.core.errors import ValidationError

    second = _fresh(second.id)
    set_enabled(second, False, None)
    with pytest.raises(ValidationError, match="cuối cùng"):
        update_account(admin, "trainer", None, None, second)
    with pytest.raises(ValidationError, match="cuối cùng"):
        set_enabled(admin, False, None)


def test_unlock_lifts_a_lock_out(client, auth, province):
    cadre = _user(province, "cadre")
    cadre.failed_logins, cadre.locked_until = 0, utcnow() + dt.timedelta(minutes=10)
    db.session.flush()
    auth.login("union")
    text = html_text(client.get("/accounts/?status=locked"))
    assert "1 tài khoản" in text and '<span class="tag warn">Tạm khóa do đăng nhập sai</span>' in text
    client.post(f"/accounts/{cadre.id}/unlock")
    assert _user(province, "cadre").locked_until is None
    assert "0 tài khoản" in html_text(client.get("/accounts/?status=locked"))


def test_a_federation_admin_changes_a_role_and_links(client, auth, province, make):
    trainer = _user(province, "trainer")
    auth.login("admin")
    response = client.post(f"/accounts/{trainer.id}/edit", data={"role": "union_admin", "unit_code": "cdvc", "cadre_code": ""})
    assert response.status_code == 302
    trainer = _user(province, "trainer")
    assert trainer.role == "union_admin" and trainer.unit.code == "CDVC"
    page = html_text(client.get(f"/accounts/{trainer.id}"))
    assert "Đổi vai trò hoặc liên kết" in page and "Giảng viên → Quản trị công đoàn" in page and "– → CDVC" in page
    # a union admin needs a unit; the refusal keeps what was typed and changes nothing
    response = client.post(f"/accounts/{trainer.id}/edit", data={"role": "union_admin", "unit_code": "", "cadre_code": "CB-KHONG-CO"})
    text = html_text(response)
    assert response.status_code == 422 and "Quản trị công đoàn cần một đơn vị." in text and "Không có cán bộ mã CB-KHONG-CO." in text
    assert 'value="CB-KHONG-CO"' in text
    assert _user(province, "trainer").unit.code == "CDVC"
    # a cadre that already has an account cannot get a second one
    response = client.post(f"/accounts/{trainer.id}/edit", data={"role": "union_admin", "unit_code": "CDVC",
                                                                "cadre_code": province["cadre_a"].code})
    assert "đã có tài khoản" in html_text(response)


def test_union_admins_manage_only_the_cadre_accounts_of_their_subtree(client, auth, province):
    auth.login("union")
    cadre, cadre2, trainer = (_user(province, k) for k in ("cadre", "cadre2", "trainer"))
    text = html_text(client.get("/accounts/"))
    assert "cadre" in text and "Nguyễn Thị Ánh" in text and "cadre2" not in text and "trainer" not in text
    assert "1 tài khoản" in text
    for url in (f"/accounts/{cadre2.id}", f"/accounts/{trainer.id}"):
        assert client.get(url).status_code == 403
    for action in ("password", "disable", "enable", "unlock", "edit"):
        assert client.post(f"/accounts/{cadre2.id}/{action}", data={"password": "tam-thoi-789"}).status_code == 403
    assert client.post(f"/accounts/{cadre.id}/edit", data={"role": "federation_admin"}).status_code == 403
    assert _user(province, "cadre").role == "cadre"
    assert _user(province, "cadre2").check_password(PASSWORD)
    assert "Vai trò và liên kết" not in html_text(client.get(f"/accounts/{cadre.id}"))


@pytest.mark.parametrize("q,found", [
    ("nguyen thi anh", {"cadre"}), ("ANH", {"cadre"}), ("duc tran", {"cadre2"}), ("trainer", {"trainer", "trainer2"}),
    ("union2", {"union2"}),
])
def test_the_list_finds_accounts_by_username_name_or_code(client, auth, province, q, found):
    auth.login("admin")
    text = client.get("/accounts/", query_string={"q": q}).get_data(as_text=True)
    listed = set(re.findall(r'href="/accounts/\d+">([^<]+)</a>', text))
    assert listed == found


def test_the_list_finds_a_cadre_account_by_its_cadre_code(client, auth, province):
    auth.login("admin")
    code = province["cadre_b"].code
    assert ">cadre2</a>" in client.get("/accounts/", query_string={"q": code.lower()}).get_data(as_text=True)


def test_the_list_filters_by_role_and_status_and_pages(client, auth, province, make):
    for n in range(55):
        make.user(f"hoc.vien{n:02d}", role="trainer")
    db.session.flush()
    auth.login("admin")
    first = html_text(client.get("/accounts/", query_string={"role": "trainer"}))
    assert "57 tài khoản" in first and "Trang 1 / 2" in first
    second = client.get("/accounts/", query_string={"role": "trainer", "page": 2}).get_data(as_text=True)
    assert ">trainer2</a>" in second and "role=trainer" in second
    assert "Không tìm thấy tài khoản nào." in html_text(client.get("/accounts/", query_string={"status": "disabled"}))


def test_list_and_account_pages_load_in_a_fixed_number_of_queries(app, client, auth, province, make):
    auth.login("admin")
    cadre = _user(province, "cadre")

    def count(url):
        return len(page_statements(client, url))

    before = (count("/accounts/"), count(f"/accounts/{cadre.id}"))
    for n in range(20):
        user = make.user(f"them{n:02d}", role="cadre", cadre=make.cadre(unit=province["biz"]))
        from lms.accounts.operations import reset_password

        reset_password(user, "tam-thoi-000", _user(province, "admin"))
        reset_password(cadre, f"tam-thoi-{n:03d}", _user(province, "admin"))
    db.session.flush()
    assert (count("/accounts/"), count(f"/accounts/{cadre.id}")) == before


def test_set_password_command(runner, province):
    result = runner.invoke(args=["set-password", "ADMIN"], input="mat-khau-moi-1\n")
    assert result.exit_code == 0, result.output
    admin = _user(province, "admin")
    assert admin.check_password("mat-khau-moi-1") and not admin.must_change_password
    event_row = db.session.scalars(select(AccountEvent).where(AccountEvent.user_id == admin.id)
                                   .order_by(AccountEvent.id.desc())).first()
    assert event_row.kind == "password_reset" and event_row.actor_id is None
    result = runner.invoke(args=["set-password", "cadre", "--password", "tam-thoi-321", "--temporary"])
    assert result.exit_code == 0 and _user(province, "cadre").must_change_password
    assert runner.invoke(args=["set-password", "khong-co", "--password", "x" * 8]).exit_code == 1
    result = runner.invoke(args=["set-password", "cadre", "--password", "ngan"])
    assert result.exit_code == 1 and "8 ký tự" in result.output


def test_the_account_pages_in_english(client, auth, province):
    client.post("/language", data={"lang": "en"})
    auth.login("admin")
    cadre = _user(province, "cadre")
    client.post(f"/accounts/{cadre.id}/password", data={"password": "tam-thoi-123"})
    text = html_text(client.get(f"/accounts/{cadre.id}"))
    for english in ("Account cadre", "Account history", "Temporary password set", "Disable account", "Role and links",
                    "Password change pending"):
        assert english in text, english
    assert "All roles" in html_text(client.get("/accounts/"))


def test_a_cadre_page_leads_to_the_cadre_account_or_to_creating_one(client, auth, province, make):
    cadre = _user(province, "cadre")
    auth.login("union")
    text = html_text(client.get(f"/cadres/{province['cadre_a'].id}"))
    assert f'href="/accounts/{cadre.id}"' in text and "Tài khoản đăng nhập: cadre" in text
    newcomer = make.cadre("Lê Thị Mới", unit=province["biz"])
    db.session.flush()
    text = client.get(f"/cadres/{newcomer.id}").get_data(as_text=True)
    assert f'href="/accounts/?cadre={newcomer.code}#tao-tai-khoan"' in text
    form = html_text(client.get(f"/accounts/?cadre={newcomer.code}"))
    assert 'id="tao-tai-khoan" open>' in form and f'value="{newcomer.code}"' in form
    response = client.post("/accounts/", data={"username": "le.thi.moi", "password": "tam-thoi-123", "role": "cadre",
                                               "cadre_code": newcomer.code})
    assert response.status_code == 302
    assert db.session.scalar(select(User).where(User.username == "le.thi.moi")).cadre_id == newcomer.id
    auth.logout()
    auth.login("trainer")  # a trainer sees cadres only through classes: no account links
    assert "Tài khoản đăng nhập" not in html_text(client.get(f"/cadres/{province['cadre_a'].id}"))


def test_a_union_admin_whose_unit_ended_is_flagged_and_given_a_new_unit(client, auth, province, make):
    from lms.orgs.operations import dissolve_unit

    lonely = make.unit("Công đoàn Cụm công nghiệp cũ", parent=province["fed"], code="CCN-CU")
    admin_of_it = make.user("qt.cum", role="union_admin", unit=lonely)
    db.session.flush()
    dissolve_unit(lonely, dt.date(2025, 6, 11))
    db.session.flush()
    auth.login("admin")
    assert "Đơn vị đã giải thể hoặc sáp nhập" in html_text(client.get(f"/accounts/{admin_of_it.id}"))
    response = client.post(f"/accounts/{admin_of_it.id}/edit", data={"role": "union_admin", "unit_code": "ccn-cu"})
    assert "đã giải thể hoặc sáp nhập" in html_text(response) and _fresh(admin_of_it.id).unit.code == "CCN-CU"
    client.post(f"/accounts/{admin_of_it.id}/edit", data={"role": "union_admin", "unit_code": "kcn"})
    assert _fresh(admin_of_it.id).unit.code == "KCN"
    assert "Đơn vị đã giải thể hoặc sáp nhập" not in html_text(client.get(f"/accounts/{admin_of_it.id}"))


def test_a_refused_creation_shows_every_problem_at_once(client, auth, province):
    """A short password was the form's own check: it came alone, and the username and the cadre code were
    refused only at the next submit."""
    auth.login("admin")
    response = client.post("/accounts/", data={"username": "Người mới!", "password": "ngan", "role": "cadre",
                                               "cadre_code": "cb99999"})
    text = html_text(response)
    assert "Mật khẩu cần ít nhất 8 ký tự." in text
    assert "Tên đăng nhập cần từ 3 ký tự, chỉ gồm chữ, số và . _ -" in text
    assert text.count('class="error"') >= 3, text
    assert db.session.scalar(select(func.count(User.id))) == len(province["users"])


def test_a_union_admin_is_not_asked_for_a_unit_code(client, auth, province):
    """A union admin creates cadre accounts only; the unit code (for union admins) was a field they could
    fill for nothing."""
    auth.login("union")
    page = client.get("/accounts/").get_data(as_text=True)
    assert 'name="cadre_code"' in page and 'name="unit_code"' not in page
    auth.logout()
    auth.login("admin")
    assert 'name="unit_code"' in client.get("/accounts/").get_data(as_text=True)
