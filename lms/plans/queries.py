"""Reads of plans: who is in an audience, since when, and where each cadre stands on each course.

Membership of an audience is one SQL query over the current state (:func:`audience_select`).
The date a cadre ENTERED an audience (for due dates "N days after entering") is derived from the
dated history, as the latest of:

* the start of the unbroken run of memberships, ending with the current one, whose units lie in
  the plan's area (its chosen subtrees, else its scope subtree, else anywhere) and, when the plan
  names tracks and the cadre has no personal override, whose units are on one of those tracks.
  A run is unbroken when each membership starts on the day the previous one ended (a transfer);
* when the plan names titles, the earliest start among the cadre's current titles that match;
* when the plan names titles planned for (quy hoạch), the earliest start among the cadre's current
  plannings for one of them;
* when the plan asks for "new within N months", the earliest start among the current titles that
  started within the window (and match the named titles, if any).

Employment (full-time / part-time) has no dated history, so it does not move the entry date. For
cadres who were in the audience before the assignment existed, relative due dates count from the
assignment's ``starts_on``.

Statuses are derived: completed (a completed enrolment or a valid certificate for the course; with
a cycle, one whose cycle has not run out), overdue, due soon, in progress, assigned, exempt.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import Date, Integer, String, and_, bindparam, cast, exists, func, literal, null, or_, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from lms.cadres.models import Cadre, CadreTitle, Membership, Planning
from lms.cadres.queries import covering
from lms.certificates.models import VALID, Certificate
from lms.core import clock
from lms.core.clock import add_months, local_date
from lms.core.cache import StampedCache
from lms.core.db import UTCDateTime, db, utcnow
from lms.core.policy import is_federation_admin
from lms.courses.models import Course, Enrolment
from lms.orgs.models import Unit
from lms.plans.models import OUTBOX_FAILED, Assignment, Exemption, Notification, OutboxMessage, Plan

ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
DUE_SOON = "due_soon"
OVERDUE = "overdue"
EXEMPT = "exempt"
STATUSES = (OVERDUE, DUE_SOON, IN_PROGRESS, ASSIGNED, COMPLETED, EXEMPT)

#: Defaults of the configuration keys this area reads (override in instance/config.py or LMS_*).
CONFIG_DEFAULTS = {
    "REMINDER_DAYS_BEFORE": 7,      # e-mail this many days before the due date; also the "due soon" window
    "MAIL_MAX_ATTEMPTS": 6,         # after this many failed deliveries a message is listed as failed
    "MAIL_RETRY_SECONDS": 300,      # first retry after 5 minutes, then 10, 20, 40… (capped at a day)
    "MAIL_BATCH_SIZE": 500,         # messages delivered per run of `lms reminders send`
}


def config(key: str):
    return current_app.config.get(key, CONFIG_DEFAULTS.get(key))


# -- the clock (tests monkeypatch these two) ---------------------------------------------------------

def now() -> dt.datetime:
    return utcnow()


def today() -> dt.date:
    """Today in the platform's time zone (Vietnam)."""
    return now().astimezone(clock.zone()).date()


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


# -- the rule ----------------------------------------------------------------------------------------

@dataclass
class Rule:
    """An audience rule as plain data (a saved plan's, or a form's before saving)."""

    scope_path: str | None = None
    unit_paths: list[str] = field(default_factory=list)
    track_ids: list[int] = field(default_factory=list)
    title_ids: list[int] = field(default_factory=list)
    employment: str = ""
    new_within_months: int | None = None
    planned_title_ids: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, plan: Plan) -> Rule:
        return cls(
            scope_path=plan.scope_unit.path if plan.scope_unit is not None else None,
            unit_paths=[u.path for u in plan.units], track_ids=[t.id for t in plan.tracks],
            title_ids=[t.id for t in plan.titles], employment=plan.employment or "",
            new_within_months=plan.new_within_months, planned_title_ids=[t.id for t in plan.planned_titles],
        )

    def frozen(self) -> Rule:
        """The same rule with tuples for lists, for the per-process snapshots (never changed in place)."""
        return Rule(self.scope_path, tuple(self.unit_paths), tuple(self.track_ids), tuple(self.title_ids),
                    self.employment, self.new_within_months, tuple(self.planned_title_ids))

    def area(self) -> list[str]:
        """The subtree paths a member's unit must lie in ([] = anywhere)."""
        if self.unit_paths:
            return self.unit_paths
        return [self.scope_path] if self.scope_path else []

    def in_area(self, path: str) -> bool:
        area = self.area()
        return not area or any(path.startswith(p) for p in area)


