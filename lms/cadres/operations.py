"""Writes on cadres: create, update, transfer between units, titles, dated facts. Callers commit.

A change that the effective date makes impossible (a transfer or a change of employment or levels
dated before the period it would close) is refused before anything is changed.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from lms.cadres.models import (
    Cadre, CadreFacts, CadreTitle, EducationLevel, Membership, Planning, PoliticalLevel, TitleType, cadre_code,
)
from lms.core.clock import add_months, local_today
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.i18n import _l, local_name
from lms.core.text import nfc
from lms.orgs.models import Track, Unit


@dataclass
class CadreData:
    """Validated plain data for one cadre, as a form or an import row gives it."""

    code: str
    full_name: str
    gender: str
    unit: Unit
    birth_date: dt.date | None = None
    employment: str = "part_time"
    education_level: EducationLevel | None = None
    political_level: PoliticalLevel | None = None
    titles: list[TitleType] = field(default_factory=list)
    title_since: dt.date | None = None
    track_override: Track | None = None
    #: False when ``titles`` only repeats what the cadre holds (a form left as it was, an import file
    #: without the column): on a transfer they then end with the old unit instead of moving with the cadre.
    titles_stated: bool = True
    email: str = ""
    phone: str = ""
    term: str = ""


def _check_unit(unit: Unit) -> None:
    if not unit.is_active:
        raise ValidationError({"unit": str(_l("Đơn vị %(name)s đã ngừng hoạt động.", name=unit.name))})


# -- the rules of a cadre's contact and personal fields (the form and the import apply the same) -----

MIN_BIRTH_DATE = dt.date(1930, 1, 1)
MIN_AGE_YEARS = 15  # the minimum working age in the Labour Code 2019
TERM = re.compile(r"^(\d{4})\s*[-–—/]\s*(\d{4})$")


def birth_date_problem(day: dt.date, today: dt.date) -> str | None:
    """Why ``day`` cannot be a cadre's birth date (at least 15 years old, born from 1930), or None."""
    latest = add_months(today, -12 * MIN_AGE_YEARS)  # 29/02 → 28/02
    if MIN_BIRTH_DATE <= day <= latest:
        return None
    return str(_l("Ngày sinh %(d)s không hợp lệ: phải từ %(lo)s đến %(hi)s.", d=day.strftime("%d/%m/%Y"),
                  lo=MIN_BIRTH_DATE.strftime("%d/%m/%Y"), hi=latest.strftime("%d/%m/%Y")))


def normal_phone(text: str) -> str | None:
    """A telephone number as typed (8–15 digits, an optional +, spaces . ( ) - between), or None."""
    digits = re.sub(r"[\s.()-]", "", text)
    return text if re.fullmatch(r"\+?\d{8,15}", digits) and len(text) <= 40 else None


def normal_term(text: str) -> str | None:
    """A term of office written "2023–2028" (from "2023-2028", "2023 / 2028"…), at most 10 years, or None."""
    match = TERM.match(text)
    if not match or not 0 < int(match.group(2)) - int(match.group(1)) <= 10:
        return None
    return f"{match.group(1)}–{match.group(2)}"


def check_effective_on(effective_on: dt.date) -> None:
    """A join, transfer or change takes effect today or earlier: the tree and the reports of today
    would otherwise show a cadre where they only go later (form, import and command alike)."""
    if effective_on > local_today():
        raise ValidationError({"effective_on": str(_l("Ngày có hiệu lực không được sau hôm nay."))})


def create_cadre(data: CadreData, effective_on: dt.date) -> Cadre:
    check_effective_on(effective_on)
    code = cadre_code(data.code)
    if db.session.scalar(select(Cadre.id).where(Cadre.code == code)):
        raise ValidationError({"code": str(_l("Mã cán bộ %(code)s đã có.", code=code))})
    _check_unit(data.unit)
    cadre = Cadre(code=code)
    _apply(cadre, data)
    cadre.unit = data.unit
    db.session.add(cadre)
    db.session.flush()
    db.session.add(Membership(cadre_id=cadre.id, unit_id=data.unit.id, start_on=effective_on, reason="join"))
    db.session.add(CadreFacts(cadre_id=cadre.id, start_on=effective_on, end_on=None, **_facts_dict(facts_of(data))))
    sync_titles(cadre, data.titles, data.title_since or effective_on)
    db.session.flush()
    return cadre


def _apply(cadre: Cadre, data: CadreData) -> None:
    cadre.set_name(data.full_name)
    cadre.gender = data.gender
    cadre.birth_date = data.birth_date
    cadre.employment = data.employment
    cadre.education_level = data.education_level
    cadre.political_level = data.political_level
    cadre.track_override = data.track_override
    cadre.email = nfc(data.email)
    cadre.phone = nfc(data.phone)
    cadre.term = nfc(data.term)


