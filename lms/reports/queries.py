"""Reads for the reports: the federation overview "as of" a date and the roll-up over the tree.

Every figure is an aggregate computed in SQL over the user's scope, in a number of queries that does
not depend on how many units or cadres there are (tests/reports/test_query_counts.py checks it).

"As of" a date ``d`` (docs/reports.md):

* a unit counts when it was active on ``d`` (``active_from <= d`` and ``active_to`` empty or later);
* a cadre counts when one of their ``Membership`` rows covers ``d`` (``start_on <= d`` and ``end_on``
  empty or later) in a unit of the scope *as the tree was on d*;
* the scope as it was on ``d`` is rebuilt from the ``move`` rows of ``UnitEvent`` dated after ``d``
  (:func:`scope_as_of`): units whose current ancestors never moved since ``d`` are matched by their
  current path; the few under a unit that moved are placed by walking their parents as of ``d``.
* a cadre's employment and education/political levels are those of their ``CadreFacts`` row covering
  ``d`` (the same rule as memberships); a cadre without such a row (data loaded without history) counts
  with their current values on ``Cadre``.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from sqlalchemy import and_, case, distinct, exists, func, literal, or_, select, true, union
from sqlalchemy.orm import joinedload

from lms.cadres.models import Cadre, CadreFacts, EducationLevel, Membership, PoliticalLevel
from lms.cadres.queries import covering
from lms.certificates.models import VALID, Certificate
from lms.core import clock
from lms.core.db import db
from lms.core.i18n import local_text
from lms.core.settings import get_settings
from lms.courses.models import Course, Enrolment
from lms.orgs.models import Track, Unit, UnitEvent, UnitLevel
from lms.orgs.queries import scope_root
from lms.records.models import KIND_EXTERNAL, STUDY_KINDS, Attendance, RecordEntry, TrainingClass
from lms.reports import snapshots

def today() -> dt.date:
    """Today in the platform's time zone, from the platform's clock."""
    return clock.local_today()


def term_setting() -> tuple[dt.date, dt.date] | None:
    """The union's current term as a federation admin set it (settings ``term_start`` and ``term_end``;
    ``lms demo`` sets the article's 2014–2019), or None."""
    values = get_settings()
    if values.get("term_start") and values.get("term_end"):
        return dt.date.fromisoformat(str(values["term_start"])), dt.date.fromisoformat(str(values["term_end"]))
    return None


def default_term(day: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The period the reports open on: the term set (:func:`term_setting`), else the calendar year of ``day``."""
    return term_setting() or calendar_year(day or today())


def period(start: dt.date | None, end: dt.date | None, day: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """``start`` and ``end`` where given, the default term's where not (its settings read only then)."""
    if start is None or end is None:
        default = default_term(day)
        start, end = start or default[0], end or default[1]
    return start, end


def calendar_year(day: dt.date) -> tuple[dt.date, dt.date]:
    """01/01–31/12 of ``day``'s year: the reports' period until a term is set."""
    return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)


@dataclass
class Row:
    label: str
    count: int
    share_of: int = 0
    code: str = ""


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
    as_of: dt.date | None = None
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    classes: int = 0
    attendances: int = 0
    study: list[Row] = field(default_factory=list)
    freshness: snapshots.Freshness = field(default_factory=snapshots.Freshness)

    @property
    def education_unknown(self) -> int:
        return self.cadres - sum(r.count for r in self.education)

    @property
    def political_unknown(self) -> int:
        return self.cadres - sum(r.count for r in self.political)

    def studied(self, kind: str) -> int:
        return next((r.count for r in self.study if r.code == kind), 0)


# -- the scope as the tree was on a date ------------------------------------------------------------

def _ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


