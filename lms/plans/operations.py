"""Writes of the plans area: plans, assignments, exemptions, notifications, the outbox, reminders.

Callers commit (the request, or ``lms reminders send``). Web requests only ever write rows here;
e-mail leaves the building in :func:`lms.plans.mail.deliver_due`, run by the command.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from lms.accounts.models import ROLE_UNION_ADMIN, User
from lms.cadres.models import Cadre, TitleType
from lms.certificates.models import VALID, Certificate
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.i18n import _, format_date
from lms.core.policy import in_scope, is_federation_admin
from lms.core.settings import get_settings
from lms.core.text import nfc
from lms.courses.models import Course
from lms.orgs.models import Track, Unit
from lms.plans import queries
from lms.plans.models import (
    OUTBOX_FAILED, OUTBOX_PENDING, Assignment, Exemption, Notification, OutboxMessage, Plan,
)

EMPLOYMENTS = ("", "full_time", "part_time")
MAX_CYCLE_YEARS = 10
MAX_DUE_DAYS = 3650


# -- plans and assignments ---------------------------------------------------------------------------

@dataclass
class PlanData:
    name: str
    units: list[Unit] = field(default_factory=list)
    tracks: list[Track] = field(default_factory=list)
    titles: list[TitleType] = field(default_factory=list)
    employment: str = ""
    new_within_months: int | None = None
    planned_titles: list[TitleType] = field(default_factory=list)  # quy hoạch


def _scope_unit(actor) -> Unit | None:
    return None if actor is None or is_federation_admin(actor) else actor.unit


def check_plan(data: PlanData, actor) -> None:
    errors = {}
    if not nfc(data.name or ""):
        errors["name"] = _("Vui lòng nhập tên kế hoạch.")
    if actor is not None and any(not in_scope(actor, u) for u in data.units):
        errors["units"] = _("Chỉ chọn được đơn vị trong phạm vi bạn quản lý.")
    if data.employment not in EMPLOYMENTS:
        errors["employment"] = _("Lựa chọn không hợp lệ.")
    if data.new_within_months is not None and not 1 <= data.new_within_months <= 120:
        errors["new_within_months"] = _("Số tháng phải từ 1 đến 120.")
    if errors:
        raise ValidationError(errors)


def rule_for(data: PlanData, actor) -> queries.Rule:
    """The rule ``data`` would save, for a preview."""
    scope = _scope_unit(actor)
    return queries.Rule(
        scope_path=scope.path if scope is not None else None, unit_paths=[u.path for u in data.units],
        track_ids=[t.id for t in data.tracks], title_ids=[t.id for t in data.titles],
        employment=data.employment, new_within_months=data.new_within_months,
        planned_title_ids=[t.id for t in data.planned_titles],
    )


def create_plan(data: PlanData, actor) -> Plan:
    """A plan in the actor's scope: a union admin's plan never reaches outside their subtree."""
    check_plan(data, actor)
    scope = _scope_unit(actor)
    plan = Plan(name=nfc(data.name), scope_unit_id=scope.id if scope is not None else None,
                employment=data.employment, new_within_months=data.new_within_months,
                created_by_id=actor.id if actor is not None else None)
    plan.units = list(data.units)
    plan.tracks = list(data.tracks)
    plan.titles = list(data.titles)
    plan.planned_titles = list(data.planned_titles)
    db.session.add(plan)
    db.session.flush()
    return plan


@dataclass
class AssignmentData:
    courses: list[Course]
    due_on: dt.date | None = None
    due_days: int | None = None
    cycle_years: int | None = None
    starts_on: dt.date | None = None
    note: str = ""


def create_assignment(plan: Plan, data: AssignmentData, actor=None, today: dt.date | None = None) -> Assignment:
    """Assign courses to the plan's audience: due on a fixed date, or ``due_days`` after entering."""
    errors = {}
    if not data.courses:
        errors["courses"] = _("Vui lòng chọn ít nhất một khóa học.")
    if (data.due_on is None) == (data.due_days is None):
        errors["due_kind"] = _("Chọn một hạn: một ngày cố định, hoặc số ngày kể từ khi vào đối tượng.")
    if data.due_days is not None and not 1 <= data.due_days <= MAX_DUE_DAYS:
        errors["due_days"] = _("Số ngày phải từ 1 đến %(n)s.", n=MAX_DUE_DAYS)
    if data.cycle_years is not None and not 1 <= data.cycle_years <= MAX_CYCLE_YEARS:
        errors["cycle_years"] = _("Chu kỳ phải từ 1 đến %(n)s năm.", n=MAX_CYCLE_YEARS)
    if errors:
        raise ValidationError(errors)
    assignment = Assignment(
        plan_id=plan.id, starts_on=data.starts_on or today or queries.today(), due_on=data.due_on,
        due_days=data.due_days, cycle_years=data.cycle_years, note=nfc(data.note or ""),
        created_by_id=actor.id if actor is not None else None,
    )
    assignment.courses = list(data.courses)
    db.session.add(assignment)
    db.session.flush()
    return assignment


