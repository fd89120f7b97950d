"""Log in, log out, choose a language; a user's own account and password."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from lms.accounts import operations
from lms.accounts.forms import LanguageForm, LoginForm, PasswordChangeForm
from lms.accounts.operations import renew_session_token
from lms.core.auth import authenticate
from lms.core.errors import ValidationError
from lms.core.forms import ActionForm
from lms.core.i18n import _
from lms.core.policy import require
from lms.core.web import is_safe_next

bp = Blueprint("accounts", __name__, template_folder="templates")

# What a user whose password someone else chose may still open before choosing their own.
BEFORE_NEW_PASSWORD = frozenset({
    "static", "accounts.account", "accounts.logout", "accounts.language", "accounts.login",
    "certificates.verify", "certificates.lookup",
})


@bp.before_app_request
def _new_password_first():
    """An account created or reset by an administrator goes to "Tài khoản của tôi" until its user has
    chosen their own password: the temporary one passed through other hands."""
    if request.endpoint in BEFORE_NEW_PASSWORD or not current_user.is_authenticated:
        return None
    if not current_user.must_change_password:
        return None
    flash(_("Mật khẩu của bạn do quản trị viên đặt: hãy đổi sang mật khẩu của riêng bạn để tiếp tục."), "warning")
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("accounts.account", next=back) if back else url_for("accounts.account"), 303)


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(next_url if is_safe_next(next_url) else url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        result = authenticate(form.username.data, form.password.data)
        if result.user is not None:
            lang = session.get("lang")
            session.clear()  # a fresh session at login: no fixation
            if lang:
                session["lang"] = lang
            login_user(result.user)
            return redirect(next_url if is_safe_next(next_url) else url_for("home.index"))
        error = result.error
    return render_template("accounts/login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = ActionForm()
    if form.validate_on_submit():
        # A new token ends this session for good: a copy of the cookie (stolen, or left in a shared
        # browser's history) no longer authenticates. It also ends the user's other sessions.
        renew_session_token(current_user._get_current_object())
        logout_user()
        session.clear()
    return redirect(url_for("accounts.login"))


@bp.route("/language", methods=["POST"])
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.locale = form.lang.data
    back = request.form.get("next")
    return redirect(back if is_safe_next(back) else url_for("home.index"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """"Tài khoản của tôi": who the user is here, and a new password of their choice."""
    require("account.own")
    form = PasswordChangeForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            operations.change_own_password(user, form.current.data, form.new.data)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            # Other sessions ended with the old session token; this one goes on under the new token.
            login_user(user)
            flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã kết thúc."), "success")
            next_url = request.args.get("next")
            return redirect(next_url if is_safe_next(next_url) else url_for("accounts.account"))
    return render_template("accounts/account.html", form=form, user=user)
