"""Pages of plans (/plans/…), assignments, exemptions, the outbox failure list and notifications."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.cadres.models import Cadre, TitleType
from lms.cadres.queries import Page
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.forms import ActionForm, choices
from lms.core.i18n import _, _l, local_name
from lms.core.policy import can, require
from lms.courses.models import PUBLISHED, Course, CourseVersion
from lms.orgs.models import Track, Unit
from lms.orgs.queries import unit_choices
from lms.plans import mail, operations, queries
from lms.plans.forms import AssignmentForm, ExemptionForm, PlanForm
from lms.plans.models import Assignment, OutboxMessage, Plan

bp = Blueprint("plans", __name__, template_folder="templates")

STATUS_LABELS = {
    queries.ASSIGNED: _l("Được giao"), queries.IN_PROGRESS: _l("Đang học"), queries.COMPLETED: _l("Đã hoàn thành"),
    queries.DUE_SOON: _l("Sắp đến hạn"), queries.OVERDUE: _l("Quá hạn"), queries.EXEMPT: _l("Được miễn"),
}
PER_PAGE = 50


def status_label(status: str) -> str:
    return str(STATUS_LABELS[status])


@bp.app_template_global("plans_home")
def plans_home():
    """The cadre's block on the home page (templates/home.html includes plans/_home.html)."""
    if not current_user.is_authenticated or current_user.cadre is None:
        return None
    return queries.home_block(current_user.cadre)


@bp.app_template_global("plans_status_label")
def _status_label_global(status: str) -> str:
    return status_label(status)


# -- plans -------------------------------------------------------------------------------------------

@bp.route("/plans/")
@login_required
def index():
    require("plans.list")
    plans = queries.visible_plans(current_user)
    # the courses by title, as the plan's and the assignment's pages name them (a code such as
    # KIEM-TRA-TAI-CHINH is the trainers' name for a course, not the admins')
    titles = queries.course_titles({c.id for plan in plans for a in plan.assignments for c in a.courses})
    return render_template("plans/index.html", plans=plans, titles=titles, can_create=can(current_user, "plans.create"))


def _plan_form_choices(form: PlanForm) -> None:
    form.units.choices = choices(unit_choices(current_user))
    form.tracks.choices = choices([(t.id, local_name(t)) for t in db.session.scalars(select(Track).order_by(Track.position))])
    titles = choices([(t.id, local_name(t)) for t in db.session.scalars(select(TitleType).order_by(TitleType.rank))])
    form.titles.choices = titles
    form.planned_titles.choices = titles


def _plan_data(form: PlanForm) -> operations.PlanData:
    def load(model, ids):
        return list(db.session.scalars(select(model).where(model.id.in_(ids)))) if ids else []

    return operations.PlanData(
        name=form.name.data or "", units=load(Unit, form.units.data), tracks=load(Track, form.tracks.data),
        titles=load(TitleType, form.titles.data), employment=form.employment.data or "",
        new_within_months=form.new_within_months.data, planned_titles=load(TitleType, form.planned_titles.data),
    )


@bp.route("/plans/new", methods=["GET", "POST"])
@login_required
def create():
    require("plans.create")
    form = PlanForm()
    _plan_form_choices(form)
    preview = None
    if form.validate_on_submit():
        data = _plan_data(form)
        try:
            operations.check_plan(data, current_user)
            if request.form.get("action") == "preview":
                rule = operations.rule_for(data, current_user)
                day = queries.today()
                preview = {"count": queries.count_members(rule, day), "members": queries.first_members(rule, day)}
            else:
                plan = operations.create_plan(data, current_user)
                flash(_("Đã tạo kế hoạch %(name)s. Hãy giao khóa học cho đối tượng này.", name=plan.name), "success")
                return redirect(url_for(".show", plan_id=plan.id))
        except ValidationError as exc:
            exc.apply_to(form)
    return render_template("plans/form.html", form=form, preview=preview)


def _plan_or_404(plan_id: int) -> Plan:
    plan = db.get_or_404(Plan, plan_id)
    require("plans.view", plan)
    return plan


@bp.route("/plans/<int:plan_id>")
@login_required
def show(plan_id: int):
    plan = _plan_or_404(plan_id)
    rule = queries.Rule.of(plan)
    day = queries.today()
    return render_template(
        "plans/show.html", plan=plan, count=queries.count_members(rule, day, current_user),
        members=queries.first_members(rule, day, current_user), titles=queries.course_titles(
            [c.id for a in plan.assignments for c in a.courses]),
        can_manage=can(current_user, "plans.manage", plan),
    )


def _course_choices() -> list[tuple[int, str]]:
    """Courses with a published version, by title (one query)."""
    rows = db.session.execute(
        select(Course.id, Course.code, CourseVersion.title).join(CourseVersion, CourseVersion.course_id == Course.id)
        .where(CourseVersion.status == PUBLISHED).order_by(CourseVersion.title)
    ).all()
    return [(cid, f"{title} ({code})") for cid, code, title in rows]


