"""Pages for cadres: list and search, profile with history, create and edit."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts.queries import account_of_cadre
from lms.cadres import operations, queries
from lms.cadres.forms import CadreForm, EndPlanningForm, PlanningForm
from lms.cadres.models import Cadre, EducationLevel, Planning, PoliticalLevel, TitleType
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.forms import choices
from lms.core.i18n import _, local_name
from lms.core.policy import can, require
from lms.orgs.models import Track, Unit
from lms.orgs.queries import unit_choices

bp = Blueprint("cadres", __name__, url_prefix="/cadres", template_folder="templates")


@bp.route("/")
@login_required
def index():
    require("cadres.list")
    unit = None
    if request.args.get("unit", "").isdigit():
        unit = db.session.get(Unit, int(request.args["unit"]))
        if unit is None or not can(current_user, "orgs.view", unit):
            abort(404)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    q = request.args.get("q", "").strip()
    result = queries.list_cadres(current_user, q=q, unit=unit, page=page)
    return render_template("cadres/index.html", page=result, q=q, unit=unit)


@bp.route("/<int:cadre_id>")
@login_required
def show(cadre_id: int):
    cadre = queries.cadre_with_relations(cadre_id)
    if cadre is None:
        abort(404)
    require("cadres.view", cadre)
    return _show_page(cadre)


def _show_page(cadre: Cadre, planning_form: PlanningForm | None = None, failed_end: EndPlanningForm | None = None,
               failed_id: int | None = None, status: int = 200):
    """The cadre's page; a refused planning form comes back with what was typed and its errors."""
    account = account_of_cadre(cadre) if can(current_user, "users.manage") else None
    detail = queries.cadre_detail(cadre)
    editable = can(current_user, "cadres.edit", cadre)
    end_forms = {}
    if editable:
        if planning_form is None:
            planning_form = PlanningForm(formdata=None)
        _planning_choices(planning_form)
        end_forms = {p.id: failed_end if p.id == failed_id else EndPlanningForm(prefix=f"p{p.id}", formdata=None)
                     for p in detail["plannings"] if p.end_on is None}
    return render_template("cadres/show.html", cadre=cadre, detail=detail, account=account,
                           planning_form=planning_form if editable else None, end_forms=end_forms), status


def _planning_choices(form: PlanningForm) -> None:
    form.title_type.choices = choices([(t.id, local_name(t)) for t in db.session.scalars(select(TitleType).order_by(TitleType.rank))])


def _edited_cadre(cadre_id: int) -> Cadre:
    cadre = queries.cadre_with_relations(cadre_id)
    if cadre is None:
        abort(404)
    require("cadres.edit", cadre)
    return cadre


def _planning_of(cadre: Cadre, planning_id: int) -> Planning:
    planning = db.session.get(Planning, planning_id)
    if planning is None or planning.cadre_id != cadre.id:
        abort(404)
    return planning


@bp.route("/<int:cadre_id>/plannings", methods=["POST"])
@login_required
def add_planning(cadre_id: int):
    """Put the cadre in the pool planned for a title (quy hoạch)."""
    cadre = _edited_cadre(cadre_id)
    form = PlanningForm()
    _planning_choices(form)
    if form.validate_on_submit():
        try:
            planning = operations.add_planning(cadre, db.session.get(TitleType, form.title_type.data),
                                               form.start_on.data, form.term.data or "", form.note.data or "")
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã đưa %(name)s vào quy hoạch chức danh %(title)s.", name=cadre.full_name,
                    title=local_name(planning.title_type)), "success")
            return redirect(url_for(".show", cadre_id=cadre.id, _anchor="quy-hoach"))
    return _show_page(cadre, planning_form=form, status=400)


@bp.route("/<int:cadre_id>/plannings/<int:planning_id>/end", methods=["POST"])
@login_required
def end_planning(cadre_id: int, planning_id: int):
    """Take the cadre out of a pool on a day; the entry stays in the history."""
    cadre = _edited_cadre(cadre_id)
    planning = _planning_of(cadre, planning_id)
    form = EndPlanningForm(prefix=f"p{planning.id}")
    if form.validate_on_submit():
        try:
            operations.end_planning(planning, form.end_on.data)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã đưa %(name)s ra khỏi quy hoạch chức danh %(title)s.", name=cadre.full_name,
                    title=local_name(planning.title_type)), "success")
            return redirect(url_for(".show", cadre_id=cadre.id, _anchor="quy-hoach"))
    return _show_page(cadre, failed_end=form, failed_id=planning.id, status=400)