def exempt(assignment: Assignment, cadre: Cadre, reason: str, actor=None, today: dt.date | None = None) -> Exemption:
    """Excuse a member of the audience from the assignment, with the reason (replaces an earlier one)."""
    reason = nfc(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Vui lòng ghi lý do miễn.")})
    rule = queries.Rule.of(assignment.plan)
    member = db.session.scalar(queries.audience_select(rule, today or queries.today()).where(Cadre.id == cadre.id))
    if member is None:
        raise ValidationError({"cadre_id": _("Cán bộ không thuộc đối tượng của kế hoạch.")})
    row = db.session.scalar(select(Exemption).where(
        Exemption.assignment_id == assignment.id, Exemption.cadre_id == cadre.id))
    if row is None:
        row = Exemption(assignment_id=assignment.id, cadre_id=cadre.id, reason=reason)
        db.session.add(row)
    row.reason = reason
    row.created_by_id = actor.id if actor is not None else None
    db.session.flush()
    return row


def remove_exemption(assignment: Assignment, cadre: Cadre) -> bool:
    row = db.session.scalar(select(Exemption).where(
        Exemption.assignment_id == assignment.id, Exemption.cadre_id == cadre.id))
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


# -- notifications and the outbox --------------------------------------------------------------------

def existing_keys(model, keys) -> set[str]:
    """Which of ``keys`` are already used (in chunks, to stay under parameter limits)."""
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        found.update(db.session.scalars(select(model.dedupe_key).where(model.dedupe_key.in_(keys[start:start + 500]))))
    return found


def mark_read(user, moment: dt.datetime | None = None) -> int:
    rows = db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))).all()
    for row in rows:
        row.read_at = moment or queries.now()
    db.session.flush()
    return len(rows)


def resend(message: OutboxMessage, moment: dt.datetime | None = None) -> None:
    """Put a failed message back in the queue with a fresh set of attempts (``lms reminders send`` delivers it)."""
    message.status = OUTBOX_PENDING
    message.attempts = 0
    message.next_attempt_at = moment or queries.now()
    db.session.flush()


@dataclass
class Batch:
    """Notifications and e-mails to write, deduplicated against what was written before."""

    notifications: dict[str, dict] = field(default_factory=dict)
    mails: dict[str, dict] = field(default_factory=dict)

    def notify(self, key: str, user_id: int, kind: str, title: str, body: str, url: str) -> None:
        self.notifications.setdefault(key, dict(dedupe_key=key, user_id=user_id, kind=kind, title=title, body=body, url=url))

    def mail(self, key: str, to: str, kind: str, subject: str, body: str, cadre_id: int | None, unit_id: int | None) -> None:
        if to and "@" in to:
            self.mails.setdefault(key, dict(dedupe_key=key, to_address=to, kind=kind, subject=subject, body=body,
                                            cadre_id=cadre_id, unit_id=unit_id))

    def write(self, moment: dt.datetime) -> tuple[int, int]:
        """Insert what is new; return (notifications, e-mails) written."""
        new_notes = self._fresh(Notification, self.notifications)
        new_mails = self._fresh(OutboxMessage, self.mails)
        for values in new_notes:
            db.session.add(Notification(created_at=moment, **values))
        for values in new_mails:
            db.session.add(OutboxMessage(created_at=moment, next_attempt_at=moment, status=OUTBOX_PENDING,
                                         attempts=0, last_error="", **values))
        db.session.flush()
        return len(new_notes), len(new_mails)

    @staticmethod
    def _fresh(model, rows: dict[str, dict]) -> list[dict]:
        used = existing_keys(model, rows)
        return [values for key, values in rows.items() if key not in used]


