"""Writes on cadres: create, update, transfer between units, titles. Callers commit."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from lms.cadres.models import Cadre, CadreTitle, EducationLevel, Membership, PoliticalLevel, TitleType
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.i18n import _l
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
    email: str = ""
    phone: str = ""
    term: str = ""


def _check_unit(unit: Unit) -> None:
    if not unit.is_active:
        raise ValidationError({"unit": str(_l("Đơn vị %(name)s đã ngừng hoạt động.", name=unit.name))})


def create_cadre(data: CadreData, effective_on: dt.date) -> Cadre:
    if db.session.scalar(select(Cadre.id).where(Cadre.code == data.code)):
        raise ValidationError({"code": str(_l("Mã cán bộ %(code)s đã có.", code=data.code))})
    _check_unit(data.unit)
    cadre = Cadre(code=nfc(data.code))
    _apply(cadre, data)
    cadre.unit = data.unit
    db.session.add(cadre)
    db.session.flush()
    db.session.add(Membership(cadre_id=cadre.id, unit_id=data.unit.id, start_on=effective_on, reason="join"))
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
    """Apply ``data``; a different unit is a transfer. Returns whether anything changed."""
    before = _snapshot(cadre)
    _apply(cadre, data)
    changed = _snapshot(cadre) != before
    if data.unit.id != cadre.unit_id:
        transfer(cadre, data.unit, effective_on)
        changed = True
    if sync_titles(cadre, data.titles, data.title_since or effective_on):
        changed = True
    db.session.flush()
    return changed


def _snapshot(c: Cadre) -> tuple:
    return (
        c.full_name, c.gender, c.birth_date, c.employment, getattr(c.education_level, "id", None),
        getattr(c.political_level, "id", None), getattr(c.track_override, "id", None), c.email, c.phone, c.term,
    )


def transfer(cadre: Cadre, unit: Unit, effective_on: dt.date) -> None:
    """Close the current membership and open one in ``unit`` from ``effective_on``."""
    _check_unit(unit)
    if cadre.unit_id == unit.id:
        raise ValidationError({"unit": str(_l("Cán bộ đang ở đơn vị này."))})
    current = db.session.scalars(
        select(Membership).where(Membership.cadre_id == cadre.id, Membership.end_on.is_(None))
    ).all()
    for membership in current:
        if effective_on < membership.start_on:
            raise ValidationError({"effective_on": str(_l("Ngày chuyển không được trước ngày vào đơn vị hiện tại (%(d)s).", d=membership.start_on.strftime("%d/%m/%Y")))})
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
