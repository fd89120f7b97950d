"""Writes on accounts. Operations validate, change, flush; the caller commits."""
from __future__ import annotations

import secrets

from sqlalchemy import select

from lms.accounts.models import ROLE_UNION_ADMIN, ROLES, User
from lms.cadres.models import Cadre
from lms.cadres.models import cadre_code as normal_cadre_code
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.i18n import _l
from lms.core.text import nfc
from lms.orgs.models import Unit


def create_user(username: str, password: str, role: str, unit_code: str | None = None, cadre_code: str | None = None) -> User:
    """Create a login. A union admin needs a unit (their scope); a cadre code links the login to a cadre."""
    errors: dict[str, str] = {}
    username = (username or "").strip().lower()
    if not username or len(username) < 3 or not all(c.isalnum() or c in "._-" for c in username):
        errors["username"] = str(_l("Tên đăng nhập cần từ 3 ký tự, chỉ gồm chữ, số và . _ -"))
    elif db.session.scalar(select(User.id).where(User.username == username)):
        errors["username"] = str(_l("Tên đăng nhập %(name)s đã có.", name=username))
    if role not in ROLES:
        errors["role"] = str(_l("Vai trò không hợp lệ: %(role)s (chọn một trong %(roles)s).", role=role, roles=", ".join(ROLES)))
    if len(password or "") < 8:
        errors["password"] = str(_l("Mật khẩu cần ít nhất 8 ký tự."))
    unit = None
    if unit_code:
        # Codes are stored in capitals (a code stored before that rule is still found as it was typed).
        typed = nfc(unit_code).strip()
        unit = db.session.scalar(select(Unit).where(Unit.code == typed)) or \
            db.session.scalar(select(Unit).where(Unit.code == typed.upper()))
        if unit is None:
            errors["unit_code"] = str(_l("Không có đơn vị mã %(code)s.", code=typed))
        elif role == ROLE_UNION_ADMIN and not unit.is_active:  # a scope in which nothing can be done
            errors["unit_code"] = str(_l("Đơn vị %(name)s đã giải thể hoặc sáp nhập.", name=unit.name))
    elif role == ROLE_UNION_ADMIN:
        errors["unit_code"] = str(_l("Quản trị công đoàn cần một đơn vị."))
    cadre = None
    if cadre_code:
        cadre = db.session.scalar(select(Cadre).where(Cadre.code == normal_cadre_code(cadre_code)))
        if cadre is None:
            errors["cadre_code"] = str(_l("Không có cán bộ mã %(code)s.", code=cadre_code))
        elif db.session.scalar(select(User.id).where(User.cadre_id == cadre.id)):
            errors["cadre_code"] = str(_l("Cán bộ %(code)s đã có tài khoản.", code=cadre_code))
    if errors:
        raise ValidationError(errors)
    user = User(username=username, role=role, unit=unit, cadre=cadre, session_token=secrets.token_hex(16))
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def renew_session_token(user: User) -> None:
    """Invalidate every existing session of this user (logout everywhere, password change)."""
    user.session_token = secrets.token_hex(16)
