"""Changes to the organisation tree. Each writes a dated ``UnitEvent`` and keeps every cadre's history.

Operations validate their input, change the database and flush; the request or command commits.
Every effective date is checked here (not only in the forms), so that the command line and imports
cannot put a history out of order either: see :func:`_check_effective_on`. An operation refused for any
reason has written nothing, so a command that does not roll back is safe too.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import NoReturn

from sqlalchemy import func, select, update

from lms.cadres.models import Cadre, CadreTitle, Membership
from lms.core.clock import local_today
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.i18n import _l, format_number, local_name
from lms.core.text import fold, nfc
from lms.orgs.models import Track, Unit, UnitEvent, UnitLevel


def _event(unit: Unit, kind: str, effective_on: dt.date, actor_id: int | None, **values) -> UnitEvent:
    event = UnitEvent(unit_id=unit.id, kind=kind, effective_on=effective_on, actor_id=actor_id, **values)
    db.session.add(event)
    return event


def _require_active(unit: Unit, field: str = "") -> None:
    if not unit.is_active:
        raise ValidationError({field: str(_l("Đơn vị %(name)s đã giải thể hoặc sáp nhập.", name=unit.name))})


def _day(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def _latest_events(units: list[Unit]) -> dict[int, dt.date]:
    """The date of the latest event in each unit's history (its own events and merges it received, as its
    page lists them): one query for any number of units."""
    ids = [u.id for u in units]
    rows = select(UnitEvent.unit_id.label("unit_id"), UnitEvent.effective_on).where(UnitEvent.unit_id.in_(ids)).union_all(
        select(UnitEvent.target_id, UnitEvent.effective_on).where(UnitEvent.target_id.in_(ids))
    ).subquery()
    return dict(db.session.execute(
        select(rows.c.unit_id, func.max(rows.c.effective_on)).group_by(rows.c.unit_id)
    ).all())


def _check_effective_on(
    effective_on: dt.date, unit: Unit, *, others: tuple[Unit, ...] = (), moved: tuple[Unit, ...] = (),
    closes: bool = False,
) -> None:
    """Refuse, on the ``effective_on`` field, a date that would put a history out of order.

    The date may not be after today (Vietnam's today), nor before ``unit`` began, nor before the latest
    change already in the history of ``unit`` or of the units ``moved`` along with it (a merge moves the
    sub-units), nor before the ``others`` (a new parent, a merge target) began. An operation that ``closes``
    the unit's current memberships and titles may not end one before it started.
    """
    def refuse(message) -> NoReturn:
        raise ValidationError({"effective_on": str(message)})

    if effective_on > local_today():
        refuse(_l("Ngày có hiệu lực không được sau hôm nay."))
    for other in (unit, *others, *moved):
        if effective_on < other.active_from:
            refuse(_l("Ngày có hiệu lực không được trước ngày %(name)s bắt đầu hoạt động (%(d)s).",
                      name=other.name, d=_day(other.active_from)))
    latest = _latest_events([unit, *moved])
    for other in (unit, *moved):
        if other.id in latest and effective_on < latest[other.id]:
            refuse(_l("Ngày có hiệu lực không được trước thay đổi gần nhất trong lịch sử của %(name)s (%(d)s).",
                      name=other.name, d=_day(latest[other.id])))
    if not closes:
        return
    for held, message in (
        (Membership, _l("Ngày có hiệu lực không được trước ngày %(name)s bắt đầu sinh hoạt tại đơn vị (%(d)s).")),
        (CadreTitle, _l("Ngày có hiệu lực không được trước ngày %(name)s bắt đầu giữ chức danh tại đơn vị (%(d)s).")),
    ):
        latest = db.session.execute(
            select(held.start_on, Cadre.full_name).join(Cadre, Cadre.id == held.cadre_id)
            .where(held.unit_id == unit.id, held.end_on.is_(None), held.start_on > effective_on)
            .order_by(held.start_on.desc()).limit(1)
        ).first()
        if latest is not None:
            refuse(str(message) % {"name": latest.full_name, "d": _day(latest.start_on)})


UNIT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,39}$")


def search_key(name: str, code: str) -> str:
    """A unit's search key: its folded name and code, cut to the column (a 300-character name, which
    the forms allow, plus the code would not fit, and PostgreSQL refuses what SQLite stores)."""
    return fold(f"{name} {code}")[:Unit.search_key.type.length]


def create_unit(
    *, code: str, name: str, level: UnitLevel, parent: Unit | None, track: Track | None,
    active_from: dt.date, actor_id: int | None = None,
) -> Unit:
    code = nfc(code).strip().upper()
    name = nfc(name)
    errors = {}
    if not code:
        errors["code"] = str(_l("Vui lòng nhập mã đơn vị."))
    elif not UNIT_CODE.match(code):  # typed again in import files and URLs of reports: plain characters only
        errors["code"] = str(_l("Mã đơn vị chỉ gồm chữ không dấu, số, dấu chấm, - và _ (tối đa 40 ký tự), ví dụ CDCS-0004."))
    elif db.session.scalar(select(Unit.id).where(Unit.code == code)):
        errors["code"] = str(_l("Mã đơn vị %(code)s đã có.", code=code))
    if not name:
        errors["name"] = str(_l("Vui lòng nhập tên đơn vị."))
    if parent is not None:
        if not parent.is_active:
            errors["parent"] = str(_l("Đơn vị cấp trên đã giải thể hoặc sáp nhập."))
        elif parent.level.rank >= level.rank:
            errors["level"] = str(_l("Cấp của đơn vị phải thấp hơn cấp của đơn vị cấp trên."))
    if active_from > local_today():
        errors["active_from"] = str(_l("Ngày bắt đầu hoạt động không được sau hôm nay."))
    elif parent is not None and active_from < parent.active_from:
        errors["active_from"] = str(_l(
            "Ngày bắt đầu hoạt động không được trước ngày %(name)s bắt đầu hoạt động (%(d)s).",
            name=parent.name, d=_day(parent.active_from)))
    if errors:
        raise ValidationError(errors)
    unit = Unit(
        code=code, name=name, search_key=search_key(name, code), level=level, parent=parent,
        track=track if track is not None else (parent.track if parent is not None else None),
        active_from=active_from,
    )
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent is not None else "/") + f"{unit.id}/"
    _event(unit, "create", active_from, actor_id, new_name=name, new_parent_id=parent.id if parent else None,
           new_track_id=unit.track_id)
    db.session.flush()
    return unit


def rename_unit(unit: Unit, new_name: str, effective_on: dt.date, actor_id: int | None = None) -> Unit:
    _require_active(unit)
    new_name = nfc(new_name)
    if not new_name:
        raise ValidationError({"name": str(_l("Vui lòng nhập tên đơn vị."))})
    if new_name == unit.name:
        raise ValidationError({"name": str(_l("Tên mới trùng tên hiện tại."))})
    _check_effective_on(effective_on, unit)
    _event(unit, "rename", effective_on, actor_id, old_name=unit.name, new_name=new_name)
    unit.name = new_name
    unit.search_key = search_key(new_name, unit.code)
    db.session.flush()
    return unit


def set_track(unit: Unit, track: Track | None, effective_on: dt.date, actor_id: int | None = None) -> Unit:
    _require_active(unit)
    if (track.id if track else None) == unit.track_id:
        # An event that changes nothing would also hold back every earlier-dated change of the unit.
        raise ValidationError({"track": str(_l("Khu vực mới trùng khu vực hiện tại."))})
    _check_effective_on(effective_on, unit)
    _event(unit, "retrack", effective_on, actor_id, old_track_id=unit.track_id, new_track_id=track.id if track else None)
    unit.track = track
    db.session.flush()
    return unit


def move_unit(unit: Unit, new_parent: Unit, effective_on: dt.date, actor_id: int | None = None) -> Unit:
    """Put ``unit`` (and its whole subtree) under ``new_parent``. Cadres stay in their units."""
    _require_active(unit)
    _require_active(new_parent, "parent")
    if new_parent.id == unit.id or new_parent.path.startswith(unit.path):
        raise ValidationError({"parent": str(_l("Không thể chuyển một đơn vị vào bên trong chính nó."))})
    if new_parent.id == unit.parent_id:
        raise ValidationError({"parent": str(_l("Đơn vị đã trực thuộc %(name)s.", name=new_parent.name))})
    if new_parent.level.rank >= unit.level.rank:
        raise ValidationError({"parent": str(_l("Đơn vị cấp trên mới phải ở cấp cao hơn đơn vị được chuyển."))})
    _check_effective_on(effective_on, unit, others=(new_parent,))
    return _move(unit, new_parent, effective_on, actor_id)


def _move(unit: Unit, new_parent: Unit, effective_on: dt.date, actor_id: int | None) -> Unit:
    """The writes of a move, once it has been checked."""
    _event(unit, "move", effective_on, actor_id, old_parent_id=unit.parent_id, new_parent_id=new_parent.id)
    old_prefix = unit.path
    new_prefix = new_parent.path + f"{unit.id}/"
    db.session.execute(
        update(Unit)
        .where(Unit.path.startswith(old_prefix))
        .values(path=func.replace(Unit.path, old_prefix, new_prefix))
        .execution_options(synchronize_session="fetch")
    )
    unit.parent = new_parent
    db.session.flush()
    return unit


def _close_memberships(unit: Unit, effective_on: dt.date, reason: str, reopen_in: Unit | None) -> int:
    """End every current membership in ``unit``; with ``reopen_in``, the cadres continue there."""
    rows = db.session.scalars(
        select(Membership).where(Membership.unit_id == unit.id, Membership.end_on.is_(None))
    ).all()
    for membership in rows:
        membership.end_on = effective_on
        if reopen_in is not None:
            db.session.add(Membership(cadre_id=membership.cadre_id, unit_id=reopen_in.id, start_on=effective_on, reason=reason))
    db.session.execute(
        update(Cadre).where(Cadre.unit_id == unit.id).values(unit_id=reopen_in.id if reopen_in else None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        update(CadreTitle).where(CadreTitle.unit_id == unit.id, CadreTitle.end_on.is_(None)).values(end_on=effective_on)
        .execution_options(synchronize_session="fetch")
    )
    return len(rows)


def merge_unit(unit: Unit, target: Unit, effective_on: dt.date, actor_id: int | None = None) -> Unit:
    """Merge ``unit`` into ``target``: its cadres and sub-units continue in ``target``; it ends."""
    _require_active(unit)
    _require_active(target, "target")
    if target.id == unit.id or target.path.startswith(unit.path):
        raise ValidationError({"target": str(_l("Không thể sáp nhập một đơn vị vào chính nó hoặc đơn vị trực thuộc nó."))})
    children = db.session.scalars(select(Unit).where(Unit.parent_id == unit.id, Unit.active_to.is_(None))).all()
    if target.level.rank != unit.level.rank and not (children and target.id == unit.parent_id):
        # A merge joins two units of one level (two grassroots unions, two upper-level unions), or ends a unit
        # with sub-units into its own parent, which takes them and its cadres directly (the upper-level unions
        # ended in 2025, their grassroots unions going straight to the provincial federation). A grassroots
        # union merged into an upper-level union would put its cadres there; into a lower unit, below itself.
        raise ValidationError({"target": str(_l(
            "Chỉ sáp nhập được vào đơn vị cùng cấp, hoặc (đơn vị còn đơn vị trực thuộc) vào đơn vị cấp trên trực "
            "tiếp của nó: %(name)s là %(level)s, %(target)s là %(target_level)s.",
            name=unit.name, level=local_name(unit.level), target=target.name, target_level=local_name(target.level)))})
    for child in children:
        if target.level.rank >= child.level.rank:
            raise ValidationError({"target": str(_l("Đơn vị nhận sáp nhập không thể quản lý đơn vị trực thuộc %(name)s.", name=child.name))})
    # Everything is checked before the first write: a refused merge has moved no sub-unit.
    _check_effective_on(effective_on, unit, others=(target,), moved=tuple(children), closes=True)
    for child in children:
        _move(child, target, effective_on, actor_id)
    unit = db.session.get(Unit, unit.id)
    target = db.session.get(Unit, target.id)
    moved = _close_memberships(unit, effective_on, "merge", target)
    _event(unit, "merge", effective_on, actor_id, target_id=target.id, note=str(moved))
    unit.active_to = effective_on
    unit.merged_into = target
    db.session.flush()
    return target


def dissolve_unit(unit: Unit, effective_on: dt.date, actor_id: int | None = None, note: str = "") -> Unit:
    """End ``unit``. Its active sub-units must be moved or dissolved first; its cadres' memberships close."""
    _require_active(unit)
    active_children = db.session.scalar(
        select(func.count(Unit.id)).where(Unit.parent_id == unit.id, Unit.active_to.is_(None))
    )
    if active_children:
        raise ValidationError(str(_l(
            "Đơn vị còn %(n)s đơn vị trực thuộc đang hoạt động: hãy chuyển hoặc giải thể chúng trước.",
            n=format_number(active_children))))
    _check_effective_on(effective_on, unit, closes=True)
    _close_memberships(unit, effective_on, "dissolve", None)
    _event(unit, "dissolve", effective_on, actor_id, note=nfc(note))
    unit.active_to = effective_on
    db.session.flush()
    return unit
