"""Reads of accounts for the administration pages, each in a fixed number of queries."""
from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from lms.accounts.models import ROLE_CADRE, ROLES, AccountEvent, User
from lms.cadres.models import Cadre
from lms.cadres.queries import Page, cadre_search
from lms.core.db import db, utcnow
from lms.core.policy import is_federation_admin
from lms.core.text import fold
from lms.orgs.models import Unit

STATUSES = ("enabled", "disabled", "locked", "must_change")


def _scope(viewer) -> list:
    """The accounts ``viewer`` manages (``users.manage``): every one for a federation admin; for a union
    admin the cadre accounts whose cadre is now in their subtree."""
    if is_federation_admin(viewer):
        return []
    return [User.role == ROLE_CADRE, Unit.path.startswith(viewer.unit.path)]


def _search(q: str) -> list:
    """Every word typed, accents ignored, in the username or the linked cadre's name; one word may also be
    part of the cadre's code (as the cadre list's search)."""
    words = fold(q).split()
    if not words:
        return []
    cadre = cadre_search(q)
    by_username = and_(*[User.username.contains(word, autoescape=True) for word in words])
    return [or_(by_username, cadre) if cadre is not None else by_username]


def _status(status: str) -> list:
    if status == "enabled":
        return [User.is_enabled.is_(True)]
    if status == "disabled":
        return [User.is_enabled.is_(False)]
    if status == "locked":
        return [User.locked_until > utcnow()]
    if status == "must_change":
        return [User.must_change_password.is_(True)]
    return []


def list_users(viewer, q: str = "", role: str = "", status: str = "", page: int = 1, per_page: int = 50) -> Page:
    """The accounts ``viewer`` manages, searched and filtered, by username: two queries."""
    where = [*_scope(viewer), *_search(q), *_status(status)]
    if role in ROLES:
        where.append(User.role == role)
    base = (select(User).outerjoin(Cadre, Cadre.id == User.cadre_id).outerjoin(Unit, Unit.id == Cadre.unit_id)
            .where(*where))
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    items = db.session.scalars(
        base.options(joinedload(User.unit), joinedload(User.cadre).joinedload(Cadre.unit))
        .order_by(User.username).limit(per_page).offset((max(page, 1) - 1) * per_page)
    ).unique().all()
    args = {k: v for k, v in {"q": q, "role": role if role in ROLES else "",
                              "status": status if status in STATUSES else ""}.items() if v}
    return Page(list(items), max(page, 1), per_page, total, args)


def account(user_id: int) -> User | None:
    """An account with its unit, its cadre and the cadre's unit (for the policy and the page): one query."""
    return db.session.scalars(
        select(User).options(joinedload(User.unit), joinedload(User.cadre).joinedload(Cadre.unit))
        .where(User.id == user_id)
    ).unique().first()


def events(user: User, limit: int = 50) -> list[AccountEvent]:
    """The account's latest events, newest first, with who made them: one query."""
    return list(db.session.scalars(
        select(AccountEvent).options(joinedload(AccountEvent.actor)).where(AccountEvent.user_id == user.id)
        .order_by(AccountEvent.at.desc(), AccountEvent.id.desc()).limit(limit)
    ))


def account_of_cadre(cadre: Cadre) -> User | None:
    """The login that belongs to ``cadre`` (at most one), for the cadre's page: one query."""
    return db.session.scalar(select(User).where(User.cadre_id == cadre.id))
