"""Writes on accounts. Operations validate, change, flush; the caller commits.

Every change an administrator (or the command line) makes to an account is kept as an
:class:`~lms.accounts.models.AccountEvent`, shown on the account's page.
"""
from __future__ import annotations

import json
import secrets

from sqlalchemy import func, select

from lms.accounts.models import ROLE_FEDERATION_ADMIN, ROLE_UNION_ADMIN, ROLES, AccountEvent, User
from lms.cadres.models import Cadre
from lms.cadres.models import cadre_code as normal_cadre_code
from lms.core.auth import record_failure, throttle
from lms.core.db import db, utcnow
from lms.core.errors import ValidationError
from lms.core.i18n import _l
from lms.core.text import nfc
from lms.orgs.models import Unit

LAST_FEDERATION_ADMIN = _l("Đây là quản trị Liên đoàn cuối cùng đang hoạt động: hãy tạo hoặc mở một tài khoản "
                           "quản trị Liên đoàn khác trước.")
PASSWORD_MIN_LENGTH = 8
# Hashing a very long password is work an attacker chooses: refuse it before hashing.
PASSWORD_MAX_LENGTH = 200


def create_user(username: str, password: str, role: str, unit_code: str | None = None, cadre_code: str | None = None,
                *, must_change_password: bool = False, actor: User | None = None) -> User:
    """Create a login. A union admin needs a unit (their scope); a cadre code links the login to a cadre.

    ``must_change_password``: someone other than the user chose the password (an administrator in the
    browser), so the user must choose their own at their first log-in."""
    errors: dict[str, str] = {}
    username = (username or "").strip().lower()
    if not username or len(username) < 3 or not all(c.isalnum() or c in "._-" for c in username):
        errors["username"] = str(_l("Tên đăng nhập cần từ 3 ký tự, chỉ gồm chữ, số và . _ -"))
    elif db.session.scalar(select(User.id).where(User.username == username)):
        errors["username"] = str(_l("Tên đăng nhập %(name)s đã có.", name=username))
    password_error = _password_problem(password, username)
    if password_error:
        errors["password"] = password_error
    unit, cadre = _check_role_fields(errors, role, unit_code, cadre_code, None)
    if errors:
        raise ValidationError(errors)
    user = User(username=username, role=role, unit=unit, cadre=cadre, session_token=secrets.token_hex(16),
                must_change_password=must_change_password)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    _record(user, "created", actor, {"role": role, "unit": unit.code if unit else None,
                                     "cadre": cadre.code if cadre else None})
    return user


def _password_problem(password: str | None, username: str) -> str | None:
    """What is wrong with a new password, or None."""
    password = password or ""
    if len(password) < PASSWORD_MIN_LENGTH:
        return str(_l("Mật khẩu cần ít nhất %(n)s ký tự.", n=PASSWORD_MIN_LENGTH))
    if len(password) > PASSWORD_MAX_LENGTH:
        return str(_l("Mật khẩu dài quá %(n)s ký tự.", n=PASSWORD_MAX_LENGTH))
    if username and password.strip().lower() == username.strip().lower():
        return str(_l("Mật khẩu không được trùng tên đăng nhập."))
    return None


def _check_role_fields(errors: dict[str, str], role: str, unit_code: str | None, cadre_code: str | None,
                       user: User | None) -> tuple[Unit | None, Cadre | None]:
    """Check a role with its unit and cadre (for a new account, or ``user`` being changed); errors go into ``errors``."""
    if role not in ROLES:
        errors["role"] = str(_l("Vai trò không hợp lệ: %(role)s (chọn một trong %(roles)s).", role=role, roles=", ".join(ROLES)))
    unit = None
    typed = nfc(unit_code or "").strip()
    if typed:
        # Codes are stored in capitals (a code stored before that rule is still found as it was typed).
        unit = db.session.scalar(select(Unit).where(Unit.code == typed)) or \
            db.session.scalar(select(Unit).where(Unit.code == typed.upper()))
        if unit is None:
            errors["unit_code"] = str(_l("Không có đơn vị mã %(code)s.", code=typed))
        elif role == ROLE_UNION_ADMIN and not unit.is_active:  # a scope in which nothing can be done
            errors["unit_code"] = str(_l("Đơn vị %(name)s đã giải thể hoặc sáp nhập.", name=unit.name))
    elif role == ROLE_UNION_ADMIN:
        errors["unit_code"] = str(_l("Quản trị công đoàn cần một đơn vị."))
    cadre = None
    cadre_code = (cadre_code or "").strip()
    if cadre_code:
        cadre = db.session.scalar(select(Cadre).where(Cadre.code == normal_cadre_code(cadre_code)))
        if cadre is None:
            errors["cadre_code"] = str(_l("Không có cán bộ mã %(code)s.", code=cadre_code))
        else:
            holder = db.session.scalar(select(User.id).where(User.cadre_id == cadre.id))
            if holder is not None and (user is None or holder != user.id):
                errors["cadre_code"] = str(_l("Cán bộ %(code)s đã có tài khoản.", code=cadre_code))
    return unit, cadre