@bp.route("/plans/<int:plan_id>/assignments/new", methods=["GET", "POST"])
@login_required
def new_assignment(plan_id: int):
    plan = _plan_or_404(plan_id)
    require("plans.manage", plan)
    form = AssignmentForm()
    form.courses.choices = choices(_course_choices())
    if form.validate_on_submit():
        fixed = form.due_kind.data == "fixed"
        data = operations.AssignmentData(
            courses=list(db.session.scalars(select(Course).where(Course.id.in_(form.courses.data)))),
            due_on=form.due_on.data if fixed else None, due_days=None if fixed else form.due_days.data,
            cycle_years=form.cycle_years.data, note=form.note.data or "",
        )
        try:
            assignment = operations.create_assignment(plan, data, current_user)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã giao khóa học."), "success")
            return redirect(url_for(".assignment", assignment_id=assignment.id))
    return render_template("plans/assignment_form.html", form=form, plan=plan)


def _assignment_or_404(assignment_id: int) -> Assignment:
    assignment = db.get_or_404(Assignment, assignment_id)
    require("plans.view", assignment.plan)
    return assignment


@bp.route("/plans/assignments/<int:assignment_id>")
@login_required
def assignment(assignment_id: int):
    assignment = _assignment_or_404(assignment_id)
    report = queries.assignment_report(assignment, user=current_user)
    status = request.args.get("status", "")
    rows = [r for r in report.rows if r.status == status] if status in queries.STATUSES else report.rows
    page_number = max(1, request.args.get("page", 1, type=int) or 1)
    page = Page(rows[(page_number - 1) * PER_PAGE: page_number * PER_PAGE], page_number, PER_PAGE, len(rows),
                {"assignment_id": assignment.id, **({"status": status} if status else {})})
    return render_template(
        "plans/assignment.html", assignment=assignment, plan=assignment.plan, counts=report.counts(), page=page,
        status=status, statuses=queries.STATUSES, titles=queries.course_titles([c.id for c in assignment.courses]),
        form=ExemptionForm(), action_form=ActionForm(), can_exempt=lambda cadre: can(current_user, "plans.exempt", cadre),
        # the forms lead back to this filter and page
        back={**({"status": status} if status in queries.STATUSES else {}), **({"page": page_number} if page_number > 1 else {})},
    )


def _cadre_or_404(cadre_id) -> Cadre:
    try:
        cadre = db.session.get(Cadre, int(cadre_id))
    except (TypeError, ValueError):
        cadre = None
    if cadre is None:
        abort(404)
    return cadre


def _back_to_assignment(assignment: Assignment):
    """The assignment's page the form was sent from: its status filter and page, which the forms' URLs
    carry (an exemption on page 3 of the overdue cadres led back to page 1 of all of them)."""
    status = request.args.get("status", "")
    page = request.args.get("page", 1, type=int) or 1
    return redirect(url_for(".assignment", assignment_id=assignment.id,
                            **({"status": status} if status in queries.STATUSES else {}),
                            **({"page": page} if page > 1 else {})))


@bp.route("/plans/assignments/<int:assignment_id>/exemptions", methods=["POST"])
@login_required
def exempt(assignment_id: int):
    assignment = _assignment_or_404(assignment_id)
    require("plans.exempt")
    form = ExemptionForm()
    if not form.validate_on_submit() and "cadre_id" in form.errors:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return _back_to_assignment(assignment)
    cadre = _cadre_or_404(form.cadre_id.data)
    require("plans.exempt", cadre)
    try:
        if form.errors:
            raise ValidationError({name: " ".join(str(e) for e in errors) for name, errors in form.errors.items()})
        operations.exempt(assignment, cadre, form.reason.data, current_user)
    except ValidationError as exc:
        # among fifty rows, say whose exemption was refused
        flash(_("Chưa miễn cho %(name)s: %(message)s", name=cadre.full_name, message=" ".join(exc.errors.values())),
              "error")
    else:
        flash(_("Đã miễn cho %(name)s.", name=cadre.full_name), "success")
    return _back_to_assignment(assignment)


@bp.route("/plans/assignments/<int:assignment_id>/exemptions/<int:cadre_id>/delete", methods=["POST"])
@login_required
def unexempt(assignment_id: int, cadre_id: int):
    assignment = _assignment_or_404(assignment_id)
    cadre = _cadre_or_404(cadre_id)
    require("plans.exempt", cadre)
    if ActionForm().validate_on_submit() and operations.remove_exemption(assignment, cadre):
        flash(_("Đã bỏ miễn cho %(name)s.", name=cadre.full_name), "success")
    return _back_to_assignment(assignment)


# -- the outbox --------------------------------------------------------------------------------------

@bp.route("/plans/outbox")
@login_required
def outbox():
    require("plans.outbox")
    return render_template("plans/outbox.html", messages=queries.failed_messages(current_user), form=ActionForm(),
                           error_kind=mail.error_kind, technical=can(current_user, "plans.outbox_details"))


@bp.route("/plans/outbox/<int:message_id>/resend", methods=["POST"])
@login_required
def resend(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    require("plans.resend", message)
    if ActionForm().validate_on_submit():
        operations.resend(message)
        flash(_("Thư sẽ được gửi lại trong lần chạy tới của lệnh gửi thư."), "success")
    return redirect(url_for(".outbox"))


# -- notifications -----------------------------------------------------------------------------------

@bp.route("/notifications")
@login_required
def notifications():
    require("notifications.view")
    return render_template("plans/notifications.html", items=queries.notifications_of(current_user),
                           unread=queries.unread_count(current_user), form=ActionForm())


@bp.route("/notifications/read", methods=["POST"])
@login_required
def read_notifications():
    require("notifications.view")
    if ActionForm().validate_on_submit():
        operations.mark_read(current_user)
    return redirect(url_for(".notifications"))
