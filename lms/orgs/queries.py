"""Reads of the organisation tree, each in a fixed number of queries."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from lms.cadres.models import Cadre
from lms.core.db import db
from lms.core.i18n import local_name
from lms.core.policy import is_federation_admin
from lms.core.text import search_terms, text_sort_key
from lms.orgs.models import Track, Unit, UnitEvent, UnitLevel


def scope_root(user) -> Unit | None:
    """The unit at the top of what ``user`` administers (None = the whole tree)."""
    if is_federation_admin(user):
        return None
    return user.unit


def scope_filter(user, column=Unit.path):
    """A WHERE clause limiting units (by their path column) to the user's scope."""
    root = scope_root(user)
    if root is None:
        return True
    return column.startswith(root.path)


@dataclass
class TreeNode:
    unit: Unit
    cadres: int = 0  # the unit's own cadres
    children: list["TreeNode"] = field(default_factory=list)
    total: int = 0  # the cadres of its whole subtree, as the unit's page counts them


def tree(user, include_inactive: bool = False) -> list[TreeNode]:
    """The units in the user's scope as a nested tree with current cadre counts: two queries."""
    query = select(Unit).where(scope_filter(user)).order_by(Unit.path)
    if not include_inactive:
        query = query.where(Unit.active_to.is_(None))
    units = db.session.scalars(query).all()
    counts = dict(db.session.execute(
        select(Cadre.unit_id, func.count()).join(Unit, Unit.id == Cadre.unit_id)
        .where(scope_filter(user)).group_by(Cadre.unit_id)
    ).all())
    nodes = {u.id: TreeNode(u, counts.get(u.id, 0)) for u in units}
    roots: list[TreeNode] = []
    for unit in units:
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else roots).append(nodes[unit.id])
    for node in nodes.values():
        # Vietnamese alphabetical order, as the select boxes list units ("Đ" after "D", not among them)
        node.children.sort(key=lambda n: (n.unit.level.rank, text_sort_key(n.unit.name)))
    for unit in reversed(units):  # by path: every unit after its parent, so children are summed first
        node = nodes[unit.id]
        node.total = node.cadres + sum(child.total for child in node.children)
    return roots


def search_units(user, text: str, limit: int = 50) -> list[Unit]:
    query = select(Unit).where(scope_filter(user), *search_terms(Unit.search_key, text)).order_by(Unit.active_to.is_not(None), Unit.path).limit(limit)
    return list(db.session.scalars(query))


@dataclass
class DatedNames:
    """Units' names as they were on a given day, read back from their renames (two queries in all)."""

    current: dict[int, str]
    renames: dict[int, list[tuple[dt.date, str]]]  # per unit, newest first: (effective_on, name before)

    def on(self, unit_id: int | None, day: dt.date, missing: str = "–") -> str:
        """The name of unit ``unit_id`` on ``day``: a rename counts from its effective date on."""
        if unit_id is None or unit_id not in self.current:
            return missing
        name = self.current[unit_id]
        for effective_on, before in self.renames.get(unit_id, ()):
            if effective_on <= day:
                break
            name = before
        return name


def dated_names(unit_ids: set[int]) -> DatedNames:
    """What :class:`DatedNames` needs for ``unit_ids``: today's names and every rename, in two queries."""
    if not unit_ids:
        return DatedNames({}, {})
    current = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all())
    renames: dict[int, list[tuple[dt.date, str]]] = {}
    rows = db.session.execute(
        select(UnitEvent.unit_id, UnitEvent.effective_on, UnitEvent.old_name)
        .where(UnitEvent.kind == "rename", UnitEvent.unit_id.in_(unit_ids))
        .order_by(UnitEvent.effective_on.desc(), UnitEvent.id.desc()))
    for unit_id, effective_on, before in rows:
        renames.setdefault(unit_id, []).append((effective_on, before or ""))
    return DatedNames(current, renames)


def unit_detail(unit: Unit) -> dict:
    """What the unit page shows: ancestors, children, counts, history."""
    ancestor_ids = unit.ancestor_ids()[:-1]
    ancestors = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ancestor_ids)))} if ancestor_ids else {}
    children = db.session.scalars(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.active_to.is_not(None), Unit.name)).all()
    cadres_here = db.session.scalar(select(func.count(Cadre.id)).where(Cadre.unit_id == unit.id))
    cadres_subtree = db.session.scalar(
        select(func.count(Cadre.id)).join(Unit, Unit.id == Cadre.unit_id).where(Unit.path.startswith(unit.path))
    )
    events = db.session.scalars(
        select(UnitEvent).where(or_(UnitEvent.unit_id == unit.id, UnitEvent.target_id == unit.id))
        .order_by(UnitEvent.effective_on.desc(), UnitEvent.id.desc())
    ).all()
    related = {e.old_parent_id for e in events} | {e.new_parent_id for e in events} | {e.target_id for e in events} | {e.unit_id for e in events}
    related.discard(None)
    names = dated_names(related)
    return {
        "ancestors": [ancestors[i] for i in ancestor_ids if i in ancestors],
        "children": children,
        "cadres_here": cadres_here,
        "cadres_subtree": cadres_subtree,
        "events": events,
        "names": names,
    }


def unit_choices(user, exclude: Unit | None = None) -> list[tuple[int, str]]:
    """Active units in scope for a select box, with their level, excluding ``exclude``'s subtree: in
    tree order, each unit under its parent and sisters in Vietnamese alphabetical order (the paths hold
    ids, and "1/10/" sorts before "1/2/" as text)."""
    return [(unit_id, label) for unit_id, label, _rank in ranked_unit_choices(user, exclude)]


def ranked_unit_choices(user, exclude: Unit | None = None) -> list[tuple[int, str, int]]:
    """:func:`unit_choices` with each unit's level rank, for select boxes that offer only the levels an
    operation accepts (a move's new parent above the unit, a merge's target at its level): one query."""
    query = select(Unit.id, Unit.name, Unit.code, Unit.path, UnitLevel).join(UnitLevel).where(
        scope_filter(user), Unit.active_to.is_(None)
    )
    rows = [row for row in db.session.execute(query).all() if exclude is None or not row.path.startswith(exclude.path)]
    names = {row.id: text_sort_key(row.name) for row in rows}

    def tree_order(row) -> list[tuple[str, int]]:
        # ancestors outside the scope (a union admin's) are shared by every row: their ids order nothing
        return [(names.get(int(part), ""), int(part)) for part in row.path.strip("/").split("/") if part]

    return [(row.id, f"{row.name} ({row.code} · {local_name(row[4])})", row[4].rank)
            for row in sorted(rows, key=tree_order)]


def has_active_children(unit: Unit) -> bool:
    """Whether ``unit`` still has active sub-units (one query)."""
    return bool(db.session.scalar(select(Unit.id).where(Unit.parent_id == unit.id, Unit.active_to.is_(None)).limit(1)))


def levels() -> list[UnitLevel]:
    return list(db.session.scalars(select(UnitLevel).order_by(UnitLevel.rank)))


def tracks() -> list[Track]:
    return list(db.session.scalars(select(Track).order_by(Track.position)))
