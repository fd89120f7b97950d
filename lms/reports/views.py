"""Report pages: the federation overview as of a date, and the roll-up over the tree with drill-down.

Every table on these pages can be downloaded with the page's own filters: ``?table=<name>&format=csv``
or ``&format=xlsx`` (see :mod:`lms.reports.exports`).
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.core.db import db
from lms.core.i18n import _, format_date
from lms.core.policy import require
from lms.courses.models import Course
from lms.orgs.models import Track, Unit
from lms.reports import operations, queries
from lms.reports.exports import FORMATS, export_response
from lms.reports.forms import TermForm
from lms.reports.tables import overview_charts, overview_tables, rollup_chart, rollup_tables

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")

DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


def parse_date(text: str | None) -> dt.date | None:
    """dd/mm/yyyy (as the pages write dates) or yyyy-mm-dd (as a date input sends them); None if neither."""
    text = (text or "").strip()
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _date_arg(name: str, default: dt.date | None, errors: list[str]) -> dt.date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    value = parse_date(raw)
    if value is None:
        errors.append(_("Ngày không hợp lệ: %(value)s (dùng dạng dd/mm/yyyy).", value=raw))
        return default
    return value


def _period(errors: list[str]) -> tuple[dt.date, dt.date]:
    """The period asked for (``from``, ``to``), a missing date taken from the default term."""
    start, end = queries.period(_date_arg("from", None, errors), _date_arg("to", None, errors))
    if end < start:
        errors.append(_("Ngày kết thúc phải sau ngày bắt đầu."))
        start, end = queries.default_term()
    return start, end


def _typed(args: dict, errors: list[str]) -> dict:
    """The date fields' values: the figures' dates, or after an error the dates as typed (a refused date
    was replaced by the default in its field, so the message named a date the form no longer showed)."""
    if not errors:
        return args
    return {**args, **{name: request.args[name].strip() for name in ("as_of", "from", "to")
                       if request.args.get(name, "").strip()}}


def _export_url(args: dict):
    """A function giving the download URL of one table of this page, with the page's filters."""
    def export_url(table: str, fmt: str) -> str:
        return url_for(request.endpoint, **(request.view_args or {}), **args, table=table, format=fmt)

    return export_url


def _export_or_page(tables, stem: str, page):
    """The download of ``?table=…&format=…`` if asked for, else the page."""
    fmt = request.args.get("format")
    if fmt is None:
        return page()
    name = request.args.get("table", "")
    table = next((t for t in tables if t.name == name), None)
    if fmt not in FORMATS or table is None:
        abort(404)
    return export_response(table, fmt, stem)


def _recomputed():
    """After "compute again now" (a POST to the page's own URL): back to the page, which shows the new figures."""
    return redirect(request.full_path if request.query_string else request.path, code=303)


@bp.route("/")
@login_required
def index():
    """/reports/ typed by hand: the reports open on the overview."""
    require("reports.overview")
    return redirect(url_for(".overview"))


@bp.route("/overview", methods=["GET", "POST"])
@login_required
def overview():
    require("reports.overview")
    errors: list[str] = []
    as_of = _date_arg("as_of", queries.today(), errors)
    term = _period(errors)
    data = queries.overview(current_user, as_of=as_of, term=term, refresh=request.method == "POST")
    if request.method == "POST":
        return _recomputed()
    tables = overview_tables(data)
    args = {"as_of": format_date(as_of), "from": format_date(term[0]), "to": format_date(term[1])}
    return _export_or_page(tables, f"tong-quan-{as_of.isoformat()}", lambda: render_template(
        "reports/overview.html", data=data, tables={t.name: t for t in tables}, charts=overview_charts(data),
        args=args, typed=_typed(args, errors), export_url=_export_url(args), errors=errors,
        top_units=queries.top_units(current_user),
    ))


def _filters(errors: list[str]) -> queries.Filters:
    start, end = _period(errors)
    track = db.session.get(Track, request.args.get("track", type=int) or 0)
    course = db.session.get(Course, request.args.get("course", type=int) or 0)
    return queries.Filters(start, end, track, course)


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@login_required
def unit(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    require("reports.unit", unit)
    errors: list[str] = []
    filters = _filters(errors)
    data = queries.roll_up(current_user, unit, filters, refresh=request.method == "POST")
    if request.method == "POST":
        return _recomputed()
    args = filters.args()
    tables = rollup_tables(data, args)
    return _export_or_page(tables, f"bao-cao-{unit.code.lower()}", lambda: render_template(
        "reports/unit.html", data=data, tables=tables, chart=rollup_chart(data), args=args, typed=_typed(args, errors),
        export_url=_export_url(args), errors=errors,
        choices=queries.filter_choices(),
    ))


@bp.route("/term", methods=["GET", "POST"])
@login_required
def term():
    """The reports' default period, the union's current term: a dated fact a federation admin sets."""
    require("settings.edit")
    term_set = queries.term_setting()
    current = term_set or queries.calendar_year(queries.today())
    form = TermForm(data={"start_on": current[0], "end_on": current[1]} if request.method == "GET" else None)
    if form.validate_on_submit():
        operations.set_default_term(form.start_on.data, form.end_on.data, current_user)
        flash(_("Đã lưu nhiệm kỳ mặc định của báo cáo: %(start)s–%(end)s.",
                start=format_date(form.start_on.data), end=format_date(form.end_on.data)), "success")
        return redirect(url_for(".overview"))
    return render_template("reports/term.html", form=form, is_set=term_set is not None)