def scope_as_of(user, day: dt.date):
    """A WHERE clause over ``Unit`` selecting the units that lay in ``user``'s subtree on ``day``.

    At most three small queries, whatever the size of the tree: the moves dated after ``day``; the
    moved units and their former parents; the units currently under a moved unit. Only those last
    units are placed in Python (by their parents as of ``day``); every other unit is matched by its
    current path, which has not changed since ``day``.
    """
    root = scope_root(user)
    if root is None:
        return true()
    moves = db.session.execute(
        select(UnitEvent.unit_id, UnitEvent.old_parent_id)
        .where(UnitEvent.kind == "move", UnitEvent.effective_on > day)
        .order_by(UnitEvent.effective_on, UnitEvent.id)
    ).all()
    if not moves:
        return Unit.path.startswith(root.path)
    parent_then: dict[int, int | None] = {}
    for unit_id, old_parent_id in moves:
        parent_then.setdefault(unit_id, old_parent_id)  # the earliest move after `day` tells the parent on `day`
    wanted = set(parent_then) | {p for p in parent_then.values() if p is not None}
    paths = dict(db.session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(wanted))).all())
    affected: dict[int, int | None] = {}  # unit under a moved unit (or moved itself) → its current parent
    for uid, parent, path in db.session.execute(
        select(Unit.id, Unit.parent_id, Unit.path)
        .where(or_(*[Unit.path.startswith(paths[m]) for m in parent_then if m in paths]))
    ):
        affected[uid] = parent
        paths[uid] = path

    def chain_then(uid: int) -> set[int]:
        chain, node, seen = set(), uid, set()
        while node is not None and node in affected and node not in seen:
            seen.add(node)
            chain.add(node)
            node = parent_then[node] if node in parent_then else affected[node]
        if node is not None and node in paths:  # an ancestor that did not move: its current path holds
            chain.update(_ids(paths[node]))
        return chain

    inside = {uid for uid in affected if root.id in chain_then(uid)}
    outside = set(affected) - inside
    return or_(and_(Unit.path.startswith(root.path), Unit.id.not_in(outside)), Unit.id.in_(inside))


def _active_on(day: dt.date):
    return and_(Unit.active_from <= day, or_(Unit.active_to.is_(None), Unit.active_to > day))


# -- the overview ------------------------------------------------------------------------------------

def overview(user, as_of: dt.date | None = None, term: tuple[dt.date, dt.date] | None = None, *,
             refresh: bool = False) -> Overview:
    """The federation's overview as the article reports it, limited to the user's subtree as it was on ``as_of``.

    Seven to ten queries whatever the size of the tree (see :func:`_overview_counts`), or one when a fresh
    snapshot of the same scope, date and term is kept (:mod:`lms.reports.snapshots`); ``refresh``
    computes and keeps it now.
    """
    day = as_of or today()
    term_start, term_end = term or default_term(day)
    result = Overview(root=scope_root(user), as_of=day, term_start=term_start, term_end=term_end)
    key = f"overview:{result.root.id if result.root else 0}:{day}:{term_start}:{term_end}"
    counts, result.freshness = snapshots.cached(
        key, lambda: _overview_counts(user, day, term_start, term_end, result.root is None), force=refresh)

    # a snapshot kept before English names were stored has three items per level
    result.units_by_level = [Row(local_text(level[0], level[3] if len(level) > 3 else ""), level[2], code=level[1])
                             for level in counts["levels"]]
    by_education: Counter = Counter()
    by_political: Counter = Counter()
    for employment, gender, education_id, political_id, n in counts["groups"]:
        result.cadres += n
        result.full_time += n if employment == "full_time" else 0
        result.female += n if gender == "female" else 0
        by_education[education_id] += n
        by_political[political_id] += n
    result.part_time = result.cadres - result.full_time

    education = db.session.execute(
        select(EducationLevel.id, EducationLevel.name, EducationLevel.name_en, EducationLevel.code,
               EducationLevel.is_university_or_higher)
        .order_by(EducationLevel.rank.desc())
    ).all()
    result.education = [Row(local_text(name, name_en), by_education[i], result.cadres, code)
                        for i, name, name_en, code, _ in education]
    result.university_or_higher = sum(by_education[i] for i, _, _, _, higher in education if higher)
    political = db.session.execute(
        select(PoliticalLevel.id, PoliticalLevel.name, PoliticalLevel.name_en, PoliticalLevel.code)
        .order_by(PoliticalLevel.rank.desc())
    ).all()
    result.political = [Row(local_text(name, name_en), by_political[i], result.cadres, code)
                        for i, name, name_en, code in political]
    result.classes, result.attendances = counts["classes"], counts["attendances"]
    result.study = _study_rows(counts["study"])
    return result


