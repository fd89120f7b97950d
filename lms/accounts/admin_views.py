"""Account administration: federation admins manage every login, union admins the cadre logins of their subtree.

Cadres change often: an administrator finds an account, gives its user a temporary password (which
they must change at their next log-in), disables the account of someone who left (their open sessions
end at once), enables it again, lifts a lock-out; a federation admin also changes a role, a union
admin's unit or the cadre an account belongs to. Each change is kept on the account's page.
"""
from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts import operations, queries
from lms.accounts.forms import AccountForm, PasswordResetForm, UserForm
from lms.accounts.models import ROLE_CADRE, ROLE_LABELS, ROLES, User
from lms.cadres.models import Cadre, cadre_code
from lms.core.db import db, utcnow
from lms.core.errors import ValidationError
from lms.core.forms import ActionForm, choices
from lms.core.i18n import _, pgettext
from lms.core.policy import can, is_federation_admin, require

bp = Blueprint("accounts_admin", __name__, url_prefix="/accounts", template_folder="templates")


@bp.app_template_global("role_label")
def role_label(role: str) -> str:
    label = ROLE_LABELS.get(role)
    return str(label) if label is not None else role


@bp.app_template_global("status_label")
def status_label(status: str) -> str:
    return {"enabled": _("Đang hoạt động"), "disabled": _("Đã khóa"), "locked": _("Tạm khóa do đăng nhập sai"),
            "must_change": _("Chờ đổi mật khẩu")}.get(status, status)


@bp.app_template_global("event_label")
def event_label(kind: str) -> str:
    return {"created": _("Tạo tài khoản"), "password_changed": _("Người dùng đổi mật khẩu"),
            "password_reset": _("Đặt mật khẩu tạm thời"), "disabled": _("Khóa tài khoản"),
            "enabled": _("Mở lại tài khoản"), "unlocked": _("Mở khóa đăng nhập sai"),
            "changed": _("Đổi vai trò hoặc liên kết")}.get(kind, kind)


@bp.app_template_filter("event_detail")
def _event_detail(detail: str) -> list[tuple[str, str, str]]:
    """An account event's changes as (what, before, after), labelled in the page's language."""
    if not detail:
        return []
    names = {"role": _("Vai trò"), "unit": _("Đơn vị"), "cadre": pgettext("person", "Cán bộ")}
    rows = []
    for key, value in json.loads(detail).items():
        before, after = value if isinstance(value, list) else (None, value)
        if before is None and after is None:  # an account created without a unit or a cadre
            continue
        if key == "role":
            before, after = (role_label(v) if v else None for v in (before, after))
        rows.append((names.get(key, key), before or "–", after or "–"))
    return rows


def _roles_for_viewer() -> tuple[str, ...]:
    return ROLES if is_federation_admin(current_user) else (ROLE_CADRE,)


def _role_choices(roles: tuple[str, ...]):
    return choices([(r, role_label(r)) for r in roles])


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    require("users.manage")
    form = UserForm()
    roles = _roles_for_viewer()
    form.role.choices = _role_choices(roles)
    if form.validate_on_submit():
        try:
            if form.role.data not in roles:
                raise ValidationError({"role": _("Bạn không được tạo tài khoản với vai trò này.")})
            if not is_federation_admin(current_user):
                cadre = db.session.scalar(select(Cadre).where(Cadre.code == cadre_code(form.cadre_code.data)))
                if cadre is None or not can(current_user, "cadres.edit", cadre):
                    raise ValidationError({"cadre_code": _("Vui lòng nhập mã một cán bộ thuộc đơn vị bạn quản lý.")})
            user = operations.create_user(form.username.data, form.password.data, form.role.data,
                                          form.unit_code.data or None, form.cadre_code.data or None,
                                          must_change_password=True, actor=current_user)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã tạo tài khoản %(name)s. Người dùng sẽ phải đổi mật khẩu khi đăng nhập lần đầu.",
                    name=user.username), "success")
            return redirect(url_for(".show", user_id=user.id))
    wanted = request.args.get("cadre", "").strip()  # "Tạo tài khoản đăng nhập" on a cadre's page
    if wanted and not form.is_submitted():
        form.cadre_code.data = wanted
        form.role.data = ROLE_CADRE
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    status = request.args.get("status", "")
    page = queries.list_users(current_user, q, role, status, request.args.get("page", 1, type=int))
    return render_template("accounts/users.html", page=page, form=form, q=q, role=role, status=status,
                           roles=roles, statuses=queries.STATUSES, now=utcnow(), create_open=bool(form.errors or wanted))