def _current_title(day: dt.date):
    return and_(CadreTitle.cadre_id == Cadre.id, covering(CadreTitle, day))


def conditions(rule: Rule, day: dt.date) -> list:
    """WHERE clauses over ``Cadre`` joined to its current ``Unit``: AND across kinds, OR within one."""
    where = [Cadre.unit_id.is_not(None)]
    area = rule.area()
    if area:
        where.append(or_(*[Unit.path.startswith(p) for p in area]))
    if rule.scope_path and rule.unit_paths:
        where.append(Unit.path.startswith(rule.scope_path))
    if rule.track_ids:
        where.append(func.coalesce(Cadre.track_override_id, Unit.track_id).in_(rule.track_ids))
    if rule.title_ids:
        where.append(exists().where(_current_title(day), CadreTitle.title_type_id.in_(rule.title_ids)))
    if rule.employment:
        where.append(Cadre.employment == rule.employment)
    if rule.new_within_months:
        recent = [_current_title(day), CadreTitle.start_on >= add_months(day, -rule.new_within_months)]
        if rule.title_ids:
            recent.append(CadreTitle.title_type_id.in_(rule.title_ids))
        where.append(exists().where(*recent))
    if rule.planned_title_ids:
        where.append(exists().where(Planning.cadre_id == Cadre.id, covering(Planning, day),
                                    Planning.title_type_id.in_(rule.planned_title_ids)))
    return where


def audience_select(rule: Rule, day: dt.date, user=None):
    """``SELECT cadres.id`` of the audience on ``day``; limited to ``user``'s subtree when given."""
    query = select(Cadre.id).join(Unit, Unit.id == Cadre.unit_id).where(*conditions(rule, day))
    if user is not None and not is_federation_admin(user):
        query = query.where(Unit.path.startswith(user.unit.path))
    return query


def count_members(rule: Rule, day: dt.date, user=None) -> int:
    return db.session.scalar(select(func.count()).select_from(audience_select(rule, day, user).subquery())) or 0


def first_members(rule: Rule, day: dt.date, user=None, limit: int = 20) -> list[Cadre]:
    """The first members by given name (Vietnamese order), with their units."""
    return list(db.session.scalars(
        select(Cadre).where(Cadre.id.in_(audience_select(rule, day, user))).options(joinedload(Cadre.unit))
        .order_by(Cadre.sort_key, Cadre.id).limit(limit)
    ))


# -- entry dates -------------------------------------------------------------------------------------

@dataclass
class History:
    """What the entry-date rule reads about one cadre."""

    memberships: list[tuple[dt.date, dt.date | None, str, int | None]] = field(default_factory=list)  # start, end, path, track
    titles: list[tuple[int, dt.date, dt.date | None]] = field(default_factory=list)  # type, start, end
    plannings: list[tuple[int, dt.date, dt.date | None]] = field(default_factory=list)  # type, start, end
    track_override_id: int | None = None


def load_histories(cadre_ids) -> dict[int, History]:
    """Memberships (with their units' paths and tracks), titles and plannings of the given cadres: four queries.

    ``cadre_ids`` may be a list or a SELECT of ids (so that an audience of thousands is one subquery).
    """
    histories: dict[int, History] = defaultdict(History)
    for cid, override in db.session.execute(select(Cadre.id, Cadre.track_override_id).where(Cadre.id.in_(cadre_ids))):
        histories[cid].track_override_id = override
    rows = db.session.execute(
        select(Membership.cadre_id, Membership.start_on, Membership.end_on, Unit.path, Unit.track_id)
        .join(Unit, Unit.id == Membership.unit_id).where(Membership.cadre_id.in_(cadre_ids))
        .order_by(Membership.cadre_id, Membership.start_on, Membership.id)
    )
    for cid, start, end, path, track in rows:
        histories[cid].memberships.append((start, end, path, track))
    rows = db.session.execute(
        select(CadreTitle.cadre_id, CadreTitle.title_type_id, CadreTitle.start_on, CadreTitle.end_on)
        .where(CadreTitle.cadre_id.in_(cadre_ids))
    )
    for cid, type_id, start, end in rows:
        histories[cid].titles.append((type_id, start, end))
    rows = db.session.execute(
        select(Planning.cadre_id, Planning.title_type_id, Planning.start_on, Planning.end_on)
        .where(Planning.cadre_id.in_(cadre_ids))
    )
    for cid, type_id, start, end in rows:
        histories[cid].plannings.append((type_id, start, end))
    return histories