def update_cadre(cadre: Cadre, data: CadreData, effective_on: dt.date) -> bool:
    """Apply ``data``; a different unit is a transfer, a different employment or level a new
    ``CadreFacts`` period, both from ``effective_on``. Returns whether anything changed.

    A transfer or a change of facts dated before the period it would close is refused
    (``ValidationError`` on ``effective_on``) before anything is changed.
    """
    check_effective_on(effective_on)
    facts_before, facts_after = facts_of_cadre(cadre), facts_of(data)
    if data.unit.id != cadre.unit_id:
        _check_transfer(cadre, data.unit, effective_on)
    if facts_after != facts_before:
        check_facts_date(cadre, effective_on)
    before = _snapshot(cadre)
    _apply(cadre, data)
    changed = _snapshot(cadre) != before
    if facts_after != facts_before:
        change_facts(cadre, facts_before, facts_after, effective_on)
    if data.unit.id != cadre.unit_id:
        transfer(cadre, data.unit, effective_on)
        changed = True
        # Titles are held in a unit and end with the move. Titles not stated with the move (the form's
        # boxes left as they were, an import file without the column) were the old unit's: they are not
        # started again in the new one. Stated titles are the titles in the new unit.
        if not data.titles_stated:
            db.session.flush()
            return changed
    if sync_titles(cadre, data.titles, data.title_since or effective_on):
        changed = True
    db.session.flush()
    return changed


def _snapshot(c: Cadre) -> tuple:
    return (
        c.full_name, c.gender, c.birth_date, c.employment, getattr(c.education_level, "id", None),
        getattr(c.political_level, "id", None), getattr(c.track_override, "id", None), c.email, c.phone, c.term,
    )


def _check_transfer(cadre: Cadre, unit: Unit, effective_on: dt.date) -> list[Membership]:
    """The memberships a transfer to ``unit`` on ``effective_on`` closes; refuses an impossible transfer."""
    _check_unit(unit)
    if cadre.unit_id == unit.id:
        raise ValidationError({"unit": str(_l("Cán bộ đang ở đơn vị này."))})
    current = db.session.scalars(
        select(Membership).where(Membership.cadre_id == cadre.id, Membership.end_on.is_(None))
    ).all()
    for membership in current:
        if effective_on < membership.start_on:
            raise ValidationError({"effective_on": str(_l("Ngày chuyển không được trước ngày vào đơn vị hiện tại (%(d)s).", d=membership.start_on.strftime("%d/%m/%Y")))})
    if not current:  # out of every unit (theirs was dissolved): placed again from the day they left or later
        left = db.session.scalar(select(func.max(Membership.end_on)).where(Membership.cadre_id == cadre.id))
        if left is not None and effective_on < left:
            raise ValidationError({"effective_on": str(_l("Ngày vào đơn vị mới không được trước ngày cán bộ rời đơn vị cũ (%(d)s).", d=left.strftime("%d/%m/%Y")))})
    return list(current)


def transfer(cadre: Cadre, unit: Unit, effective_on: dt.date) -> None:
    """Close the current membership and open one in ``unit`` from ``effective_on``."""
    for membership in _check_transfer(cadre, unit, effective_on):
        membership.end_on = effective_on
    # Titles are held in a unit; they end with the move.
    for title in db.session.scalars(select(CadreTitle).where(CadreTitle.cadre_id == cadre.id, CadreTitle.end_on.is_(None))):
        title.end_on = effective_on
    db.session.add(Membership(cadre_id=cadre.id, unit_id=unit.id, start_on=effective_on, reason="transfer"))
    cadre.unit = unit
    db.session.flush()


def sync_titles(cadre: Cadre, titles: list[TitleType], since: dt.date) -> bool:
    """Make the cadre's current titles exactly ``titles``: end the others, start the new ones."""
    current = db.session.scalars(
        select(CadreTitle).where(CadreTitle.cadre_id == cadre.id, CadreTitle.end_on.is_(None))
    ).all()
    wanted = {t.id for t in titles}
    have = {t.title_type_id for t in current}
    for title in current:
        if title.title_type_id not in wanted:
            title.end_on = max(since, title.start_on)
    for title_type in titles:
        if title_type.id not in have:
            db.session.add(CadreTitle(cadre_id=cadre.id, title_type_id=title_type.id, unit_id=cadre.unit_id, start_on=since))
    return wanted != have


# -- dated facts: employment, education and political levels -----------------------------------------

Facts = tuple[str, int | None, int | None]  # (employment, education_level_id, political_level_id)
#: The form and import fields behind each value of :data:`Facts`, in the same order.
FACT_FIELDS = ("employment", "education_level", "political_level")


def facts_of(data: CadreData) -> Facts:
    return (data.employment, getattr(data.education_level, "id", None), getattr(data.political_level, "id", None))


def facts_of_cadre(cadre: Cadre) -> Facts:
    return (cadre.employment, cadre.education_level_id, cadre.political_level_id)


def _facts_dict(facts: Facts) -> dict:
    return dict(zip(("employment", "education_level_id", "political_level_id"), facts))


def open_from(periods) -> dt.date | None:
    """The earliest day from which a change of a cadre's facts may take effect, given their periods as
    ``(start_on, end_on)`` pairs: the start of the open period, or the end of the last closed one when
    none is open. None: no history."""
    return max((end or start for start, end in periods), default=None)


