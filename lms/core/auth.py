"""Flask-Login wiring and login throttling."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cache

from flask import Flask, current_app, has_request_context, request
from flask_login import LoginManager
from sqlalchemy import select

from lms.core.db import db, utcnow, write_columns
from lms.core.i18n import _l

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(identity: str):
    user_id, _, token = identity.partition(":")
    if not user_id.isdigit():
        return None
    statement = _user_row_statement() if _view_needs_login_row_only() else _user_statement()
    user = db.session.execute(statement, {"id": int(user_id)}).unique().scalar_one_or_none()
    if user is None or user.session_token != token or not user.is_enabled:
        return None
    return user


def login_row_only(view):
    """Mark a view that needs nothing of the login but its own row (who is asking, their role and cadre id),
    such as the quiz's autosave, which thousands of cadres call at once: its request loads the user
    without the cadre and units that every page joins (0,3 ms of CPU a request). Whatever else the view
    touches (``current_user.cadre``) still loads when it is read."""
    view.login_row_only = True
    return view


def _view_needs_login_row_only() -> bool:
    if not has_request_context() or request.endpoint is None:
        return False
    return getattr(current_app.view_functions.get(request.endpoint), "login_row_only", False)


@cache
def _user_row_statement():
    """The login alone, for the views marked :func:`login_row_only` (built once, as :func:`_user_statement`)."""
    from sqlalchemy import bindparam

    from lms.accounts.models import User

    return select(User).where(User.id == bindparam("id"))


@cache
def _user_statement():
    """Every page reads the login with its cadre, the cadre's unit and track, the admin's unit and the
    count of unread notifications (the header's "Thông báo (2)"): one statement, built once (built with its
    loader options at every request, it was 3 % of a learner page's instructions under callgrind). The units' levels, joined wherever else a unit is loaded,
    are left to the few pages that show them: two more joined rows cost every request a third of
    this statement's CPU (0,4 of 1,3 ms, measured in-process on PostgreSQL)."""
    from sqlalchemy import bindparam, func
    from sqlalchemy.orm import joinedload, with_expression

    from lms.accounts.models import User
    from lms.cadres.models import Cadre
    from lms.orgs.models import Unit
    from lms.plans.models import Notification

    cadre = joinedload(User.cadre)
    unread = (select(func.count(Notification.id))
              .where(Notification.user_id == User.id, Notification.read_at.is_(None)).scalar_subquery())
    return (select(User)
            .options(cadre.joinedload(Cadre.unit).lazyload(Unit.level), cadre.joinedload(Cadre.track_override),
                     joinedload(User.unit).lazyload(Unit.level), with_expression(User.unread_notifications, unread))
            .where(User.id == bindparam("id")))


@dataclass
class LoginResult:
    user: object | None
    error: str | None = None
    wait_seconds: int = 0


def authenticate(username: str, password: str, now: dt.datetime | None = None) -> LoginResult:
    """Check a password with throttling: failures slow the account down, then lock it for a while.

    Counts are kept on the account row, so throttling holds across workers and restarts. The same
    message is given for an unknown user and a wrong password.
    """
    from lms.accounts.models import User

    now = now or utcnow()
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    generic = _l("Tên đăng nhập hoặc mật khẩu không đúng.")
    if user is None:
        return LoginResult(None, str(generic))
    throttled = throttle(user, now)
    if throttled is not None:
        return throttled
    if not user.is_enabled or not user.check_password(password):
        record_failure(user, now)
        return LoginResult(None, str(generic))
    write_columns(user, failed_logins=0, locked_until=None, last_failed_at=None, last_login_at=now)
    return LoginResult(user)


def throttle(user, now: dt.datetime) -> LoginResult | None:
    """A refusal while the account is locked, or must wait after failed passwords; None when it may try."""
    cfg = current_app.config
    if user.locked_until and user.locked_until > now:
        minutes = math.ceil((user.locked_until - now).total_seconds() / 60)
        return LoginResult(None, str(_l("Tài khoản tạm khóa do đăng nhập sai nhiều lần. Thử lại sau %(n)s phút.", n=minutes)), minutes * 60)
    if user.failed_logins >= cfg["LOGIN_SLOWDOWN_AFTER"] and user.last_failed_at:
        delay = min(2 ** (user.failed_logins - cfg["LOGIN_SLOWDOWN_AFTER"]), cfg["LOGIN_SLOWDOWN_MAX_SECONDS"])
        ready_at = user.last_failed_at + dt.timedelta(seconds=delay)
        if ready_at > now:
            seconds = math.ceil((ready_at - now).total_seconds())
            return LoginResult(None, str(_l("Đăng nhập sai nhiều lần. Vui lòng chờ %(n)s giây rồi thử lại.", n=seconds)), seconds)
    return None


def record_failure(user, now: dt.datetime) -> None:
    """A wrong password: count it, and lock the account for a while after too many."""
    cfg = current_app.config
    user.failed_logins += 1
    user.last_failed_at = now
    if user.failed_logins >= cfg["LOGIN_LOCK_AFTER"]:
        user.locked_until = now + dt.timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
        user.failed_logins = 0


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