# -- reminders ---------------------------------------------------------------------------------------

@dataclass
class ReminderResult:
    notifications: int = 0
    mails: int = 0


def _path(endpoint: str, **values) -> str:
    """A URL path built without a request (the command runs outside one)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def compute_reminders(day: dt.date | None = None, moment: dt.datetime | None = None) -> ReminderResult:
    """Write the reminders due on ``day``: idempotent, each has a dedupe key, so a second run writes nothing.

    For each cadre and assignment (courses with the same due date together): ``REMINDER_DAYS_BEFORE``
    days before the due date, on the day, and weekly once overdue (on days 1, 8, 15… after it).
    Union admins whose subtree holds overdue cadres get one weekly summary per assignment.
    Certificates expiring within ``renewal_reminder_days`` (a setting) get one reminder each.
    """
    day = day or queries.today()
    moment = moment or queries.now()
    settings = get_settings()
    base_url = str(settings.get("public_base_url") or "").rstrip("/")
    before = int(queries.config("REMINDER_DAYS_BEFORE"))
    batch = Batch()
    # Each reminder is written in its reader's language: a login's own, and for an e-mail the language of
    # the cadre's login (the platform's default when the cadre has none).
    users_by_cadre: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for user_id, cadre_id, locale in db.session.execute(select(User.id, User.cadre_id, User.locale).where(
            User.cadre_id.is_not(None), User.is_enabled.is_(True)).order_by(User.id)):
        users_by_cadre[cadre_id].append((user_id, locale))
    admins = list(db.session.scalars(select(User).where(User.role == ROLE_UNION_ADMIN, User.is_enabled.is_(True))))
    plans = queries._plans_with_assignments()
    course_ids = {c.id for p in plans for a in p.assignments for c in a.courses}
    titles = queries.course_titles(course_ids) if course_ids else {}

    for plan in plans:
        for assignment in plan.assignments:
            report = queries.assignment_report(assignment, day)
            overdue_by_admin: dict[int, int] = defaultdict(int)
            for row in report.rows:
                groups: dict[tuple[str, dt.date], list[Course]] = defaultdict(list)
                for course, item in row.items:
                    if not item.is_open or item.due_on is None:
                        continue
                    if item.status == queries.OVERDUE:
                        week = ((day - item.due_on).days - 1) // 7  # days 1–7 after: week 0, 8–14: week 1…
                        groups[(f"overdue-w{week}", item.due_on)].append(course)
                    elif item.due_on == day:
                        groups[("due", item.due_on)].append(course)
                    elif day >= item.due_on - dt.timedelta(days=before):
                        groups[("before", item.due_on)].append(course)
                for (kind, due), courses in groups.items():
                    key = f"plan:{kind}:a{assignment.id}:c{row.cadre.id}:{due.isoformat()}"
                    names = ", ".join(titles.get(c.id, c.code) for c in courses)
                    url = _path("learn.course", code=courses[0].code)
                    readers = users_by_cadre.get(row.cadre.id, [])
                    for user_id, locale in readers:
                        with _language(locale):
                            title, body = _reminder_text(kind, names, due)
                        batch.notify(f"{key}:u{user_id}", user_id, "plan_" + kind.split("-")[0], title, body, url)
                    with _language(_mail_locale(readers)):
                        title, body = _reminder_text(kind, names, due)
                        batch.mail(f"{key}:mail", row.cadre.email, "plan_" + kind.split("-")[0], title,
                                   _mail_body(row.cadre.full_name, body, base_url + url), row.cadre.id, row.cadre.unit_id)
                    if kind.startswith("overdue") and row.cadre.unit is not None:
                        for admin in admins:
                            if admin.unit is not None and row.cadre.unit.path.startswith(admin.unit.path):
                                overdue_by_admin[admin.id] += 1
            year, week, _weekday = day.isocalendar()
            for admin in admins:
                count = overdue_by_admin.get(admin.id, 0)
                if not count:
                    continue
                key = f"plan:overdue-admin:a{assignment.id}:u{admin.id}:{year}-W{week:02d}"
                url = _path("plans.assignment", assignment_id=assignment.id)
                with _language(admin.locale):
                    title = _("%(n)s cán bộ quá hạn: %(plan)s", n=count, plan=plan.name)
                    body = _("Trong đơn vị bạn quản lý có %(n)s cán bộ chưa hoàn thành khóa học được giao đúng hạn.",
                             n=count)
                    batch.notify(f"{key}:note", admin.id, "plan_overdue_admin", title, body, url)
                    email = admin.cadre.email if admin.cadre is not None else ""
                    batch.mail(f"{key}:mail", email, "plan_overdue_admin", title,
                               _mail_body(admin.username, body, base_url + url), None, admin.unit_id)

    _renewals(batch, day, users_by_cadre, settings, base_url)
    return ReminderResult(*batch.write(moment))


def _language(locale: str | None):
    """Write what follows in ``locale`` when the platform offers it, else in its default language."""
    languages = current_app.config["LANGUAGES"]
    return force_locale(locale if locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"])


def _mail_locale(readers: list[tuple[int, str]]) -> str | None:
    """An e-mail to a cadre goes in the language of the cadre's (first) login; None: the default."""
    return readers[0][1] if readers else None


