"""Account administration: federation admins manage every login, union admins the cadre logins of their subtree."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from lms.accounts import operations
from lms.accounts.forms import UserForm
from lms.accounts.models import ROLE_CADRE, ROLES, User
from lms.cadres.models import Cadre, cadre_code
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.forms import choices
from lms.core.forms import ActionForm
from lms.core.i18n import _, _l
from lms.core.policy import can, is_federation_admin, require
from lms.orgs.models import Unit

bp = Blueprint("accounts_admin", __name__, url_prefix="/accounts", template_folder="templates")

ROLE_LABELS = {
    "cadre": _l("Cán bộ"), "trainer": _l("Giảng viên"),
    "union_admin": _l("Quản trị công đoàn"), "federation_admin": _l("Quản trị Liên đoàn"),
}


def _visible_users():
    query = select(User).options(joinedload(User.unit), joinedload(User.cadre).joinedload(Cadre.unit)).order_by(User.username)
    if not is_federation_admin(current_user):
        query = query.join(Cadre, Cadre.id == User.cadre_id).join(Unit, Unit.id == Cadre.unit_id).where(
            User.role == ROLE_CADRE, Unit.path.startswith(current_user.unit.path)
        )
    return db.session.scalars(query).unique().all()


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    require("users.manage")
    form = UserForm()
    roles = ROLES if is_federation_admin(current_user) else (ROLE_CADRE,)
    form.role.choices = choices([(r, str(ROLE_LABELS[r])) for r in roles])
    if form.validate_on_submit():
        try:
            if form.role.data not in roles:
                raise ValidationError({"role": _("Bạn không được tạo tài khoản với vai trò này.")})
            if not is_federation_admin(current_user):
                cadre = db.session.scalar(select(Cadre).where(Cadre.code == cadre_code(form.cadre_code.data)))
                if cadre is None or not can(current_user, "cadres.edit", cadre):
                    raise ValidationError({"cadre_code": _("Vui lòng nhập mã một cán bộ thuộc đơn vị bạn quản lý.")})
            user = operations.create_user(form.username.data, form.password.data, form.role.data,
                                          form.unit_code.data or None, form.cadre_code.data or None)
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã tạo tài khoản %(name)s.", name=user.username), "success")
            return redirect(url_for(".index"))
    return render_template("accounts/users.html", users=_visible_users(), form=form, labels=ROLE_LABELS, action_form=ActionForm())


@bp.route("/<int:user_id>/unlock", methods=["POST"])
@login_required
def unlock(user_id: int):
    user = db.get_or_404(User, user_id)
    require("users.manage", user)
    if ActionForm().validate_on_submit():
        user.failed_logins = 0
        user.locked_until = None
        flash(_("Đã mở khóa tài khoản %(name)s.", name=user.username), "success")
    return redirect(url_for(".index"))


__all__ = ["bp", "or_"]