def renew_session_token(user: User) -> None:
    """Invalidate every existing session of this user (logout everywhere, password change)."""
    user.session_token = secrets.token_hex(16)


def change_own_password(user: User, current: str, new: str) -> None:
    """The user chooses a new password, proving the current one. Their other sessions end; the caller
    logs the current one in again under the new session token. Wrong current passwords slow the account
    down and lock it as failed log-ins do (a session left open on a shared computer must not be a way to
    guess the password); the caller commits that count with the refusal."""
    now = utcnow()
    throttled = throttle(user, now)
    if throttled is not None:
        raise ValidationError({"current": throttled.error})
    if not user.check_password(current or ""):
        record_failure(user, now)
        raise ValidationError({"current": str(_l("Mật khẩu hiện tại không đúng."))})
    problem = _password_problem(new, user.username)
    if problem is None and user.check_password(new):
        problem = str(_l("Mật khẩu mới phải khác mật khẩu hiện tại."))
    if problem:
        raise ValidationError({"new": problem})
    user.set_password(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    renew_session_token(user)
    _record(user, "password_changed", user)


def reset_password(user: User, new: str, actor: User | None, *, must_change: bool = True) -> None:
    """An administrator (``actor``; None: the command line) sets a new password: the account's sessions
    end, a lock-out is lifted, and (``must_change``) the user must choose their own at the next log-in."""
    if actor is not None and actor.id == user.id:
        raise ValidationError({"password": str(_l("Hãy đổi mật khẩu của bạn ở trang Tài khoản của tôi."))})
    problem = _password_problem(new, user.username)
    if problem:
        raise ValidationError({"password": problem})
    user.set_password(new)
    user.must_change_password = must_change
    _lift_lock(user)
    renew_session_token(user)
    _record(user, "password_reset", actor)


def set_enabled(user: User, enabled: bool, actor: User | None) -> None:
    """Disable an account (it can no longer log in and its open sessions end at once) or enable it again.

    Nobody disables their own account, and the last enabled federation admin stays enabled: the
    province would otherwise have nobody to manage it from the browser."""
    if user.is_enabled == enabled:
        return
    if not enabled:
        if actor is not None and actor.id == user.id:
            raise ValidationError(str(_l("Bạn không thể khóa tài khoản của chính mình.")))
        if _is_last_federation_admin(user):
            raise ValidationError(str(LAST_FEDERATION_ADMIN))
        renew_session_token(user)
    user.is_enabled = enabled
    _record(user, "enabled" if enabled else "disabled", actor)


def unlock(user: User, actor: User | None) -> None:
    """Lift a lock-out after failed log-ins (the password stays)."""
    _lift_lock(user)
    _record(user, "unlocked", actor)


def _lift_lock(user: User) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.last_failed_at = None


def update_account(user: User, role: str, unit_code: str | None, cadre_code: str | None, actor: User | None) -> bool:
    """Change an account's role, its unit (a union admin's scope) and the cadre it belongs to. True when
    something changed. Nobody changes their own role, and the last enabled federation admin keeps it."""
    errors: dict[str, str] = {}
    unit, cadre = _check_role_fields(errors, role, unit_code, cadre_code, user)
    if not errors and role != user.role:
        if actor is not None and actor.id == user.id:
            errors["role"] = str(_l("Bạn không thể đổi vai trò của chính mình."))
        elif _is_last_federation_admin(user):
            errors["role"] = str(LAST_FEDERATION_ADMIN)
    if errors:
        raise ValidationError(errors)
    before = {"role": user.role, "unit": user.unit.code if user.unit else None,
              "cadre": user.cadre.code if user.cadre else None}
    after = {"role": role, "unit": unit.code if unit else None, "cadre": cadre.code if cadre else None}
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if not changes:
        return False
    user.role, user.unit, user.cadre = role, unit, cadre
    db.session.flush()
    _record(user, "changed", actor, changes)
    return True


def _is_last_federation_admin(user: User) -> bool:
    """Whether ``user`` is the only enabled federation admin (whom the province cannot do without)."""
    if user.role != ROLE_FEDERATION_ADMIN or not user.is_enabled:
        return False
    return not db.session.scalar(select(func.count(User.id)).where(
        User.role == ROLE_FEDERATION_ADMIN, User.is_enabled.is_(True), User.id != user.id))


def _record(user: User, kind: str, actor: User | None, detail: dict | None = None) -> None:
    db.session.add(AccountEvent(user_id=user.id, actor_id=actor.id if actor is not None else None, kind=kind,
                                detail=json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else "",
                                at=utcnow()))