def _overview_counts(user, day: dt.date, term_start: dt.date, term_end: dt.date, whole_tree: bool) -> dict:
    """The overview's counts (JSON-able, for a snapshot): the scope (0–3 queries), units per level, the
    cadres grouped by employment, gender, education and political level on ``day`` (one GROUP BY), classes and
    attendances in the term, and the cadres sent to study in the term."""
    in_scope = scope_as_of(user, day)
    level_rows = db.session.execute(
        select(UnitLevel.name, UnitLevel.code, func.count(Unit.id), UnitLevel.name_en)
        .join(Unit, Unit.level_id == UnitLevel.id)
        .where(in_scope, _active_on(day))
        .group_by(UnitLevel.id, UnitLevel.name, UnitLevel.code, UnitLevel.rank, UnitLevel.name_en).order_by(UnitLevel.rank)
    ).all()

    # EXISTS rather than a join on DISTINCT memberships: a semi-join, twice as fast on PostgreSQL at scale
    member = exists().where(Membership.cadre_id == Cadre.id, covering(Membership, day))
    if not whole_tree:
        member = member.where(Unit.id == Membership.unit_id, in_scope)
    # the facts row covering the day, else (no history) the cadre's current values
    covered = CadreFacts.id.is_not(None)
    employment = case((covered, CadreFacts.employment), else_=Cadre.employment)
    education = case((covered, CadreFacts.education_level_id), else_=Cadre.education_level_id)
    political = case((covered, CadreFacts.political_level_id), else_=Cadre.political_level_id)
    groups = db.session.execute(
        select(employment, Cadre.gender, education, political, func.count())
        .select_from(Cadre)
        .outerjoin(CadreFacts, and_(CadreFacts.cadre_id == Cadre.id, covering(CadreFacts, day)))
        .where(member)
        .group_by(employment, Cadre.gender, education, political)
    ).all()

    classes = select(TrainingClass.id).where(TrainingClass.end_on >= term_start, TrainingClass.end_on <= term_end)
    if not whole_tree:
        classes = classes.join(Unit, Unit.id == TrainingClass.organiser_unit_id).where(in_scope)
    classes = classes.subquery()
    n_classes, n_attendances = db.session.execute(
        select(func.count(distinct(classes.c.id)), func.count(Attendance.id))
        .select_from(classes).outerjoin(Attendance, Attendance.class_id == classes.c.id)
    ).one()
    return {
        "levels": [[name, code, int(n), name_en or ""] for name, code, n, name_en in level_rows],
        "groups": [[e, g, edu, pol, int(n)] for e, g, edu, pol, n in groups],
        "classes": int(n_classes), "attendances": int(n_attendances),
        "study": _sent_to_study(in_scope, whole_tree, term_start, term_end),
    }


def _sent_to_study(in_scope, whole_tree: bool, start: dt.date, end: dt.date) -> dict[str, int]:
    """Cadres sent to study in the term by kind of study (external entries dated by their start, else end).

    A cadre belongs to the scope when, on the day the study started, their membership was in a unit of it.
    """
    sent_on = func.coalesce(RecordEntry.start_on, RecordEntry.end_on)
    query = select(RecordEntry.study_kind, func.count(distinct(RecordEntry.cadre_id))).where(
        RecordEntry.kind == KIND_EXTERNAL, sent_on >= start, sent_on <= end,
    )
    if not whole_tree:
        query = query.join(Membership, and_(Membership.cadre_id == RecordEntry.cadre_id, covering(Membership, sent_on))
                           ).join(Unit, Unit.id == Membership.unit_id).where(in_scope)
    return {kind: int(n) for kind, n in db.session.execute(query.group_by(RecordEntry.study_kind)).all()
            if kind is not None}


def _study_rows(counts: dict[str, int]) -> list[Row]:
    """The "sent to study" rows by kind, named in the reader's language (the article's three always shown)."""
    from lms.records.queries import study_kind_label

    kinds = list(STUDY_KINDS) + sorted(k for k in counts if k not in STUDY_KINDS and k is not None)
    return [Row(study_kind_label(k), int(counts.get(k, 0)), code=k) for k in kinds
            if counts.get(k) or k in ("masters", "political_advanced", "political_intermediate")]


