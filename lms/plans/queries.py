"""Reads of plans: who is in an audience, since when, and where each cadre stands on each course.

Membership of an audience is one SQL query over the current state (:func:`audience_select`).
The date a cadre ENTERED an audience (for due dates "N days after entering") is derived from the
dated history, as the latest of:

* the start of the unbroken run of memberships, ending with the current one, whose units lie in
  the plan's area (its chosen subtrees, else its scope subtree, else anywhere) and, when the plan
  names tracks and the cadre has no personal override, whose units are on one of those tracks.
  A run is unbroken when each membership starts on the day the previous one ended (a transfer);
* when the plan names titles, the earliest start among the cadre's current titles that match;
* when the plan asks for "new within N months", the earliest start among the current titles that
  started within the window (and match the named titles, if any).

Employment (full-time / part-time) has no dated history, so it does not move the entry date. For
cadres who were in the audience before the assignment existed, relative due dates count from the
assignment's ``starts_on``.

Statuses are derived: completed (a completed enrolment or a valid certificate for the course; with
a cycle, one whose cycle has not run out), overdue, due soon, in progress, assigned, exempt.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from lms.cadres.models import Cadre, CadreTitle, Membership
from lms.certificates.models import VALID, Certificate
from lms.core.db import db, utcnow
from lms.core.policy import is_federation_admin
from lms.courses.models import Course, Enrolment
from lms.orgs.models import Unit
from lms.plans.models import (
    OUTBOX_FAILED, Assignment, Exemption, Notification, OutboxMessage, Plan, assignment_courses,
)

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
    return now().astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (negative goes back), clamped to the month's end."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


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

    @classmethod
    def of(cls, plan: Plan) -> Rule:
        return cls(
            scope_path=plan.scope_unit.path if plan.scope_unit is not None else None,
            unit_paths=[u.path for u in plan.units], track_ids=[t.id for t in plan.tracks],
            title_ids=[t.id for t in plan.titles], employment=plan.employment or "",
            new_within_months=plan.new_within_months,
        )

    def area(self) -> list[str]:
        """The subtree paths a member's unit must lie in ([] = anywhere)."""
        if self.unit_paths:
            return self.unit_paths
        return [self.scope_path] if self.scope_path else []

    def in_area(self, path: str) -> bool:
        area = self.area()
        return not area or any(path.startswith(p) for p in area)


def _current_title(day: dt.date):
    return and_(
        CadreTitle.cadre_id == Cadre.id, CadreTitle.start_on <= day,
        or_(CadreTitle.end_on.is_(None), CadreTitle.end_on > day),
    )


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
    track_override_id: int | None = None


def load_histories(cadre_ids) -> dict[int, History]:
    """Memberships (with their units' paths and tracks) and titles of the given cadres: three queries.

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

def _plans_with_assignments() -> list[Plan]:
    return list(db.session.scalars(
        select(Plan).where(exists().where(Assignment.plan_id == Plan.id))
        .options(selectinload(Plan.units), selectinload(Plan.tracks), selectinload(Plan.titles),
                 joinedload(Plan.scope_unit), selectinload(Plan.assignments).selectinload(Assignment.courses))
    ).unique())


def plans_of(cadre: Cadre, plans: list[Plan], day: dt.date) -> set[int]:
    """Ids of the ``plans`` whose audience holds ``cadre`` on ``day``: one query for all of them."""
    if not plans or cadre.unit_id is None:
        return set()
    selects = [
        select(literal(plan.id).label("plan_id")).select_from(Cadre).join(Unit, Unit.id == Cadre.unit_id)
        .where(Cadre.id == cadre.id, *conditions(Rule.of(plan), day))
        for plan in plans
    ]
    return set(db.session.scalars(union_all(*selects)))


@dataclass
class CadreItem:
    assignment: Assignment
    course: Course
    title: str
    status: ItemStatus


def cadre_items(cadre: Cadre, day: dt.date | None = None) -> list[CadreItem]:
    """What is assigned to ``cadre``, most urgent first (the home page and reminders of one cadre)."""
    day = day or today()
    plans = _plans_with_assignments()
    member_of = plans_of(cadre, plans, day)
    mine = [p for p in plans if p.id in member_of]
    if not mine:
        return []
    history = load_histories([cadre.id])[cadre.id]
    course_ids = sorted({c.id for p in mine for a in p.assignments for c in a.courses})
    progress = load_progress([cadre.id], course_ids)
    exempt = set(db.session.scalars(select(Exemption.assignment_id).where(Exemption.cadre_id == cadre.id)))
    titles = course_titles(course_ids)
    soon = int(config("REMINDER_DAYS_BEFORE"))
    items = []
    for plan in mine:
        rule = Rule.of(plan)
        entered = entry_date(rule, history, day)
        for assignment in plan.assignments:
            for course in assignment.courses:
                status = item_status(assignment, entered or assignment.starts_on,
                                     progress.completions.get((cadre.id, course.id), []),
                                     (cadre.id, course.id) in progress.open, assignment.id in exempt, day, soon)
                items.append(CadreItem(assignment, course, titles.get(course.id, course.code), status))
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


def is_assigned(cadre: Cadre, course: Course, day: dt.date | None = None) -> bool:
    """Whether ``course`` is assigned to ``cadre`` (and they are not exempt): the learner views let an
    assigned cadre into a course that is not open for self-enrolment."""
    if cadre is None or course is None:
        return False
    day = day or today()
    plans = list(db.session.scalars(
        select(Plan).join(Assignment).join(assignment_courses, assignment_courses.c.assignment_id == Assignment.id)
        .where(assignment_courses.c.course_id == course.id).distinct()
    ))
    member_of = plans_of(cadre, plans, day)
    if not member_of:
        return False
    exempt = set(db.session.scalars(select(Exemption.assignment_id).where(Exemption.cadre_id == cadre.id)))
    return any(
        a.plan_id in member_of and a.id not in exempt and any(c.id == course.id for c in a.courses)
        for p in plans for a in p.assignments
    )


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
