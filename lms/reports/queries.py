"""Aggregates for the overview, each a single GROUP BY over the user's scope (constant query count)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from lms.cadres.models import Cadre, EducationLevel, PoliticalLevel
from lms.core.db import db
from lms.orgs.models import Unit, UnitLevel
from lms.orgs.queries import scope_filter, scope_root


@dataclass
class Row:
    label: str
    count: int
    share_of: int = 0


@dataclass
class Overview:
    root: Unit | None
    units_by_level: list[Row] = field(default_factory=list)
    cadres: int = 0
    full_time: int = 0
    part_time: int = 0
    university_or_higher: int = 0
    education: list[Row] = field(default_factory=list)
    political: list[Row] = field(default_factory=list)
    female: int = 0


def overview(user) -> Overview:
    """The federation's overview as the article reports it, limited to the user's subtree."""
    result = Overview(root=scope_root(user))
    in_scope = scope_filter(user)

    level_rows = db.session.execute(
        select(UnitLevel.name, func.count(Unit.id))
        .join(Unit, Unit.level_id == UnitLevel.id)
        .where(in_scope, Unit.active_to.is_(None))
        .group_by(UnitLevel.id, UnitLevel.name, UnitLevel.rank).order_by(UnitLevel.rank)
    ).all()
    result.units_by_level = [Row(name, n) for name, n in level_rows]

    cadres_in_scope = select(Cadre).join(Unit, Unit.id == Cadre.unit_id).where(in_scope).subquery()
    totals = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((cadres_in_scope.c.employment == "full_time", 1), else_=0)), 0),
            func.coalesce(func.sum(case((cadres_in_scope.c.gender == "female", 1), else_=0)), 0),
        ).select_from(cadres_in_scope)
    ).one()
    result.cadres, result.full_time, result.female = (int(v) for v in totals)
    result.part_time = result.cadres - result.full_time

    edu = db.session.execute(
        select(EducationLevel.name, EducationLevel.is_university_or_higher, func.count(cadres_in_scope.c.id))
        .outerjoin(cadres_in_scope, cadres_in_scope.c.education_level_id == EducationLevel.id)
        .group_by(EducationLevel.id, EducationLevel.name, EducationLevel.is_university_or_higher, EducationLevel.rank)
        .order_by(EducationLevel.rank.desc())
    ).all()
    result.education = [Row(name, n, result.cadres) for name, _, n in edu]
    result.university_or_higher = sum(n for _, higher, n in edu if higher)

    pol = db.session.execute(
        select(PoliticalLevel.name, func.count(cadres_in_scope.c.id))
        .outerjoin(cadres_in_scope, cadres_in_scope.c.political_level_id == PoliticalLevel.id)
        .group_by(PoliticalLevel.id, PoliticalLevel.name, PoliticalLevel.rank)
        .order_by(PoliticalLevel.rank.desc())
    ).all()
    result.political = [Row(name, n, result.cadres) for name, n in pol]
    return result


def home_summary(user) -> dict:
    """What a role's home page shows first."""
    summary: dict = {"cadre": user.cadre}
    if user.cadre is not None:
        from lms.courses.queries import catalogue

        items = catalogue(user.cadre)
        summary["in_progress"] = [i for i in items if i.enrolment and not i.enrolment.completed_at]
        summary["completed"] = [i for i in items if i.enrolment and i.enrolment.completed_at]
        summary["available"] = len(items)
    if user.role in ("federation_admin", "union_admin"):
        data = overview(user)
        summary["overview"] = data
    return summary