def entry_date(rule: Rule, history: History, day: dt.date) -> dt.date | None:
    """When the cadre entered the audience (see the module docstring); None when not a member."""
    candidates: list[dt.date] = []
    current = [m for m in history.memberships if m[0] <= day and (m[1] is None or m[1] > day)]
    if not current:
        return None
    check_track = bool(rule.track_ids) and history.track_override_id is None

    def fits(m) -> bool:
        return rule.in_area(m[2]) and (not check_track or m[3] in rule.track_ids)

    run = current[-1]
    if not fits(run):
        return None
    earlier = [m for m in history.memberships if m[0] < run[0]]
    for previous in reversed(earlier):
        if previous[1] == run[0] and fits(previous):
            run = previous
        else:
            break
    candidates.append(run[0])
    titles = [t for t in history.titles if t[1] <= day and (t[2] is None or t[2] > day)]
    if rule.title_ids:
        matching = [t[1] for t in titles if t[0] in rule.title_ids]
        if not matching:
            return None
        candidates.append(min(matching))
    if rule.new_within_months:
        since = add_months(day, -rule.new_within_months)
        recent = [t[1] for t in titles if t[1] >= since and (not rule.title_ids or t[0] in rule.title_ids)]
        if not recent:
            return None
        candidates.append(min(recent))
    if rule.planned_title_ids:
        planned = [p[1] for p in history.plannings
                   if p[0] in rule.planned_title_ids and p[1] <= day and (p[2] is None or p[2] > day)]
        if not planned:
            return None
        candidates.append(min(planned))
    return max(candidates)


# -- statuses ----------------------------------------------------------------------------------------

@dataclass
class Progress:
    """Completions and open enrolments of some cadres on some courses."""

    completions: dict[tuple[int, int], list[dt.date]] = field(default_factory=lambda: defaultdict(list))
    open: set[tuple[int, int]] = field(default_factory=set)


def load_progress(cadre_ids, course_ids: list[int]) -> Progress:
    """Completed enrolments, valid certificates and open enrolments: two queries."""
    progress = Progress()
    if not course_ids:
        return progress
    for cid, course_id, completed_at in db.session.execute(
        select(Enrolment.cadre_id, Enrolment.course_id, Enrolment.completed_at)
        .where(Enrolment.cadre_id.in_(cadre_ids), Enrolment.course_id.in_(course_ids))
    ):
        if completed_at is None:
            progress.open.add((cid, course_id))
        else:
            progress.completions[(cid, course_id)].append(local_date(completed_at))
    for cid, course_id, issued_on in db.session.execute(
        select(Certificate.cadre_id, Certificate.course_id, Certificate.issued_on)
        .where(Certificate.cadre_id.in_(cadre_ids), Certificate.course_id.in_(course_ids), Certificate.status == VALID)
    ):
        progress.completions[(cid, course_id)].append(issued_on)
    return progress


@dataclass
class ItemStatus:
    """One cadre on one course of one assignment."""

    status: str
    due_on: dt.date | None
    completed_on: dt.date | None = None
    next_due_on: dt.date | None = None  # with a cycle: when the next round falls due

    @property
    def is_open(self) -> bool:
        return self.status in (ASSIGNED, IN_PROGRESS, DUE_SOON, OVERDUE)


def base_due(assignment: Assignment, entered_on: dt.date) -> dt.date:
    if assignment.due_on is not None:
        return assignment.due_on
    return max(entered_on, assignment.starts_on) + dt.timedelta(days=assignment.due_days or 0)


