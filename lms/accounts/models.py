"""Login accounts. A cadre may exist without one; an account may be linked to a cadre."""
from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from lms.cadres.models import Cadre
from lms.core.db import UTCDateTime, db, utcnow
from lms.core.i18n import _l, lazy_pgettext
from lms.orgs.models import Unit

ROLE_CADRE = "cadre"
ROLE_TRAINER = "trainer"
ROLE_UNION_ADMIN = "union_admin"
ROLE_FEDERATION_ADMIN = "federation_admin"
ROLES = (ROLE_CADRE, ROLE_TRAINER, ROLE_UNION_ADMIN, ROLE_FEDERATION_ADMIN)
ROLE_LABELS = {
    ROLE_CADRE: lazy_pgettext("person", "Cán bộ"), ROLE_TRAINER: _l("Giảng viên"),
    ROLE_UNION_ADMIN: _l("Quản trị công đoàn"), ROLE_FEDERATION_ADMIN: _l("Quản trị Liên đoàn"),
}


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # scope of a union admin
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"), unique=True)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Bumped on password change or logout-everywhere; part of the session identity.
    session_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set when someone else chose the password (an account created or reset in the browser): the user
    # must choose their own before anything else (lms.accounts.views).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit | None] = relationship()
    cadre: Mapped[Cadre | None] = relationship()
    # Unread in-app notifications, counted in the statement that loads the login for a page (the header
    # shows it); None where that statement did not count them (views marked login_row_only).
    unread_notifications: Mapped[int | None] = query_expression()

    def set_password(self, password: str) -> None:
        from flask import current_app

        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_enabled

    def __repr__(self) -> str:
        return f"<User {self.username}>"



class AccountEvent(db.Model):
    """One change of an account. ``actor`` is None for the command line; ``detail`` holds plain data
    (role, unit and cadre codes before and after a change), which the page labels in its language."""

    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(String(400), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