# -- the roll-up over the tree -----------------------------------------------------------------------

@dataclass
class Filters:
    """What the roll-up is limited to: a period (always: without one, :func:`default_term`), a sector
    track and a course (optional)."""

    start: dt.date | None = None
    end: dt.date | None = None
    track: Track | None = None
    course: Course | None = None

    def args(self) -> dict:
        from lms.core.i18n import format_date

        args = {"from": format_date(self.start), "to": format_date(self.end)}
        if self.track is not None:
            args["track"] = self.track.id
        if self.course is not None:
            args["course"] = self.course.id
        return args


@dataclass
class Figures:
    """The figures of one row of the roll-up."""

    cadres: int = 0
    trained: int = 0
    hours: int = 0
    assigned: int = 0
    completed: int = 0
    overdue: int = 0

    @property
    def share_trained(self) -> float | None:
        return self.trained / self.cadres if self.cadres else None

    def add(self, other: Figures) -> None:
        for name in ("cadres", "trained", "hours", "assigned", "completed", "overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class UnitRow:
    unit: Unit | None  # None: cadres attached directly to the unit being viewed
    figures: Figures


@dataclass
class CadreRow:
    cadre: Cadre
    trained: bool
    completions: int
    attendances: int
    hours: int
    plan: Figures


@dataclass
class RollUp:
    unit: Unit
    ancestors: list[Unit]
    filters: Filters
    rows: list[UnitRow]
    total: Figures
    cadres: list[CadreRow] | None = None  # at the grassroots level
    plans_available: bool = False
    freshness: snapshots.Freshness = field(default_factory=snapshots.Freshness)


def _child_segment(prefix_length: int):
    """SQL: the id (as text) of the child of the viewed unit under which a unit's path lies ('' for the unit)."""
    rest = func.substr(Unit.path, prefix_length + 1)
    position = func.strpos if db.session.get_bind().dialect.name == "postgresql" else func.instr
    # rest + "/": the unit itself has an empty rest, and PostgreSQL refuses a negative length
    return func.substr(rest, 1, position(rest + "/", "/") - 1)


def _local_midnight(day: dt.date) -> dt.datetime:
    return clock.local_moment(day).astimezone(dt.timezone.utc)


def _certified_conditions(filters: Filters) -> list:
    """A certificate that counts for the period: in force (a replaced one counts through the one that
    replaced it, which keeps its training dates; a revoked one, or one whose replacement was revoked,
    not at all), for training that ended in the period (its issue date may be later)."""
    ended = func.coalesce(Certificate.end_on, Certificate.issued_on)
    where = [Certificate.status == VALID, ended >= filters.start, ended <= filters.end]
    if filters.course is not None:
        where.append(Certificate.course_id == filters.course.id)
    return where


def _trained_ids(filters: Filters):
    """SELECT cadre_id of cadres with an online completion, a certificate or a class attended in the period
    (for the whole tree: hash joins over every cadre beat per-cadre look-ups there)."""
    since, until = _local_midnight(filters.start), _local_midnight(filters.end + dt.timedelta(days=1))
    online = select(Enrolment.cadre_id.label("cadre_id")).where(
        Enrolment.completed_at >= since, Enrolment.completed_at < until)
    certified = select(Certificate.cadre_id.label("cadre_id")).where(*_certified_conditions(filters))
    attended = select(Attendance.cadre_id.label("cadre_id")).join(
        TrainingClass, TrainingClass.id == Attendance.class_id
    ).where(TrainingClass.end_on >= filters.start, TrainingClass.end_on <= filters.end)
    if filters.course is not None:
        online = online.where(Enrolment.course_id == filters.course.id)
        return union(online, certified).subquery()
    return union(online, certified, attended).subquery()


def _was_trained(filters: Filters):
    """Whether the outer query's cadre was trained in the period, as indexed look-ups of that one cadre
    (below the root: 0,4 s instead of 1,2 s for a province of 15.000 cadres at national scale)."""
    since, until = _local_midnight(filters.start), _local_midnight(filters.end + dt.timedelta(days=1))
    course = filters.course.id if filters.course is not None else None
    online = exists().where(Enrolment.cadre_id == Cadre.id, Enrolment.completed_at >= since, Enrolment.completed_at < until,
                            *([Enrolment.course_id == course] if course is not None else []))
    certified = exists().where(Certificate.cadre_id == Cadre.id, *_certified_conditions(filters))
    if course is not None:
        return or_(online, certified)
    attended = exists().where(Attendance.cadre_id == Cadre.id, TrainingClass.id == Attendance.class_id,
                              TrainingClass.end_on >= filters.start, TrainingClass.end_on <= filters.end)
    return or_(online, certified, attended)


def _cadre_conditions(unit: Unit, filters: Filters) -> list:
    where = [Unit.path.startswith(unit.path)]
    if filters.track is not None:
        where.append(func.coalesce(Cadre.track_override_id, Unit.track_id) == filters.track.id)
    return where


def _hours_conditions(filters: Filters) -> list:
    where = [RecordEntry.end_on >= filters.start, RecordEntry.end_on <= filters.end]
    if filters.course is not None:
        where.append(RecordEntry.course_id == filters.course.id)
    return where


def roll_up(user, unit: Unit, filters: Filters | None = None, day: dt.date | None = None, *,
            refresh: bool = False) -> RollUp:
    """The figures of each child of ``unit`` (and of the cadres attached to ``unit`` itself), from today's tree.

    Cadres are counted in their current unit; what they did in the period counts there too (a training
    record follows the person). Each figure is one GROUP BY on the child's segment of the path, so the
    page costs the same number of queries for ten units or a hundred thousand. At the grassroots level
    (or under a unit without children) the cadres are listed by given name with their own figures.
    """
    filters = filters or Filters()
    day = day or today()
    start, end = period(filters.start, filters.end, day)
    filters = replace(filters, start=start, end=end)
    ancestor_ids = unit.ancestor_ids()[:-1]
    ancestors = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ancestor_ids)))} if ancestor_ids else {}
    root = scope_root(user)
    visible = [ancestors[i] for i in ancestor_ids if i in ancestors and (root is None or ancestors[i].path.startswith(root.path))]
    children = db.session.scalars(  # by name, then code: units of one name keep their order from page to export
        select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.name, Unit.code)).all()

    show_cadres = unit.level.is_grassroots or not children
    if show_cadres:  # a small subtree: always live, and the cadres' own plan figures are needed too
        counts, plans = _unit_figures(unit, filters, day)
        freshness, plans_available = snapshots.Freshness(), plans.available
    else:
        key = (f"rollup:{unit.id}:{filters.start}:{filters.end}:{filters.track.id if filters.track else ''}:"
               f"{filters.course.id if filters.course else ''}:{day}")

        def compute() -> dict:
            counts, plans = _unit_figures(unit, filters, day)
            return {"figures": counts, "plans": plans.available}

        stored, freshness = snapshots.cached(key, compute, force=refresh)
        counts, plans_available = stored["figures"], stored["plans"]
    figures: dict[str, Figures] = {key: Figures(*values) for key, values in counts.items()}

    rows = []
    for child in children:
        found = figures.pop(str(child.id), Figures())
        if child.active_to is None or found.cadres or found.hours or found.assigned:
            rows.append(UnitRow(child, found))
    direct = figures.pop("", None)
    if direct is not None:
        rows.append(UnitRow(None, direct))
    for leftover in figures.values():  # a unit below no listed child: cannot happen with a consistent tree
        rows.append(UnitRow(None, leftover))
    total = Figures()
    for row in rows:
        total.add(row.figures)

    result = RollUp(unit, visible, filters, rows, total, plans_available=plans_available, freshness=freshness)
    if show_cadres:
        result.cadres = cadre_rows(unit, filters, plans.by_cadre)
    return result