def item_status(assignment: Assignment, entered_on: dt.date, completions: list[dt.date], in_progress: bool,
                exempt: bool, day: dt.date, soon_days: int) -> ItemStatus:
    """The status of one course for one cadre on ``day`` (see the module docstring)."""
    due = base_due(assignment, entered_on)
    last = max(completions) if completions else None
    if exempt:
        return ItemStatus(EXEMPT, due, last)
    if last is not None:
        if not assignment.cycle_years:
            return ItemStatus(COMPLETED, due, last)
        valid_until = add_years(last, assignment.cycle_years)
        next_due = max(valid_until, due)
        if valid_until > day and day < next_due - dt.timedelta(days=soon_days):
            return ItemStatus(COMPLETED, next_due, last, next_due)
        due = next_due
        # the previous round's enrolment is complete; an open one is a new round in progress
    if day > due:
        return ItemStatus(OVERDUE, due, last)
    if day >= due - dt.timedelta(days=soon_days):
        return ItemStatus(DUE_SOON, due, last)
    if in_progress:
        return ItemStatus(IN_PROGRESS, due, last)
    return ItemStatus(ASSIGNED, due, last)


@dataclass
class MemberRow:
    cadre: Cadre
    entered_on: dt.date
    items: list[tuple[Course, ItemStatus]]
    exemption: Exemption | None

    @property
    def status(self) -> str:
        """The most urgent status over the assignment's courses."""
        order = {s: i for i, s in enumerate((OVERDUE, DUE_SOON, IN_PROGRESS, ASSIGNED, COMPLETED, EXEMPT))}
        return min((item.status for _, item in self.items), key=order.get, default=ASSIGNED)

    @property
    def due_on(self) -> dt.date | None:
        dues = [item.due_on for _, item in self.items if item.is_open and item.due_on]
        return min(dues) if dues else None


@dataclass
class AssignmentReport:
    assignment: Assignment
    rows: list[MemberRow]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for row in self.rows:
            counts[row.status] += 1
        return counts


def assignment_report(assignment: Assignment, day: dt.date | None = None, user=None) -> AssignmentReport:
    """Every member of the assignment's audience (in ``user``'s subtree) with a status per course.

    A fixed number of queries whatever the audience size: members, histories (3), progress (2),
    exemptions.
    """
    day = day or today()
    rule = Rule.of(assignment.plan)
    ids = audience_select(rule, day, user)
    cadres = db.session.scalars(
        select(Cadre).where(Cadre.id.in_(ids)).options(joinedload(Cadre.unit)).order_by(Cadre.sort_key, Cadre.id)
    ).all()
    histories = load_histories(ids)
    courses = list(assignment.courses)
    progress = load_progress(ids, [c.id for c in courses])
    exemptions = {e.cadre_id: e for e in db.session.scalars(
        select(Exemption).where(Exemption.assignment_id == assignment.id))}
    soon = int(config("REMINDER_DAYS_BEFORE"))
    rows = []
    for cadre in cadres:
        entered = entry_date(rule, histories[cadre.id], day)
        if entered is None:  # history inconsistent with the current state (e.g. no membership row)
            entered = assignment.starts_on
        exemption = exemptions.get(cadre.id)
        items = [(course, item_status(assignment, entered, progress.completions.get((cadre.id, course.id), []),
                                      (cadre.id, course.id) in progress.open, exemption is not None, day, soon))
                 for course in courses]
        rows.append(MemberRow(cadre, entered, items, exemption))
    return AssignmentReport(assignment, rows)


# -- a cadre's own assignments -----------------------------------------------------------------------

def _plans_with_assignments(fresh: bool = False) -> list[Plan]:
    """Plans with an assignment, their rules, assignments and courses (6 queries). ``fresh`` reloads the
    collections of plans the session already holds (an assignment created in it is not in them yet)."""
    query = (
        select(Plan).where(exists().where(Assignment.plan_id == Plan.id))
        .options(selectinload(Plan.units), selectinload(Plan.tracks), selectinload(Plan.titles),
                 selectinload(Plan.planned_titles), joinedload(Plan.scope_unit), selectinload(Plan.assignments).selectinload(Assignment.courses))
    )
    if fresh:
        query = query.execution_options(populate_existing=True)
    return list(db.session.scalars(query).unique())


