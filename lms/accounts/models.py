"""Login accounts. A cadre may exist without one; an account may be linked to a cadre."""
from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from lms.cadres.models import Cadre
from lms.core.db import UTCDateTime, db, utcnow
from lms.orgs.models import Unit

ROLE_CADRE = "cadre"
ROLE_TRAINER = "trainer"
ROLE_UNION_ADMIN = "union_admin"
ROLE_FEDERATION_ADMIN = "federation_admin"
ROLES = (ROLE_CADRE, ROLE_TRAINER, ROLE_UNION_ADMIN, ROLE_FEDERATION_ADMIN)


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

    unit: Mapped[Unit | None] = relationship()
    cadre: Mapped[Cadre | None] = relationship()

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