def facts_since(cadre_id: int) -> dt.date | None:
    """:func:`open_from` for one cadre (one query)."""
    return open_from(db.session.execute(
        select(CadreFacts.start_on, CadreFacts.end_on).where(CadreFacts.cadre_id == cadre_id)
    ).all())


def facts_date_error(effective_on: dt.date, since: dt.date) -> str:
    """Why a change of employment or levels effective on ``effective_on`` is refused (form and import alike)."""
    return str(_l(
        "Ngày có hiệu lực %(d)s trước ngày bắt đầu của chế độ công tác và trình độ đang ghi nhận (%(since)s). "
        "Hãy chọn từ ngày %(since)s trở đi.",
        d=effective_on.strftime("%d/%m/%Y"), since=since.strftime("%d/%m/%Y"),
    ))


def check_facts_date(cadre: Cadre, effective_on: dt.date) -> None:
    """Refuse a change of employment or levels effective before the period it would close."""
    since = facts_since(cadre.id)
    if since is not None and effective_on < since:
        raise ValidationError({"effective_on": facts_date_error(effective_on, since)})


def change_facts(cadre: Cadre, before: Facts, after: Facts, effective_on: dt.date) -> None:
    """Close the open facts period on ``effective_on`` and open one with ``after`` (the caller has
    checked the date with :func:`check_facts_date`).

    A change effective on the day the open period started corrects that period in place. A cadre
    without any history (data loaded before the history existed) first gets a period with ``before``
    from their first membership, so that earlier dates keep the values they had.
    """
    rows = db.session.scalars(select(CadreFacts).where(CadreFacts.cadre_id == cadre.id)).all()
    current = next((row for row in rows if row.end_on is None), None)
    if current is not None and current.start_on >= effective_on:
        for name, value in _facts_dict(after).items():
            setattr(current, name, value)
        db.session.flush()
        return
    if current is not None:
        current.end_on = effective_on
    elif not rows:
        first = db.session.scalar(select(func.min(Membership.start_on)).where(Membership.cadre_id == cadre.id))
        if first is not None and first < effective_on:
            db.session.add(CadreFacts(cadre_id=cadre.id, start_on=first, end_on=effective_on, **_facts_dict(before)))
    db.session.add(CadreFacts(cadre_id=cadre.id, start_on=effective_on, end_on=None, **_facts_dict(after)))
    db.session.flush()


# -- planning (quy hoạch) --------------------------------------------------------------------------------

def add_planning(cadre: Cadre, title_type: TitleType, start_on: dt.date, term: str = "", note: str = "") -> Planning:
    """Put the cadre in the pool planned for ``title_type`` from ``start_on`` (today or earlier).

    Refused, changing nothing, when the cadre is already in that pool on or after ``start_on``: an
    entry is ended, never overlapped, so an audience "as of" a day reads one answer.
    """
    errors = {}
    if start_on > local_today():
        errors["start_on"] = str(_l("Ngày đưa vào quy hoạch không được sau hôm nay."))
    normal = normal_term(term) if term else ""
    if normal is None:
        errors["term"] = str(_l("Nhiệm kỳ “%(value)s” không hợp lệ (ghi dạng 2023–2028).", value=term))
    if "start_on" not in errors:
        clash = db.session.scalar(select(Planning).where(
            Planning.cadre_id == cadre.id, Planning.title_type_id == title_type.id,
            or_(Planning.end_on.is_(None), Planning.end_on > start_on)))
        if clash is not None:
            errors["title_type"] = str(_l(
                "Cán bộ đã trong quy hoạch chức danh %(title)s từ %(d)s.", title=local_name(title_type),
                d=clash.start_on.strftime("%d/%m/%Y")))
    if errors:
        raise ValidationError(errors)
    planning = Planning(cadre_id=cadre.id, title_type_id=title_type.id, term=normal, start_on=start_on,
                        note=nfc(note or ""))
    db.session.add(planning)
    db.session.flush()
    return planning


def end_planning(planning: Planning, end_on: dt.date) -> None:
    """Take the cadre out of the pool on ``end_on`` (after the day they entered it, today or earlier)."""
    if planning.end_on is not None:
        raise ValidationError({"end_on": str(_l("Cán bộ đã ra khỏi quy hoạch này từ %(d)s.",
                                                d=planning.end_on.strftime("%d/%m/%Y")))})
    if end_on <= planning.start_on:
        raise ValidationError({"end_on": str(_l("Ngày đưa ra khỏi quy hoạch phải sau ngày đưa vào (%(d)s).",
                                                d=planning.start_on.strftime("%d/%m/%Y")))})
    if end_on > local_today():
        raise ValidationError({"end_on": str(_l("Ngày đưa ra khỏi quy hoạch không được sau hôm nay."))})
    planning.end_on = end_on
    db.session.flush()


def delete_planning(planning: Planning) -> None:
    """Remove an entry typed by mistake (a cadre who leaves the pool is taken out of it instead, which keeps the history)."""
    db.session.delete(planning)
    db.session.flush()
