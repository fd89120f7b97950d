"""Reads of cadres for pages, each in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from lms.cadres.models import Cadre, CadreFacts, CadreTitle, Membership, Planning, cadre_code
from lms.core.db import db
from lms.core.text import search_terms
from lms.orgs.models import Unit
from lms.orgs.queries import scope_filter


def covering(period, day):
    """A dated row (``Membership``, ``CadreTitle``, ``CadreFacts``: from ``start_on`` to an open or later
    ``end_on``) that covers ``day`` (a date, or a date column)."""
    return and_(period.start_on <= day, or_(period.end_on.is_(None), period.end_on > day))


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int
    args: dict

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def cadre_search(q: str | None):
    """The WHERE clause of a search for cadres, or None when nothing was typed: every word of the name in
    any order, accents ignored; one word may also be part of a cadre code ("cb00440", "00440")."""
    words = (q or "").split()
    terms = search_terms(Cadre.search_key, q)
    if not terms:
        return None
    if len(words) == 1:
        return or_(and_(*terms), Cadre.code.contains(cadre_code(words[0]), autoescape=True))
    return and_(*terms)


def list_cadres(user, q: str = "", unit: Unit | None = None, page: int = 1, per_page: int = 50) -> Page:
    """Cadres in the user's scope (optionally one unit's subtree), accent-insensitive search, by given name.

    A cadre whose unit was dissolved belongs to no unit (``unit_id`` NULL) and stays on a federation
    admin's list, who places them again; a union admin's scope (a path) never matches them.
    """
    where = [scope_filter(user)]
    if unit is not None:
        where.append(Unit.path.startswith(unit.path))
    clause = cadre_search(q)
    if clause is not None:
        where.append(clause)
    base = select(Cadre).outerjoin(Unit, Unit.id == Cadre.unit_id).where(*where)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    items = db.session.scalars(
        base.options(joinedload(Cadre.unit), joinedload(Cadre.education_level), joinedload(Cadre.political_level))
        .order_by(Cadre.sort_key, Cadre.id).limit(per_page).offset((page - 1) * per_page)
    ).unique().all()
    args = {k: v for k, v in {"q": q, "unit": unit.id if unit else None}.items() if v}
    return Page(list(items), page, per_page, total, args)


def held_title_ids(cadre: Cadre) -> set[int]:
    """The title types the cadre holds now (one query)."""
    return set(db.session.scalars(select(CadreTitle.title_type_id).where(
        CadreTitle.cadre_id == cadre.id, CadreTitle.end_on.is_(None))))


def cadre_detail(cadre: Cadre) -> dict:
    """The cadre's memberships, titles, dated facts (employment and levels) and plannings (quy hoạch),
    current and newest first: four queries."""
    memberships = db.session.scalars(
        select(Membership).options(joinedload(Membership.unit)).where(Membership.cadre_id == cadre.id)
        .order_by(Membership.start_on.desc(), Membership.id.desc())
    ).all()
    titles = db.session.scalars(
        select(CadreTitle).options(joinedload(CadreTitle.unit)).where(CadreTitle.cadre_id == cadre.id)
        .order_by(CadreTitle.end_on.is_not(None), CadreTitle.start_on.desc())
    ).all()
    facts = db.session.scalars(
        select(CadreFacts).options(joinedload(CadreFacts.education_level), joinedload(CadreFacts.political_level))
        .where(CadreFacts.cadre_id == cadre.id).order_by(CadreFacts.start_on.desc(), CadreFacts.id.desc())
    ).all()
    plannings = db.session.scalars(
        select(Planning).where(Planning.cadre_id == cadre.id)
        .order_by(Planning.end_on.is_not(None), Planning.start_on.desc(), Planning.id.desc())
    ).all()
    return {"memberships": memberships, "titles": titles, "facts": facts, "plannings": plannings}


def cadre_with_relations(cadre_id: int) -> Cadre | None:
    return db.session.scalar(
        select(Cadre).options(
            joinedload(Cadre.unit), joinedload(Cadre.education_level), joinedload(Cadre.political_level),
            joinedload(Cadre.track_override),
        ).where(Cadre.id == cadre_id)
    )


__all__ = ["Page", "list_cadres", "cadre_detail", "cadre_with_relations", "selectinload"]