@dataclass(frozen=True)
class CourseRef:
    """A course as plan snapshots hold it; ``title`` is its latest version's."""

    id: int
    code: str
    title: str


@dataclass(frozen=True)
class AssignmentInfo:
    """An assignment as plain data (what :func:`item_status` reads, and its courses)."""

    id: int
    plan_id: int
    starts_on: dt.date
    due_on: dt.date | None
    due_days: int | None
    cycle_years: int | None
    courses: tuple[CourseRef, ...]


@dataclass(frozen=True)
class PlanInfo:
    """A plan with at least one assignment, as plain data. ``rule`` holds tuples: never change it."""

    id: int
    name: str
    rule: Rule
    assignments: tuple[AssignmentInfo, ...]

    @property
    def needs_entry_date(self) -> bool:
        """Whether a due date counts from the day a cadre entered the audience."""
        return any(a.due_on is None for a in self.assignments)


def _snapshot_plans() -> tuple[PlanInfo, ...]:
    plans = _plans_with_assignments(fresh=True)
    course_ids = sorted({c.id for p in plans for a in p.assignments for c in a.courses})
    titles = course_titles(course_ids) if course_ids else {}
    snapshot = []
    for plan in plans:
        rule = Rule.of(plan).frozen()
        assignments = tuple(
            AssignmentInfo(a.id, a.plan_id, a.starts_on, a.due_on, a.due_days, a.cycle_years,
                           tuple(CourseRef(c.id, c.code, titles.get(c.id, c.code)) for c in a.courses))
            for a in plan.assignments
        )
        snapshot.append(PlanInfo(plan.id, plan.name, rule, assignments))
    return tuple(snapshot)


# Plans, their rules and assignments change rarely and are read on every learner's home page: one
# snapshot per process, rebuilt when a plan, an assignment, a unit (paths) or a course changes.
_plans_cache = StampedCache("plans", "courses")


def assigned_plans() -> tuple[PlanInfo, ...]:
    """Every plan with an assignment, with its rule, assignments, courses and course titles (cached)."""
    return _plans_cache.get("assigned", _snapshot_plans)


def plans_of(cadre: Cadre, plans, day: dt.date) -> set[int]:
    """Ids of the ``plans`` (ORM plans or :class:`PlanInfo`) whose audience holds ``cadre`` on ``day``: one query."""
    return _standing_rules(cadre, plans, lambda: _rules_statement(plans, day, exemptions=False))[0]


def _assigned_standing(cadre: Cadre, day: dt.date) -> tuple[tuple[PlanInfo, ...], set[int], set[int]]:
    """The snapshot of :func:`assigned_plans`, the ids of its plans whose audience holds ``cadre`` on
    ``day`` and the ids of the assignments the cadre is exempt from: one query. Every home page asks, so
    the statement is built once per day and kept with the snapshot (building and keying a union of
    every plan's rule cost more than running it)."""
    plans = assigned_plans()
    member_of, exempt = _standing_rules(cadre, plans, lambda: _plans_cache.get(
        ("rules", day), lambda: _rules_statement(plans, day, exemptions=True)))
    return plans, member_of, exempt


def _standing_rules(cadre: Cadre, plans, statement) -> tuple[set[int], set[int]]:
    """(ids of the plans whose audience holds ``cadre``, ids of the assignments they are exempt from),
    by ``statement()``, a :func:`_rules_statement` of ``plans``."""
    if cadre.unit_id is None or not plans:
        return set(), set()
    found: tuple[set[int], set[int]] = (set(), set())
    for kind, ref in db.session.execute(statement(), {"cadre_id": cadre.id}):
        found[kind].add(ref)
    return found


def _rules_statement(plans, day: dt.date, exemptions: bool):
    """The union of every plan's rule on ``day`` (and the exemptions), for the cadre bound as ``cadre_id``."""
    cadre_id = bindparam("cadre_id", type_=Integer)
    selects = [
        select(literal(0).label("kind"), literal(plan.id).label("ref")).select_from(Cadre)
        .join(Unit, Unit.id == Cadre.unit_id)
        .where(Cadre.id == cadre_id, *conditions(plan.rule if isinstance(plan, PlanInfo) else Rule.of(plan), day))
        for plan in plans
    ]
    if exemptions:
        selects.append(select(literal(1), Exemption.assignment_id).where(Exemption.cadre_id == cadre_id))
    return union_all(*selects)