def _unit_figures(unit: Unit, filters: Filters, day: dt.date) -> tuple[dict[str, list[int]], PlanCounts]:
    """Per child segment of ``unit``'s path ('' for cadres attached to ``unit`` itself): cadres, trained,
    hours, assigned, completed, overdue; one GROUP BY each for the first three, then the plans."""
    segment = _child_segment(len(unit.path)).label("segment")
    if unit.parent_id is None:
        trained = _trained_ids(filters)
        query = (select(segment, func.count(Cadre.id), func.count(trained.c.cadre_id))
                 .select_from(Cadre).join(Unit, Unit.id == Cadre.unit_id)
                 .outerjoin(trained, trained.c.cadre_id == Cadre.id))
    else:
        query = (select(segment, func.count(Cadre.id), func.coalesce(func.sum(case((_was_trained(filters), 1), else_=0)), 0))
                 .select_from(Cadre).join(Unit, Unit.id == Cadre.unit_id))
    per_child = db.session.execute(query.where(*_cadre_conditions(unit, filters)).group_by(segment)).all()
    hours = db.session.execute(
        select(segment, func.coalesce(func.sum(RecordEntry.hours), 0))
        .select_from(RecordEntry).join(Cadre, Cadre.id == RecordEntry.cadre_id).join(Unit, Unit.id == Cadre.unit_id)
        .where(*_cadre_conditions(unit, filters), *_hours_conditions(filters)).group_by(segment)
    ).all()
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * 6)
    for key, cadres, trained_count in per_child:
        counts[key][0], counts[key][1] = int(cadres), int(trained_count)
    for key, total in hours:
        counts[key][2] = int(total)
    plans = plan_status_counts(unit, filters, day)
    for key, (assigned, completed, overdue) in plans.by_segment.items():
        counts[key][3:6] = [assigned, completed, overdue]
    return dict(counts), plans