def _reminder_text(kind: str, names: str, due: dt.date) -> tuple[str, str]:
    if kind == "before":
        return (_("Sắp đến hạn %(date)s: %(courses)s", date=format_date(due), courses=names),
                _("Bạn cần hoàn thành %(courses)s trước ngày %(date)s.", courses=names, date=format_date(due)))
    if kind == "due":
        return (_("Hôm nay là hạn hoàn thành: %(courses)s", courses=names),
                _("Hôm nay (%(date)s) là hạn hoàn thành %(courses)s.", date=format_date(due), courses=names))
    return (_("Quá hạn từ %(date)s: %(courses)s", date=format_date(due), courses=names),
            _("Bạn chưa hoàn thành %(courses)s, hạn là ngày %(date)s. Hãy học ngay.", courses=names, date=format_date(due)))


def _mail_body(name: str, text: str, link: str) -> str:
    return "\n".join([
        _("Kính gửi %(name)s,", name=name), "", text, "", link, "",
        _("Thư này được gửi tự động từ nền tảng học tập cán bộ công đoàn."),
    ])


def _renewals(batch: Batch, day: dt.date, users_by_cadre, settings, base_url: str) -> None:
    """Certificates that expire within ``renewal_reminder_days``: one reminder each (per expiry date)."""
    days = int(settings.get("renewal_reminder_days") or 0)
    if days <= 0:
        return
    rows = db.session.execute(
        select(Certificate, Cadre).join(Cadre, Cadre.id == Certificate.cadre_id).where(
            Certificate.status == VALID, Certificate.expires_on.is_not(None),
            Certificate.expires_on >= day, Certificate.expires_on <= day + dt.timedelta(days=days))
    ).all()
    for certificate, cadre in rows:
        key = f"renewal:cert{certificate.id}:{certificate.expires_on.isoformat()}"
        url = ""
        if certificate.course_id is not None:
            course = db.session.get(Course, certificate.course_id)
            url = _path("learn.course", code=course.code) if course is not None else ""

        def texts() -> tuple[str, str]:
            return (_("Giấy chứng nhận sắp hết hạn: %(title)s", title=certificate.title),
                    _("Giấy chứng nhận số %(serial)s (%(title)s) hết hạn ngày %(date)s. Hãy học lại để được cấp giấy mới.",
                      serial=certificate.serial, title=certificate.title, date=format_date(certificate.expires_on)))

        readers = users_by_cadre.get(cadre.id, [])
        for user_id, locale in readers:
            with _language(locale):
                title, body = texts()
            batch.notify(f"{key}:u{user_id}", user_id, "certificate_renewal", title, body, url)
        with _language(_mail_locale(readers)):
            title, body = texts()
            batch.mail(f"{key}:mail", cadre.email, "certificate_renewal", title,
                       _mail_body(cadre.full_name, body, base_url + url if url else base_url), cadre.id, cadre.unit_id)


def failed(message: OutboxMessage) -> bool:
    return message.status == OUTBOX_FAILED