def _managed(user_id: int) -> User:
    user = queries.account(user_id) or abort(404)
    require("users.manage", user)
    return user


def _show(user: User, *, reset_form=None, account_form=None, status=200):
    if account_form is None:
        account_form = AccountForm(formdata=None, data={"role": user.role, "unit_code": user.unit.code if user.unit else "",
                                         "cadre_code": user.cadre.code if user.cadre else ""})
    account_form.role.choices = _role_choices(ROLES)
    return render_template("accounts/user.html", user=user, events=queries.events(user), now=utcnow(),
                           reset_form=reset_form or PasswordResetForm(formdata=None), account_form=account_form,
                           action_form=ActionForm(), is_self=user.id == current_user.id), status


@bp.route("/<int:user_id>")
@login_required
def show(user_id: int):
    return _show(_managed(user_id))


@bp.route("/<int:user_id>/password", methods=["POST"])
@login_required
def reset_password(user_id: int):
    user = _managed(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            operations.reset_password(user, form.password.data, current_user)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã đặt mật khẩu tạm thời cho %(name)s. Các phiên đăng nhập của tài khoản đã kết thúc; "
                    "người dùng phải đổi mật khẩu khi đăng nhập.", name=user.username), "success")
            return redirect(url_for(".show", user_id=user.id))
    return _show(user, reset_form=form, status=422)


@bp.route("/<int:user_id>/edit", methods=["POST"])
@login_required
def edit(user_id: int):
    user = _managed(user_id)
    require("users.manage_all", user)
    form = AccountForm()
    form.role.choices = _role_choices(ROLES)
    if form.validate_on_submit():
        try:
            changed = operations.update_account(user, form.role.data, form.unit_code.data, form.cadre_code.data,
                                                current_user)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã lưu tài khoản %(name)s.", name=user.username) if changed else _("Không có gì thay đổi."),
                  "success" if changed else "info")
            return redirect(url_for(".show", user_id=user.id))
    return _show(user, account_form=form, status=422)


def _status_action(user_id: int, change, done):
    """A one-button change of ``user_id`` (``change(user)``); ``done(username)`` says it was made."""
    user = _managed(user_id)
    if ActionForm().validate_on_submit():
        try:
            change(user)
        except ValidationError as exc:
            flash(" ".join(exc.errors.values()), "error")
        else:
            flash(done(user.username), "success")
    return redirect(url_for(".show", user_id=user.id))


@bp.route("/<int:user_id>/disable", methods=["POST"])
@login_required
def disable(user_id: int):
    return _status_action(user_id, lambda user: operations.set_enabled(user, False, current_user),
                          lambda name: _("Đã khóa tài khoản %(name)s: không đăng nhập được nữa, các phiên đang mở "
                                         "đã kết thúc.", name=name))


@bp.route("/<int:user_id>/enable", methods=["POST"])
@login_required
def enable(user_id: int):
    return _status_action(user_id, lambda user: operations.set_enabled(user, True, current_user),
                          lambda name: _("Đã mở lại tài khoản %(name)s.", name=name))


@bp.route("/<int:user_id>/unlock", methods=["POST"])
@login_required
def unlock(user_id: int):
    return _status_action(user_id, lambda user: operations.unlock(user, current_user),
                          lambda name: _("Đã mở khóa tài khoản %(name)s.", name=name))