def cadre_rows(unit: Unit, filters: Filters, plan_by_cadre: dict[int, tuple[int, int, int]]) -> list[CadreRow]:
    """The cadres of ``unit``'s subtree by given name, with their figures in the period: one query.

    The figures are correlated subqueries (one indexed look-up per cadre listed) rather than joins
    to per-cadre aggregates, which PostgreSQL would compute over every cadre of the country first.
    """
    since, until = _local_midnight(filters.start), _local_midnight(filters.end + dt.timedelta(days=1))
    course = filters.course.id if filters.course is not None else None
    completions = select(func.count()).where(
        Enrolment.cadre_id == Cadre.id, Enrolment.completed_at >= since, Enrolment.completed_at < until,
        *([Enrolment.course_id == course] if course is not None else []),
    ).scalar_subquery()
    attendances = select(func.count()).select_from(Attendance).join(
        TrainingClass, TrainingClass.id == Attendance.class_id
    ).where(Attendance.cadre_id == Cadre.id, TrainingClass.end_on >= filters.start,
            TrainingClass.end_on <= filters.end).scalar_subquery()
    certified = select(func.count()).where(Certificate.cadre_id == Cadre.id, *_certified_conditions(filters)
                                           ).scalar_subquery()
    hours = select(func.coalesce(func.sum(RecordEntry.hours), 0)).where(
        RecordEntry.cadre_id == Cadre.id, *_hours_conditions(filters)).scalar_subquery()
    rows = db.session.execute(
        select(Cadre, completions, attendances if course is None else literal(0), certified, hours)
        .join(Unit, Unit.id == Cadre.unit_id)
        .options(joinedload(Cadre.unit))
        .where(*_cadre_conditions(unit, filters)).order_by(Cadre.sort_key, Cadre.id)
    ).unique().all()
    return [
        CadreRow(cadre, bool(done or attended or certs), int(done), int(attended), int(total),
                 Figures(*(0, 0, 0), *plan_by_cadre.get(cadre.id, (0, 0, 0))))
        for cadre, done, attended, certs, total in rows
    ]


# -- training plans (lms.plans): assigned, completed and overdue items ------------------------------------

@dataclass
class PlanCounts:
    available: bool = False
    by_segment: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    by_cadre: dict[int, tuple[int, int, int]] = field(default_factory=dict)