@bp.route("/<int:cadre_id>/plannings/<int:planning_id>/delete", methods=["POST"])
@login_required
def delete_planning(cadre_id: int, planning_id: int):
    """Remove an entry typed by mistake."""
    cadre = _edited_cadre(cadre_id)
    operations.delete_planning(_planning_of(cadre, planning_id))
    flash(_("Đã xóa mục quy hoạch nhập nhầm."), "success")
    return redirect(url_for(".show", cadre_id=cadre.id, _anchor="quy-hoach"))


def _choices(form: CadreForm, unplaced: bool = False) -> None:
    none = [(0, _("Chưa xác định"))]
    # A cadre whose unit was dissolved is placed again only in a unit the admin chooses: without this
    # first choice the select would show the first unit of the tree, and saving would move them there.
    form.unit.choices = choices(([(0, _("— Chọn đơn vị —"))] if unplaced else []) + unit_choices(current_user))
    form.titles.choices = choices([(t.id, local_name(t)) for t in db.session.scalars(select(TitleType).order_by(TitleType.rank))])
    form.education_level.choices = choices(none + [(e.id, local_name(e)) for e in db.session.scalars(select(EducationLevel).order_by(EducationLevel.rank))])
    form.political_level.choices = choices(none + [(p.id, local_name(p)) for p in db.session.scalars(select(PoliticalLevel).order_by(PoliticalLevel.rank))])
    form.track_override.choices = choices([(0, _("Theo đơn vị"))] + [(t.id, local_name(t)) for t in db.session.scalars(select(Track).order_by(Track.position))])


def _data(form: CadreForm) -> operations.CadreData:
    if not form.unit.data:
        raise ValidationError({"unit": _("Vui lòng chọn đơn vị.")})
    unit = db.session.get(Unit, form.unit.data)
    if unit is None or not can(current_user, "cadres.create", unit):
        raise ValidationError({"unit": _("Bạn không quản lý đơn vị này.")})
    titles = list(db.session.scalars(select(TitleType).where(TitleType.id.in_(form.titles.data or []))))
    return operations.CadreData(
        code=form.code.data, full_name=form.full_name.data, gender=form.gender.data, unit=unit,
        birth_date=form.birth_date.data, employment=form.employment.data,
        education_level=db.session.get(EducationLevel, form.education_level.data) if form.education_level.data else None,
        political_level=db.session.get(PoliticalLevel, form.political_level.data) if form.political_level.data else None,
        titles=titles, title_since=form.effective_on.data,
        track_override=db.session.get(Track, form.track_override.data) if form.track_override.data else None,
        email=form.email.data or "", phone=form.phone.data or "", term=form.term.data or "",
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    require("cadres.create")
    form = CadreForm()
    _choices(form)
    if form.validate_on_submit():
        try:
            cadre = operations.create_cadre(_data(form), form.effective_on.data)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã thêm cán bộ %(name)s.", name=cadre.full_name), "success")
            return redirect(url_for(".show", cadre_id=cadre.id))
    return render_template("cadres/form.html", form=form, cadre=None)


@bp.route("/<int:cadre_id>/edit", methods=["GET", "POST"])
@login_required
def edit(cadre_id: int):
    cadre = _edited_cadre(cadre_id)
    form = CadreForm(obj=cadre if request.method == "GET" else None)
    _choices(form, unplaced=cadre.unit_id is None)
    if request.method == "GET":
        form.unit.data = cadre.unit_id or 0
        form.titles.data = sorted(queries.held_title_ids(cadre))
        form.education_level.data = cadre.education_level_id or 0
        form.political_level.data = cadre.political_level_id or 0
        form.track_override.data = cadre.track_override_id or 0
    if form.validate_on_submit():
        try:
            if form.code.data != cadre.code:
                raise ValidationError({"code": _("Không đổi được mã cán bộ.")})
            data = _data(form)
            data.titles_stated = {t.id for t in data.titles} != queries.held_title_ids(cadre)  # boxes as they were
            operations.update_cadre(cadre, data, form.effective_on.data)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã lưu hồ sơ cán bộ."), "success")
            return redirect(url_for(".show", cadre_id=cadre.id))
    return render_template("cadres/form.html", form=form, cadre=cadre)


__all__ = ["bp", "Cadre"]
