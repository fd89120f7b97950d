"""Pages of the organisation tree. Views are thin: they check policy, validate forms, call operations."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.forms import choices
from lms.core.i18n import _, local_name
from lms.core.policy import can, require
from lms.orgs import operations, queries
from lms.orgs.forms import DissolveForm, MergeForm, MoveForm, RenameForm, TrackForm, UnitForm
from lms.orgs.models import Track, Unit, UnitLevel

bp = Blueprint("orgs", __name__, url_prefix="/units", template_folder="templates")


def _unit_or_404(unit_id: int) -> Unit:
    return db.get_or_404(Unit, unit_id)


def _track_choices():
    return [(0, _("Không xác định"))] + [(t.id, local_name(t)) for t in queries.tracks()]


def _forms(unit: Unit, track_choices=None, **given):
    forms = {
        "rename": given.get("rename") or RenameForm(prefix="rename", name=unit.name),
        "retrack": given.get("retrack") or TrackForm(prefix="retrack", track=unit.track_id or 0),
        "move": given.get("move") or MoveForm(prefix="move"),
        "merge": given.get("merge") or MergeForm(prefix="merge"),
        "dissolve": given.get("dissolve") or DissolveForm(prefix="dissolve"),
    }
    forms["retrack"].track.choices = choices(track_choices if track_choices is not None else _track_choices())
    units = queries.ranked_unit_choices(current_user, exclude=unit)
    absorbing = unit.parent_id if queries.has_active_children(unit) else None
    # Only the units the operation accepts: a new parent above the unit (not the one it has: a union
    # admin whose subtree holds no other was offered only that, which the move refuses), a merge target
    # at its level or, for a unit with sub-units, its own parent (which then takes them and its cadres).
    forms["move"].parent.choices = choices([(i, label) for i, label, rank in units
                                            if rank < unit.level.rank and i != unit.parent_id])
    forms["merge"].target.choices = choices([(i, label) for i, label, rank in units
                                             if rank == unit.level.rank or i == absorbing])
    return forms


def _render_unit(unit: Unit, status: int = 200, **given):
    has_lower_level = any(level.rank > unit.level.rank for level in queries.levels())
    track_choices = _track_choices()  # the retrack form's choices, and the names of the history's tracks
    return render_template(
        "orgs/unit.html", unit=unit, detail=queries.unit_detail(unit), forms=_forms(unit, track_choices, **given),
        has_lower_level=has_lower_level, track_names=dict(track_choices),
    ), status


@bp.route("/")
@login_required
def index():
    require("orgs.list")
    q = request.args.get("q", "").strip()
    if q:
        return render_template("orgs/index.html", q=q, results=queries.search_units(current_user, q), roots=None)
    return render_template("orgs/index.html", q="", results=None, roots=queries.tree(current_user))


@bp.route("/<int:unit_id>")
@login_required
def show(unit_id: int):
    unit = _unit_or_404(unit_id)
    require("orgs.view", unit)
    return _render_unit(unit)


@bp.route("/<int:unit_id>/children/new", methods=["GET", "POST"])
@login_required
def create_child(unit_id: int):
    parent = _unit_or_404(unit_id)
    require("orgs.create_child", parent)
    form = UnitForm(track=parent.track_id or 0)
    lower = [lv for lv in queries.levels() if lv.rank > parent.level.rank]
    form.level.choices = choices([(lv.id, local_name(lv)) for lv in lower])
    form.track.choices = choices(_track_choices())
    if form.validate_on_submit():
        try:
            unit = operations.create_unit(
                code=form.code.data, name=form.name.data, level=db.session.get(UnitLevel, form.level.data),
                parent=parent, track=db.session.get(Track, form.track.data) if form.track.data else None,
                active_from=form.active_from.data, actor_id=current_user.id,
            )
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã tạo đơn vị %(name)s.", name=unit.name), "success")
            return redirect(url_for(".show", unit_id=unit.id))
    return render_template("orgs/new.html", parent=parent, form=form)


def _restructure(unit_id: int, key: str, form_class, action: str, run):
    unit = _unit_or_404(unit_id)
    require(action, unit)
    form = form_class(prefix=key)
    _forms(unit, **{key: form})  # fills the select boxes' choices, which validation checks
    if form.validate_on_submit():
        try:
            message = run(unit, form)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(message, "success")
            return redirect(url_for(".show", unit_id=unit.id))
    return _render_unit(unit, 422, **{key: form})


@bp.route("/<int:unit_id>/rename", methods=["POST"])
@login_required
def rename(unit_id: int):
    def run(unit, form):
        operations.rename_unit(unit, form.name.data, form.effective_on.data, current_user.id)
        return _("Đã đổi tên đơn vị.")

    return _restructure(unit_id, "rename", RenameForm, "orgs.edit", run)


@bp.route("/<int:unit_id>/track", methods=["POST"])
@login_required
def retrack(unit_id: int):
    def run(unit, form):
        operations.set_track(unit, db.session.get(Track, form.track.data) if form.track.data else None,
                             form.effective_on.data, current_user.id)
        return _("Đã đổi khu vực của đơn vị.")

    return _restructure(unit_id, "retrack", TrackForm, "orgs.edit", run)


@bp.route("/<int:unit_id>/move", methods=["POST"])
@login_required
def move(unit_id: int):
    def run(unit, form):
        new_parent = db.session.get(Unit, form.parent.data)
        if new_parent is None or not can(current_user, "orgs.create_child", new_parent):
            raise ValidationError({"parent": _("Bạn không quản lý đơn vị đích này.")})
        operations.move_unit(unit, new_parent, form.effective_on.data, current_user.id)
        return _("Đã chuyển đơn vị sang %(name)s.", name=new_parent.name)

    return _restructure(unit_id, "move", MoveForm, "orgs.restructure", run)


@bp.route("/<int:unit_id>/merge", methods=["POST"])
@login_required
def merge(unit_id: int):
    def run(unit, form):
        target = db.session.get(Unit, form.target.data)
        if target is None or not can(current_user, "orgs.edit", target):
            raise ValidationError({"target": _("Bạn không quản lý đơn vị đích này.")})
        operations.merge_unit(unit, target, form.effective_on.data, current_user.id)
        return _("Đã sáp nhập vào %(name)s.", name=target.name)

    return _restructure(unit_id, "merge", MergeForm, "orgs.restructure", run)


@bp.route("/<int:unit_id>/dissolve", methods=["POST"])
@login_required
def dissolve(unit_id: int):
    def run(unit, form):
        operations.dissolve_unit(unit, form.effective_on.data, current_user.id, form.note.data or "")
        return _("Đã ghi nhận giải thể đơn vị.")

    return _restructure(unit_id, "dissolve", DissolveForm, "orgs.restructure", run)
