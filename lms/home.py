"""The home page: each role lands on what it needs."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from lms.core.policy import can

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    from lms.reports.queries import home_summary

    return render_template("home.html", summary=home_summary(current_user), can_admin=can(current_user, "admin.area"))
