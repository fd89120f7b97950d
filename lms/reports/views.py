from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from lms.core.policy import require
from lms.reports import queries

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")


@bp.route("/overview")
@login_required
def overview():
    require("reports.overview")
    return render_template("reports/overview.html", data=queries.overview(current_user))
