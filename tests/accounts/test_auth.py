"""Login: hashing, throttling and lock-out, safe redirects, cookie flags, fresh session at login."""
from __future__ import annotations

import datetime as dt

import pytest

from lms.accounts.models import User
from lms.core.auth import authenticate
from lms.core.db import db, utcnow
from lms.core.web import is_safe_next


def test_passwords_are_hashed_with_scrypt_by_default(app, province):
    from lms import config

    assert config.PASSWORD_HASH_METHOD == "scrypt"
    user = province["users"]["admin"]
    app.config["PASSWORD_HASH_METHOD"] = config.PASSWORD_HASH_METHOD
    try:
        user.set_password("mot-mat-khau-moi")
    finally:
        app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    assert user.password_hash.startswith("scrypt:") and user.check_password("mot-mat-khau-moi")
    assert "mat-khau" not in user.password_hash


def test_failures_slow_down_then_lock(app, province):
    now = utcnow()
    for i in range(3):
        assert authenticate("cadre", "sai", now=now + dt.timedelta(seconds=i)).error
    # the fourth attempt right away must wait
    result = authenticate("cadre", "mat-khau-thu-nghiem", now=now + dt.timedelta(seconds=2, milliseconds=500))
    assert result.user is None and "giây" in result.error
    # after waiting, the right password works and resets the count
    assert authenticate("cadre", "mat-khau-thu-nghiem", now=now + dt.timedelta(seconds=10)).user is not None
    user = db.session.get(User, province["users"]["cadre"].id)
    assert user.failed_logins == 0

    t = now + dt.timedelta(minutes=1)
    for i in range(app.config["LOGIN_LOCK_AFTER"]):
        t += dt.timedelta(seconds=120)
        authenticate("cadre", "sai", now=t)
    locked = authenticate("cadre", "mat-khau-thu-nghiem", now=t + dt.timedelta(seconds=121))
    assert locked.user is None and "khóa" in locked.error
    later = t + dt.timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"] + 1)
    assert authenticate("cadre", "mat-khau-thu-nghiem", now=later).user is not None


def test_unknown_user_and_wrong_password_look_the_same(province):
    assert authenticate("khong-co", "x").error == authenticate("admin", "x").error


def test_login_page_shows_throttle_message(client, auth, province):
    for _ in range(4):
        r = auth.login("cadre", "sai")
    assert r.status_code == 200
    assert "Vui lòng chờ" in r.get_data(as_text=True)


@pytest.mark.parametrize("target,ok", [
    ("/cadres/", True), ("/units/4?x=1", True), ("https://evil.example/", False), ("//evil.example/", False),
    ("/\\evil.example", False), ("javascript:alert(1)", False), ("", False), (None, False),
])
def test_safe_next(target, ok):
    assert is_safe_next(target) is ok


def test_login_redirects_to_next_only_on_site(client, province):
    r = client.post("/login?next=/reports/overview", data={"username": "admin", "password": "mat-khau-thu-nghiem"})
    assert r.headers["Location"] == "/reports/overview"
    client.post("/logout")
    r = client.post("/login?next=https://evil.example/", data={"username": "admin", "password": "mat-khau-thu-nghiem"})
    assert r.headers["Location"] == "/"


def test_session_cookie_flags_and_renewal(client, province):
    client.get("/login")
    client.post("/language", data={"lang": "vi"})  # something in the anonymous session
    before = client.get_cookie("session", domain="lms.test")
    r = client.post("/login", data={"username": "admin", "password": "mat-khau-thu-nghiem"})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    after = client.get_cookie("session", domain="lms.test")
    assert before is not None and after is not None and before.value != after.value


def test_logout_requires_post_and_ends_session(client, auth, province):
    auth.login("admin")
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_session_token_change_logs_out_everywhere(client, auth, province):
    from lms.accounts.operations import renew_session_token

    auth.login("admin")
    assert client.get("/").status_code == 200
    renew_session_token(db.session.get(User, province["users"]["admin"].id))
    db.session.flush()
    assert client.get("/").status_code == 302


def test_a_login_row_only_view_loads_the_login_alone_and_the_rest_when_read(app, province):
    """The autosave (``auth.login_row_only``) loads the user's row without the cadre and units every page
    joins, still checks the session token, and whatever it reads later loads then."""
    from sqlalchemy import event

    from lms.core import auth as core_auth

    user = province["users"]["cadre"]
    identity = user.get_id()
    statements = []
    connection = db.session.connection()
    event.listen(connection, "before_cursor_execute", lambda *args: statements.append(" ".join(args[2].split())))
    with app.test_request_context("/quizzes/attempts/1/answers/1", method="POST"):
        assert core_auth._view_needs_login_row_only()
        db.session.expire_all()
        loaded = core_auth._load_user(identity)
        assert loaded is not None and loaded.id == user.id
        assert len(statements) == 1 and "FROM users WHERE" in statements[0] and "JOIN" not in statements[0]
        assert loaded.cadre.full_name == "Nguyễn Thị Ánh"  # read later, loaded then
        assert core_auth._load_user(f"{user.id}:not-the-token") is None
    statements.clear()
    with app.test_request_context("/learn/"):
        assert not core_auth._view_needs_login_row_only()
        db.session.expire_all()
        core_auth._load_user(identity)
        assert "JOIN cadres" in statements[0]
    with app.test_request_context("/no-such-page"):
        assert not core_auth._view_needs_login_row_only()


def test_language_switch(client, auth, province):
    auth.login("cadre")
    assert "Trang chủ" in client.get("/").get_data(as_text=True)
    client.post("/language", data={"lang": "en", "next": "/"})
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_create_user_command(runner, province):
    result = runner.invoke(args=["create-user", "giangvien2", "--role", "trainer"], input="mot-mat-khau-dai\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).where(User.username == "giangvien2"))
    assert user.role == "trainer" and user.check_password("mot-mat-khau-dai")
    result = runner.invoke(args=["create-user", "quantri", "--role", "union_admin", "--unit", "KCN", "--password", "mat-khau-123"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-user", "hoc-vien", "--role", "cadre", "--cadre", "KHONG-CO", "--password", "mat-khau-123"])
    assert result.exit_code == 1 and "Không có cán bộ mã KHONG-CO" in result.output
    result = runner.invoke(args=["create-user", "qt2", "--role", "union_admin", "--password", "mat-khau-123"])
    assert result.exit_code == 1 and "cần một đơn vị" in result.output


def test_a_union_admin_needs_an_active_unit_typed_in_any_case(client, auth, province, make):
    """Unit codes are stored in capitals, yet "kcn" was "Không có đơn vị mã kcn"; and a union admin could
    be given a dissolved unit, a scope in which nothing can be done."""
    import datetime as dt

    from lms.orgs.operations import dissolve_unit

    closed = make.unit("Công đoàn Công ty Giải Thể", parent=province["upper_a"], code="CS-DONG")
    dissolve_unit(closed, dt.date(2025, 6, 11))
    auth.login("admin")
    form = {"username": "quantri.kcn", "password": "mat-khau-dai", "role": "union_admin", "cadre_code": ""}
    response = client.post("/accounts/", data=dict(form, unit_code="cs-dong"))
    assert response.status_code == 200
    assert "Đơn vị Công đoàn Công ty Giải Thể đã giải thể hoặc sáp nhập." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(User).where(User.username == "quantri.kcn")) is None
    assert client.post("/accounts/", data=dict(form, unit_code=" kcn ")).status_code == 302
    user = db.session.scalar(db.select(User).where(User.username == "quantri.kcn"))
    assert user.role == "union_admin" and user.unit_id == province["upper_a"].id