def plan_status_counts(unit: Unit, filters: Filters, day: dt.date) -> PlanCounts:
    """(assigned, completed, overdue) course items of the training plans, per child of ``unit`` and per cadre.

    An item is one course of one assignment for one cadre of its audience; exempt items are not
    counted. Statuses come from :mod:`lms.plans.queries` (derived from enrolments, certificates and
    the calendar on ``day``). A fixed number of queries whatever the number of units or cadres: the
    plans, their members under ``unit`` (one query for all plans), their histories (3), progress (2)
    and exemptions (1); nothing at all when no plan has an assignment.
    """
    try:
        from lms.plans import queries as plans
    except ImportError:  # the plans area is not installed
        return PlanCounts()
    result = PlanCounts(available=True)
    all_plans = [p for p in plans._plans_with_assignments() if p.assignments]
    if not all_plans:
        return result
    course_filter = filters.course.id if filters.course is not None else None
    segment = _child_segment(len(unit.path))
    rules = {plan.id: plans.Rule.of(plan) for plan in all_plans}
    member_rows = db.session.execute(union(*[
        select(literal(plan.id).label("plan_id"), Cadre.id.label("cadre_id"), segment.label("segment"))
        .select_from(Cadre).join(Unit, Unit.id == Cadre.unit_id)
        .where(*plans.conditions(rules[plan.id], day), *_cadre_conditions(unit, filters))
        for plan in all_plans
    ])).all()
    if not member_rows:
        return result
    ids = select(Cadre.id).join(Unit, Unit.id == Cadre.unit_id).where(
        *_cadre_conditions(unit, filters),
        or_(*[and_(*plans.conditions(rules[p.id], day)) for p in all_plans]),
    )
    histories = plans.load_histories(ids)
    course_ids = sorted({c.id for p in all_plans for a in p.assignments for c in a.courses
                         if course_filter is None or c.id == course_filter})
    progress = plans.load_progress(ids, course_ids)
    assignment_ids = [a.id for p in all_plans for a in p.assignments]
    from lms.plans.models import Exemption

    exempt = set(db.session.execute(
        select(Exemption.assignment_id, Exemption.cadre_id).where(Exemption.assignment_id.in_(assignment_ids),
                                                                    Exemption.cadre_id.in_(ids))
    ).all())
    soon = int(plans.config("REMINDER_DAYS_BEFORE"))
    plan_by_id = {p.id: p for p in all_plans}
    by_segment: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_cadre: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for plan_id, cadre_id, seg in member_rows:
        plan = plan_by_id[plan_id]
        history = histories.get(cadre_id)
        entered = plans.entry_date(rules[plan_id], history, day) if history is not None else None
        for assignment in plan.assignments:
            if (assignment.id, cadre_id) in exempt:
                continue
            for course in assignment.courses:
                if course_filter is not None and course.id != course_filter:
                    continue
                status = plans.item_status(
                    assignment, entered or assignment.starts_on,
                    progress.completions.get((cadre_id, course.id), []),
                    (cadre_id, course.id) in progress.open, False, day, soon,
                ).status
                for counts in (by_segment[seg], by_cadre[cadre_id]):
                    counts[0] += 1
                    counts[1] += status == plans.COMPLETED
                    counts[2] += status == plans.OVERDUE
    result.by_segment = {k: tuple(v) for k, v in by_segment.items()}
    result.by_cadre = {k: tuple(v) for k, v in by_cadre.items()}
    return result


# -- choices for the filters -------------------------------------------------------------------------

def filter_choices() -> dict:
    """Tracks and courses for the roll-up's filters: two queries."""
    from lms.courses.models import CourseVersion

    latest = (select(CourseVersion.course_id, func.max(CourseVersion.number).label("number"))
              .group_by(CourseVersion.course_id).subquery())
    courses = db.session.execute(
        select(Course.id, Course.code, CourseVersion.title)
        .join(latest, latest.c.course_id == Course.id)
        .join(CourseVersion, and_(CourseVersion.course_id == Course.id, CourseVersion.number == latest.c.number))
        .order_by(Course.code)
    ).all()
    return {"tracks": list(db.session.scalars(select(Track).order_by(Track.position))), "courses": courses}


def top_units(user) -> list[Unit]:
    """Where the roll-up starts: the user's unit, or the roots of the tree for a federation admin."""
    root = scope_root(user)
    if root is not None:
        return [root]
    return list(db.session.scalars(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.active_to.is_not(None), Unit.name)))


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