def cadre_progress(cadre_id: int, course_ids: list[int]) -> Progress:
    """:func:`load_progress` for one cadre in one statement (enrolments and valid certificates together)."""
    progress = Progress()
    if not course_ids:
        return progress
    for kind, course_id, completed_at, issued_on in db.session.execute(
            _progress_statement(), {"cadre_id": cadre_id, "course_ids": list(course_ids)}):
        if kind == 1:
            progress.completions[(cadre_id, course_id)].append(issued_on)
        elif completed_at is None:
            progress.open.add((cadre_id, course_id))
        else:
            progress.completions[(cadre_id, course_id)].append(local_date(completed_at))
    return progress


@functools.cache
def _progress_statement():
    """The statement of :func:`cadre_progress` (built once: every home page runs it)."""
    cadre_id = bindparam("cadre_id", type_=Integer)
    course_ids = bindparam("course_ids", type_=Integer, expanding=True)
    return union_all(
        select(literal(0).label("kind"), Enrolment.course_id, Enrolment.completed_at,
               cast(null(), Date).label("issued_on"))
        .where(Enrolment.cadre_id == cadre_id, Enrolment.course_id.in_(course_ids)),
        select(literal(1), Certificate.course_id, cast(null(), UTCDateTime), Certificate.issued_on)
        .where(Certificate.cadre_id == cadre_id, Certificate.course_id.in_(course_ids), Certificate.status == VALID),
    )


def cadre_history(cadre: Cadre) -> History:
    """:func:`load_histories` for one loaded cadre: memberships, titles and plannings in one statement."""
    history = History(track_override_id=cadre.track_override_id)
    rows = db.session.execute(union_all(
        select(literal(0).label("kind"), Membership.id, Membership.start_on, Membership.end_on,
               Unit.path, Unit.track_id.label("ref"))
        .join(Unit, Unit.id == Membership.unit_id).where(Membership.cadre_id == cadre.id),
        select(literal(1), CadreTitle.id, CadreTitle.start_on, CadreTitle.end_on, cast(null(), String),
               CadreTitle.title_type_id)
        .where(CadreTitle.cadre_id == cadre.id),
        select(literal(2), Planning.id, Planning.start_on, Planning.end_on, cast(null(), String),
               Planning.title_type_id)
        .where(Planning.cadre_id == cadre.id),
    )).all()
    for kind, _id, start, end, path, ref in sorted(rows, key=lambda r: (r[0], r[2], r[1])):
        if kind == 0:
            history.memberships.append((start, end, path, ref))
        elif kind == 1:
            history.titles.append((ref, start, end))
        else:
            history.plannings.append((ref, start, end))
    return history


@dataclass
class CadreItem:
    assignment: AssignmentInfo
    course: CourseRef
    title: str
    status: ItemStatus


def cadre_items(cadre: Cadre, day: dt.date | None = None) -> list[CadreItem]:
    """What is assigned to ``cadre``, most urgent first (the home page and reminders of one cadre).

    At most three queries: audiences and exemptions, progress, and (only when a due date counts from
    the day the cadre entered an audience) the cadre's history; the plans themselves come from the
    per-process snapshot.
    """
    day = day or today()
    plans, member_of, exempt = _assigned_standing(cadre, day)
    mine = [p for p in plans if p.id in member_of]
    if not mine:
        return []
    course_ids = sorted({c.id for p in mine for a in p.assignments for c in a.courses})
    progress = cadre_progress(cadre.id, course_ids)
    history = cadre_history(cadre) if any(p.needs_entry_date for p in mine) else None
    soon = int(config("REMINDER_DAYS_BEFORE"))
    items = []
    for plan in mine:
        # The entry date only moves relative due dates (``base_due``): without one it is never read.
        entered = entry_date(plan.rule, history, day) if plan.needs_entry_date else None
        for assignment in plan.assignments:
            for course in assignment.courses:
                status = item_status(assignment, entered or assignment.starts_on,
                                     progress.completions.get((cadre.id, course.id), []),
                                     (cadre.id, course.id) in progress.open, assignment.id in exempt, day, soon)
                items.append(CadreItem(assignment, course, course.title, status))
    order = {s: i for i, s in enumerate(STATUSES)}
    items.sort(key=lambda i: (order[i.status.status], i.status.due_on or dt.date.max, i.title))
    return items


