"""Log in, log out, choose a language."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from lms.accounts.forms import LanguageForm, LoginForm
from lms.accounts.operations import renew_session_token
from lms.core.auth import authenticate
from lms.core.forms import ActionForm
from lms.core.web import is_safe_next

bp = Blueprint("accounts", __name__, template_folder="templates")


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