def course_titles(course_ids) -> dict[int, str]:
    """The title of each course's latest version (one query)."""
    from lms.courses.models import CourseVersion

    latest = (select(CourseVersion.course_id, func.max(CourseVersion.number).label("number"))
              .where(CourseVersion.course_id.in_(course_ids)).group_by(CourseVersion.course_id).subquery())
    rows = db.session.execute(
        select(CourseVersion.course_id, CourseVersion.title).join(
            latest, and_(latest.c.course_id == CourseVersion.course_id, latest.c.number == CourseVersion.number))
    )
    return dict(rows.all())


def home_block(cadre: Cadre | None, day: dt.date | None = None) -> dict | None:
    """The cadre's home-page block: open items split into overdue, due soon and the rest."""
    if cadre is None:
        return None
    items = [i for i in cadre_items(cadre, day) if i.status.is_open]
    return {
        "overdue": [i for i in items if i.status.status == OVERDUE],
        "due_soon": [i for i in items if i.status.status == DUE_SOON],
        "assigned": [i for i in items if i.status.status in (ASSIGNED, IN_PROGRESS)],
    }


def assigned_course_ids(cadre: Cadre, day: dt.date | None = None) -> set[int]:
    """Ids of the courses assigned to ``cadre`` (and not exempt): one query, whatever the number of courses."""
    if cadre is None:
        return set()
    plans, member_of, exempt = _assigned_standing(cadre, day or today())
    return {c.id for p in plans if p.id in member_of for a in p.assignments if a.id not in exempt for c in a.courses}


def is_assigned(cadre: Cadre, course: Course, day: dt.date | None = None) -> bool:
    """Whether ``course`` is assigned to ``cadre`` (and they are not exempt): the learner views let an
    assigned cadre into a course that is not open for self-enrolment."""
    if cadre is None or course is None:
        return False
    return course.id in assigned_course_ids(cadre, day)


# -- lists for admins --------------------------------------------------------------------------------

def visible_plans(user) -> list[Plan]:
    """Plans a user may see: federation admins all; union admins those of their subtree and those
    whose scope contains their unit (federation-wide plans: they see their own subtree's members)."""
    query = select(Plan).outerjoin(Unit, Unit.id == Plan.scope_unit_id).options(
        joinedload(Plan.scope_unit), selectinload(Plan.assignments).selectinload(Assignment.courses))
    if not is_federation_admin(user):
        query = query.where(or_(
            Plan.scope_unit_id.is_(None), Unit.path.startswith(user.unit.path),
            Plan.scope_unit_id.in_(user.unit.ancestor_ids())))
    return list(db.session.scalars(query.order_by(Plan.created_at.desc(), Plan.id.desc())).unique())


def failed_messages(user) -> list[OutboxMessage]:
    """Undeliverable e-mails: federation admins all, union admins those about their subtree."""
    query = select(OutboxMessage).where(OutboxMessage.status == OUTBOX_FAILED).options(
        joinedload(OutboxMessage.cadre), joinedload(OutboxMessage.unit))
    if not is_federation_admin(user):
        query = query.join(Unit, Unit.id == OutboxMessage.unit_id).where(Unit.path.startswith(user.unit.path))
    return list(db.session.scalars(query.order_by(OutboxMessage.created_at.desc()).limit(500)))


def notifications_of(user, limit: int = 100) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def unread_count(user) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def new_round_due(cadre: Cadre, course: Course, day: dt.date | None = None) -> bool:
    """Whether a re-training cycle asks ``cadre`` to take ``course`` again (completed before, due again now)."""
    return any(
        item.course.id == course.id and item.status.status in (OVERDUE, DUE_SOON) and item.status.completed_on
        for item in cadre_items(cadre, day)
    )
