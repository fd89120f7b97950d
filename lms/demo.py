"""``lms demo``: a whole province, as the 2019 article describes it, in the configured database.

The demo starts over on every run: it brings the database back to a fresh migration (every table
dropped, then Flask-Migrate's upgrade to head, on SQLite and PostgreSQL alike), then runs
the steps of ``STEPS`` in order. Each step receives a ``DemoContext`` with what earlier steps built
(units, cadres, logins) and its own random generator, seeded from the demo seed and the step's key:
a step added later never changes what the earlier ones produce, so the data stay deterministic.

Speed: the province has 780 units and 2,701 cadres, with a membership and one or more titles each.
Going through ``lms.orgs.operations`` and ``lms.cadres.operations`` would flush once per row, so the
units and cadres are written with bulk INSERTs instead; every derived column is filled exactly as
those operations fill it (``Unit.path`` and ``search_key``, a "create" ``UnitEvent`` per unit,
``Cadre.sort_key`` and ``search_key``, a "join" ``Membership`` per cadre, ``CadreTitle`` rows held
in the cadre's unit, ``CadreFacts`` periods from the day the cadre joined). Logins go through
``lms.accounts.operations.create_user``.

The cadres have a history: a few of today's full-time cadres were part-time until a date in
2016–2020, and the cadres sent to study in 2014–2019 (``lms.records.demo``) held the level below
until their study ended. Today's figures are the article's; an earlier date counts the earlier values.

Nothing here commits except the schema reset (DDL commits by nature); the command commits once.
"""
from __future__ import annotations

import datetime as dt
import random
import secrets
import time
from dataclasses import dataclass, field
from typing import Callable

import click
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import MetaData, delete, func, insert, inspect, select, update

from lms import demo_data as data
from lms.accounts.models import ROLE_CADRE, ROLE_FEDERATION_ADMIN, ROLE_TRAINER, ROLE_UNION_ADMIN, User
from lms.cadres.models import Cadre, CadreFacts, CadreTitle, EducationLevel, Membership, PoliticalLevel, TitleType
from lms.core import clock
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.i18n import format_number
from lms.core.text import fold, name_sort_key, nfc
from lms.orgs.models import Track, Unit, UnitEvent, UnitLevel
from lms.courses.demo import build_learning, published_on
from lms.plans.demo import build_plans
from lms.records.demo import build_classes

DEFAULT_SEED = 2019
MIN_PASSWORD_LENGTH = 8  # the rule of lms.accounts.operations.create_user, checked before anything is reset
LAST_DEMO_DAY = dt.date(2025, 12, 15)  # every generated date lies on or before this day


# -- what the steps share ---------------------------------------------------------------------------

@dataclass
class Reference:
    """Ids of the reference data seeded by the first migration, by code."""

    levels: dict[str, int]
    tracks: dict[str, int]
    titles: dict[str, int]
    education: dict[str, int]
    political: dict[str, int]

    @classmethod
    def load(cls) -> Reference:
        def ids(model) -> dict[str, int]:
            return {code: id_ for id_, code in db.session.execute(select(model.id, model.code))}

        return cls(ids(UnitLevel), ids(Track), ids(TitleType), ids(EducationLevel), ids(PoliticalLevel))


@dataclass(eq=False)
class DemoUnit:
    """A unit as the demo plans it; ``id`` and ``path`` are set once it is inserted."""

    code: str
    name: str
    level: str  # a UnitLevel code
    track: str | None  # a Track code
    active_from: dt.date
    congress_on: dt.date  # the congress that elected its committee for the 2023–2028 term
    parent: DemoUnit | None = None
    weight: float = 1.0  # relative size: how likely it is to have a larger executive committee
    id: int = 0
    path: str = ""


@dataclass
class DemoFacts:
    """A period of a cadre's employment and levels, from ``start_on`` until the next period starts."""

    start_on: dt.date
    employment: str
    education: str | None
    political: str | None


@dataclass(eq=False)
class DemoCadre:
    """A cadre as the demo plans it; ``id`` is set once inserted."""

    code: str
    full_name: str
    gender: str
    birth_date: dt.date
    unit: DemoUnit
    employment: str
    titles: list[str]
    joined_on: dt.date
    titles_since: dt.date
    education: str | None = None
    political: str | None = None
    id: int = 0
    history: list[DemoFacts] = field(default_factory=list)

    def periods(self) -> list[DemoFacts]:
        """The cadre's facts over time, oldest first; one period from joining with today's values by default."""
        if not self.history:
            self.history = [DemoFacts(self.joined_on, self.employment, self.education, self.political)]
        return self.history

    def held_until(self, day: dt.date, **values: str | None) -> None:
        """Before ``day`` the cadre had ``values`` (of ``employment``, ``education``, ``political``); from
        ``day`` on, what they have now."""
        periods = self.periods()
        if periods[0].start_on < day:
            covering = max(i for i, p in enumerate(periods) if p.start_on <= day)
            if periods[covering].start_on < day:
                periods.insert(covering + 1, DemoFacts(day, periods[covering].employment, periods[covering].education,
                                                       periods[covering].political))
        for period in periods:
            if period.start_on < day:
                for name, value in values.items():
                    setattr(period, name, value)


@dataclass
class DemoLogin:
    username: str
    role: str
    description: str


@dataclass
class DemoContext:
    """What the steps build and read. Steps append; none removes what an earlier one made."""

    seed: int
    password: str
    ref: Reference
    federation: DemoUnit | None = None
    uppers: list[DemoUnit] = field(default_factory=list)
    grassroots: list[DemoUnit] = field(default_factory=list)
    cadres: list[DemoCadre] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
    course_codes: list[str] = field(default_factory=list)

    def rng(self, key: str) -> random.Random:
        """A generator for one step: the same seed and key always give the same sequence."""
        return random.Random(f"{self.seed}:{key}")

    def upper(self, code: str) -> DemoUnit:
        return next(u for u in self.uppers if u.code == code)


@dataclass(frozen=True)
class DemoStep:
    """One step of the demo: ``run`` builds something and returns a one-line summary."""

    key: str
    label: str
    run: Callable[[DemoContext], str]


@dataclass
class DemoResult:
    password: str
    password_generated: bool
    logins: list[DemoLogin]
    timings: list[tuple[str, float]]
    cadres: int
    units: int

    @property
    def total_seconds(self) -> float:
        return sum(seconds for _, seconds in self.timings)


# -- helpers ----------------------------------------------------------------------------------------

def _random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day in [start, end]; ``start`` when the range is empty."""
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _years_after(day: dt.date, years: int) -> dt.date:
    return dt.date(day.year + years, day.month, min(day.day, 28))


def _weighted_sample(rng: random.Random, weights: list[float], k: int) -> set[int]:
    """``k`` distinct indices drawn with probability proportional to ``weights`` (Efraimidis–Spirakis).

    Indices with weight 0 are never drawn; there must be at least ``k`` others.
    """
    keys = [(rng.random() ** (1.0 / w) if w > 0 else -1.0, -i) for i, w in enumerate(weights)]
    chosen = sorted(range(len(weights)), key=lambda i: keys[i], reverse=True)[:k]
    if any(weights[i] <= 0 for i in chosen):
        raise ValueError(f"fewer than {k} candidates")
    return set(chosen)


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    names, weights = zip(*weighted)
    return rng.choices(names, weights=weights)[0]


# -- the schema -------------------------------------------------------------------------------------

def reset_database() -> None:
    """Bring the configured database to the state of a fresh migration: every table dropped, then
    ``flask_migrate.upgrade()`` to the head revision, so that the schema still comes only from the
    Alembic scripts and every table is empty but for the reference data the migrations seed.

    The tables are dropped directly rather than by ``downgrade("base")``: a downgrade needs every
    revision's ``downgrade()`` to match the database exactly, which fails as soon as a migration was
    edited after the database was upgraded (common while a revision is being written) or when the
    database is at a revision this checkout does not have. Dropping what is there always works.
    """
    db.session.remove()
    engine = db.engine
    if engine.dialect.name == "sqlite":
        # Foreign keys must be off to drop tables in any order; the pragma is ignored inside a
        # transaction, so it goes through the DBAPI connection (autocommit, see lms.core.db).
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA foreign_keys=OFF")
            try:
                names = [row[0] for row in cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite~_%' ESCAPE '~'")]
                for name in names:
                    cursor.execute(f"DROP TABLE IF EXISTS {engine.dialect.identifier_preparer.quote(name)}")
            finally:
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.close()
        finally:
            raw.close()
    else:
        with engine.begin() as conn:
            names = inspect(conn).get_table_names()
            if conn.dialect.name == "postgresql":
                for name in names:
                    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {conn.dialect.identifier_preparer.quote(name)} CASCADE")
            else:
                metadata = MetaData()
                metadata.reflect(conn)
                metadata.drop_all(conn)
    upgrade()
    db.session.remove()


def database_has_data() -> bool:
    """Whether the database holds anything that the reset would destroy (units, cadres or logins)."""
    tables = inspect(db.engine)
    return any(
        tables.has_table(model.__tablename__) and db.session.scalar(select(func.count()).select_from(model))
        for model in (Unit, Cadre, User)
    )


# -- step: the organisation tree --------------------------------------------------------------------

def _grassroots_names(rng: random.Random, spec: data.UpperSpec, used: set[str]) -> list[tuple[str, str, float]]:
    """(name, track, weight) of the grassroots unions under one upper-level union."""
    n_business = round(spec.grassroots * spec.business_share)
    n_public = spec.grassroots - n_business

    def take(candidates: list[str], n: int) -> list[str]:
        """The first ``n`` candidates no other unit of the province is called yet."""
        chosen = [name for name in candidates if name not in used][:n]
        if len(chosen) < n:
            raise RuntimeError(f"not enough unit names for {spec.code}")
        used.update(chosen)
        return chosen

    public: list[str] = take(list(spec.fixed_public), min(n_public, len(spec.fixed_public)))
    generated = [p.format(kind=kind, name=name) for p in spec.public_patterns for kind, name in spec.places]
    rng.shuffle(generated)
    public += take(generated, n_public - len(public))

    if spec.industrial_park:
        companies = [f.format(industry=i, brand=b) for f in data.PARK_FORMS for i in data.PARK_INDUSTRIES for b in data.PARK_BRANDS]
        cooperatives: list[str] = []
    else:
        companies = [f"{f} {i} {b}" for f in data.COMPANY_FORMS for i in data.LOCAL_INDUSTRIES for b in data.LOCAL_BRANDS]
        cooperatives = [p.format(name=name) for p in data.COOPERATIVES for _, name in spec.places]
    rng.shuffle(companies)
    rng.shuffle(cooperatives)
    n_cooperatives = min(len(cooperatives), sum(rng.random() < 0.2 for _ in range(n_business)))
    business = take(cooperatives, n_cooperatives) + take(companies, n_business - n_cooperatives)

    rows = [(name, "public", _size_weight(name)) for name in public]
    rows += [(name, "business", 3.0 if spec.industrial_park else 1.0) for name in business]
    if spec.track is None:  # a ward or commune union: its companies and agencies side by side
        rng.shuffle(rows)
    return rows


def _size_weight(name: str) -> float:
    if name.startswith(("Bệnh viện", "Trung tâm Y tế", "Trường Trung học phổ thông", "Trường Cao đẳng")):
        return 2.5
    if name.startswith(("Sở ", "Văn phòng", "Ban ")):
        return 1.5
    return 1.0


def build_units(ctx: DemoContext) -> str:
    """The federation, its 10 upper-level unions and 769 grassroots unions across both tracks."""
    rng = ctx.rng("units")
    ctx.federation = DemoUnit(data.FEDERATION_CODE, data.FEDERATION_NAME, "federation", None,
                              data.FEDERATION_ACTIVE_FROM, data.FEDERATION_CONGRESS_ON)
    used: set[str] = set()
    number = 0
    for spec in data.UPPER_UNIONS:
        upper = DemoUnit(spec.code, spec.name, "upper", spec.track, spec.active_from, spec.congress_on, ctx.federation)
        ctx.uppers.append(upper)
        for name, track, weight in _grassroots_names(rng, spec, used):
            number += 1
            start = dt.date(2004, 1, 1) if track == "business" else dt.date(1997, 1, 1)
            end = dt.date(2021, 12, 31) if track == "business" else dt.date(2015, 12, 31)
            ctx.grassroots.append(DemoUnit(
                f"CDCS-{number:04d}", nfc(f"Công đoàn {name}"), "grassroots", track, _random_date(rng, start, end),
                _random_date(rng, dt.date(2022, 10, 1), dt.date(2023, 4, 28)), upper, weight,
            ))
    for level in ([ctx.federation], ctx.uppers, ctx.grassroots):
        _insert_units(ctx, level)
    return (f"{format_number(1 + len(ctx.uppers) + len(ctx.grassroots))} đơn vị: 1 LĐLĐ tỉnh, "
            f"{len(ctx.uppers)} công đoàn cấp trên cơ sở, {format_number(len(ctx.grassroots))} công đoàn cơ sở")


def _insert_units(ctx: DemoContext, units: list[DemoUnit]) -> None:
    """Insert one level of the tree (parents first), then its paths and "create" events, as create_unit does."""
    ref = ctx.ref
    rows = [{
        "code": u.code, "name": u.name, "search_key": fold(f"{u.name} {u.code}"), "level_id": ref.levels[u.level],
        "track_id": ref.tracks[u.track] if u.track else None, "parent_id": u.parent.id if u.parent else None,
        "path": "", "active_from": u.active_from,
    } for u in units]
    ids = db.session.scalars(insert(Unit).returning(Unit.id, sort_by_parameter_order=True), rows).all()
    for unit, id_ in zip(units, ids, strict=True):
        unit.id = id_
        unit.path = (unit.parent.path if unit.parent else "/") + f"{id_}/"
    db.session.execute(update(Unit), [{"id": u.id, "path": u.path} for u in units])
    db.session.execute(insert(UnitEvent), [{
        "unit_id": u.id, "kind": "create", "effective_on": u.active_from, "new_name": u.name,
        "new_parent_id": u.parent.id if u.parent else None, "new_track_id": ref.tracks[u.track] if u.track else None,
        "note": "",
    } for u in units])


# -- step: the cadres -------------------------------------------------------------------------------

FEDERATION_SEATS: tuple[tuple[str, ...], ...] = (
    ("chu_tich",), ("pho_chu_tich",), ("pho_chu_tich",), ("uv_btv", "cn_ubkt"), ("uv_btv",), ("uv_btv",),
    ("uv_btv",), ("uv_bch",), ("uv_bch",), ("uv_bch", "ke_toan"), ("uv_bch",),
)
UPPER_SEATS: tuple[tuple[str, ...], ...] = (("chu_tich",), ("pho_chu_tich",), ("uv_bch", "ke_toan"))
GRASSROOTS_MIN_SEATS = 3  # the smallest executive committee: chair, vice chair, one member
FEMALE_SHARE = {"full_time": 0.30, "business": 0.40, "public": 0.52}


def _grassroots_titles(rng: random.Random, seat: int, size: int, gender: str) -> list[str]:
    """Titles of the ``seat``-th member of a grassroots executive committee of ``size`` members."""
    if seat == 0:
        return ["chu_tich"]
    if seat == 1 or (seat == 3 and size >= 7):
        return ["pho_chu_tich"]
    if seat == 2:
        return ["uv_bch", "cn_ubkt"]
    if gender == "female" and rng.random() < 0.5:
        return ["uv_bch", "nu_cong"]
    return ["uv_bch", "to_truong"] if rng.random() < 0.7 else ["uv_bch"]


def _person(rng: random.Random, gender: str) -> str:
    family = _pick(rng, data.FAMILY_NAMES)
    while True:
        middle = _pick(rng, data.MIDDLE_NAMES[gender])
        given = rng.choice(data.GIVEN_NAMES[gender])
        if given != middle:
            return nfc(f"{family} {middle} {given}")


def _plan_cadre(rng: random.Random, unit: DemoUnit, employment: str, seat: int, size: int) -> DemoCadre:
    full_time = employment == "full_time"
    share = FEMALE_SHARE["full_time" if full_time else (unit.track or "public")]
    gender = "female" if rng.random() < share else "male"
    if full_time:
        titles = list((FEDERATION_SEATS if unit.level == "federation" else UPPER_SEATS)[seat])
        birth = _random_date(rng, dt.date(1968, 1, 1), dt.date(1988, 12, 31))
    else:
        titles = _grassroots_titles(rng, seat, size, gender)
        latest = dt.date(1990, 12, 31) if seat == 0 else dt.date(2000, 12, 31)
        birth = _random_date(rng, dt.date(1966, 1, 1), latest)
    earliest = max(unit.active_from, _years_after(birth, 22))
    if unit.active_from >= data.WARD_UNIONS_FROM:  # a 2025 ward or commune union: its staff started with it
        joined = since = unit.active_from
    elif rng.random() < 0.2:  # elected or appointed after the congress: cadres change often
        joined = _random_date(rng, earliest, dt.date(2025, 9, 30))
        since = _random_date(rng, max(joined, unit.congress_on + dt.timedelta(days=90)), LAST_DEMO_DAY)
    else:
        joined = _random_date(rng, earliest, unit.congress_on - dt.timedelta(days=30))
        since = max(joined, unit.congress_on)
    return DemoCadre("", _person(rng, gender), gender, birth, unit, employment, titles, joined, since)


def build_cadres(ctx: DemoContext) -> str:
    """2,701 cadres: 41 full-time at the federation and upper-level unions, 2,660 part-time in
    grassroots executive committees, with the article's exact shares of education and political theory."""
    rng = ctx.rng("cadres")
    assert ctx.federation is not None, "build_units runs first"
    cadres: list[DemoCadre] = []
    for seat in range(len(FEDERATION_SEATS)):
        cadres.append(_plan_cadre(rng, ctx.federation, "full_time", seat, len(FEDERATION_SEATS)))
    for upper in ctx.uppers:
        for seat in range(len(UPPER_SEATS)):
            cadres.append(_plan_cadre(rng, upper, "full_time", seat, len(UPPER_SEATS)))
    if len(cadres) != data.FULL_TIME_TOTAL:
        raise RuntimeError(f"{len(cadres)} full-time seats, the article has {data.FULL_TIME_TOTAL}")

    part_time = data.CADRES_TOTAL - data.FULL_TIME_TOTAL
    sizes = [GRASSROOTS_MIN_SEATS] * len(ctx.grassroots)
    extra = part_time - sum(sizes)
    for index in rng.choices(range(len(ctx.grassroots)), weights=[u.weight for u in ctx.grassroots], k=extra):
        sizes[index] += 1
    for unit, size in zip(ctx.grassroots, sizes):
        for seat in range(size):
            cadres.append(_plan_cadre(rng, unit, "part_time", seat, size))
    for number, cadre in enumerate(cadres, start=1):
        cadre.code = f"CB{number:05d}"

    _assign_levels(rng, cadres)
    _plan_employment_history(ctx.rng("employment-history"), cadres)
    _name_login_cadres(ctx, cadres)
    _insert_cadres(ctx, cadres)
    ctx.cadres.extend(cadres)
    full_time = sum(c.employment == "full_time" for c in cadres)
    female = sum(c.gender == "female" for c in cadres)
    return (f"{format_number(len(cadres))} cán bộ: {full_time} chuyên trách, "
            f"{format_number(len(cadres) - full_time)} không chuyên trách; {format_number(female)} nữ")


def _assign_levels(rng: random.Random, cadres: list[DemoCadre]) -> None:
    """Professional and political-theory levels with the article's exact totals.

    Full-time cadres all hold a university degree; the leaders among them have advanced political
    theory, the others intermediate. The remaining quotas go to part-time cadres by weighted draws:
    chairs and public-sector staff (teachers, doctors, civil servants) are likelier to hold degrees
    and political training, and advanced political theory presupposes a degree.
    """
    full = [c for c in cadres if c.employment == "full_time"]
    part = [c for c in cadres if c.employment != "full_time"]
    for c in full:
        c.education = "postgraduate" if rng.random() < 0.35 else "university"
        c.political = "cao_cap" if {"chu_tich", "pho_chu_tich"} & set(c.titles) else "trung_cap"

    def role_weight(c: DemoCadre, chair: float, vice: float) -> float:
        return chair if "chu_tich" in c.titles else vice if "pho_chu_tich" in c.titles else 1.0

    degree_quota = data.UNIVERSITY_OR_HIGHER_TOTAL - len(full)
    weights = [(2.5 if c.unit.track == "public" else 1.0) * role_weight(c, 1.6, 1.3) for c in part]
    graduates = _weighted_sample(rng, weights, degree_quota)
    for i, c in enumerate(part):
        if i in graduates:
            c.education = "postgraduate" if rng.random() < (0.07 if c.unit.track == "public" else 0.03) else "university"
        else:
            mix = (0.6, 0.3, 0.1) if c.unit.track == "public" else (0.25, 0.4, 0.35)
            c.education = rng.choices(("college", "vocational", "secondary"), weights=mix)[0]

    advanced_quota = data.POLITICAL_ADVANCED_TOTAL - sum(c.political == "cao_cap" for c in full)
    weights = [(role_weight(c, 6.0, 3.0) * (1.5 if c.unit.track == "public" else 1.0)) if i in graduates else 0.0
               for i, c in enumerate(part)]
    advanced = _weighted_sample(rng, weights, advanced_quota)
    intermediate_quota = data.POLITICAL_INTERMEDIATE_TOTAL - sum(c.political == "trung_cap" for c in full)
    weights = [0.0 if i in advanced else role_weight(c, 4.0, 2.5) * (1.5 if i in graduates else 1.0)
               for i, c in enumerate(part)]
    intermediate = _weighted_sample(rng, weights, intermediate_quota)
    for i, c in enumerate(part):
        if i in advanced:
            c.political = "cao_cap"
        elif i in intermediate:
            c.political = "trung_cap"
        elif rng.random() < 0.25 * role_weight(c, 2.5, 2.0):
            c.political = "so_cap"


#: How many of today's full-time cadres were part-time before (until a day in 2016–2020).
FORMERLY_PART_TIME = 5


def _plan_employment_history(rng: random.Random, cadres: list[DemoCadre]) -> None:
    """A few full-time cadres who had joined by 2014 were part-time (alongside another job) until a day
    in 2016–2020, when union work became their job."""
    candidates = [c for c in cadres if c.employment == "full_time" and c.joined_on <= dt.date(2014, 12, 31)]
    for cadre in rng.sample(candidates, min(FORMERLY_PART_TIME, len(candidates))):
        cadre.held_until(_random_date(rng, dt.date(2016, 7, 1), dt.date(2020, 12, 31)), employment="part_time")


def _name_login_cadres(ctx: DemoContext, cadres: list[DemoCadre]) -> None:
    """Give the cadres behind the ``cadre`` and ``cadre2`` logins their memorable names."""
    for (full_name, gender), cadre in zip((data.CADRE_LOGIN_NAME, data.CADRE2_LOGIN_NAME), _login_cadres(ctx, cadres)):
        cadre.full_name, cadre.gender = nfc(full_name), gender


def _login_cadres(ctx: DemoContext, cadres: list[DemoCadre]) -> tuple[DemoCadre, DemoCadre]:
    """``cadre``: the chair of the first company union in the industrial parks (administered by
    ``union``); ``cadre2``: the inspection head of the first public-sector union under education."""
    business = next(c for c in cadres if c.unit.level == "grassroots" and c.unit.track == "business"
                    and c.unit.parent is ctx.upper(data.UNION_LOGIN_UPPER) and "chu_tich" in c.titles)
    public = next(c for c in cadres if c.unit.level == "grassroots" and c.unit.track == "public"
                  and c.unit.parent is ctx.upper(data.CADRE2_LOGIN_UPPER) and "cn_ubkt" in c.titles)
    return business, public


def _insert_cadres(ctx: DemoContext, cadres: list[DemoCadre]) -> None:
    """Cadres, then one "join" membership each, their titles in their unit and their facts, as create_cadre does."""
    ref = ctx.ref
    rows = [{
        "code": c.code, "full_name": c.full_name, "sort_key": name_sort_key(c.full_name), "search_key": fold(c.full_name),
        "gender": c.gender, "birth_date": c.birth_date, "employment": c.employment,
        "education_level_id": ref.education[c.education] if c.education else None,
        "political_level_id": ref.political[c.political] if c.political else None,
        "unit_id": c.unit.id, "track_override_id": None, "email": "", "phone": "", "term": data.TERM,
    } for c in cadres]
    ids = db.session.scalars(insert(Cadre).returning(Cadre.id, sort_by_parameter_order=True), rows).all()
    for cadre, id_ in zip(cadres, ids, strict=True):
        cadre.id = id_
    db.session.execute(insert(Membership), [
        {"cadre_id": c.id, "unit_id": c.unit.id, "start_on": c.joined_on, "end_on": None, "reason": "join"}
        for c in cadres
    ])
    db.session.execute(insert(CadreTitle), [
        {"cadre_id": c.id, "title_type_id": ref.titles[t], "unit_id": c.unit.id, "start_on": c.titles_since, "end_on": None}
        for c in cadres for t in c.titles
    ])
    insert_facts(ctx, cadres)


def insert_facts(ctx: DemoContext, cadres: list[DemoCadre]) -> None:
    """The ``CadreFacts`` rows of ``cadres`` (one bulk INSERT), each period ending where the next starts."""
    ref = ctx.ref
    rows = []
    for c in cadres:
        periods = c.periods()
        for period, following in zip(periods, [*periods[1:], None]):
            rows.append({
                "cadre_id": c.id, "start_on": period.start_on, "end_on": following.start_on if following else None,
                "employment": period.employment,
                "education_level_id": ref.education[period.education] if period.education else None,
                "political_level_id": ref.political[period.political] if period.political else None,
            })
    db.session.execute(insert(CadreFacts), rows)


def replace_facts(ctx: DemoContext, cadres: list[DemoCadre]) -> None:
    """Write again the ``CadreFacts`` rows of cadres whose history a later step completed."""
    if cadres:
        db.session.execute(delete(CadreFacts).where(CadreFacts.cadre_id.in_([c.id for c in cadres])))
        insert_facts(ctx, cadres)


# -- step: the logins -------------------------------------------------------------------------------

def build_logins(ctx: DemoContext) -> str:
    """admin (federation), union (industrial parks), trainer, cadre (business track), cadre2 (public)."""
    from lms.accounts.operations import create_user

    cadre, cadre2 = _login_cadres(ctx, ctx.cadres)
    union = ctx.upper(data.UNION_LOGIN_UPPER)
    assert ctx.federation is not None
    title_names = dict(db.session.execute(select(TitleType.code, TitleType.name)).all())

    def about(c: DemoCadre) -> str:
        return f"{c.full_name}, {title_names[c.titles[0]]} {c.unit.name} ({c.code})"

    plan = [
        ("admin", ROLE_FEDERATION_ADMIN, ctx.federation.code, None, f"quản trị {ctx.federation.name}"),
        ("union", ROLE_UNION_ADMIN, union.code, None, f"quản trị {union.name}"),
        ("trainer", ROLE_TRAINER, None, None, "giảng viên"),
        ("cadre", ROLE_CADRE, None, cadre.code, about(cadre) + ", khu vực sản xuất kinh doanh"),
        ("cadre2", ROLE_CADRE, None, cadre2.code, about(cadre2) + ", khu vực hành chính sự nghiệp"),
    ]
    for username, role, unit_code, cadre_code, description in plan:
        ctx.users[username] = create_user(username, ctx.password, role, unit_code, cadre_code)
        ctx.logins.append(DemoLogin(username, role, description))
    return f"{len(plan)} tài khoản: " + ", ".join(name for name, *_ in plan)


# -- step: the sample courses ----------------------------------------------------------------------

def build_courses(ctx: DemoContext) -> str:
    """Import every package in courses/ (published, owned by `trainer`), exactly as `lms import-course` does."""
    from lms import ROOT
    from lms.courses.package import read_package
    from lms.courses.packaging import import_package

    folders = sorted(p.parent for p in (ROOT / "courses").glob("*/course.yaml"))
    codes = []
    with clock.travel_to(published_on(clock.local_today())):  # before the learning history begins
        for folder in folders:
            version = import_package(read_package(folder), ctx.users["trainer"])
            codes.append(version.course.code)
    ctx.course_codes = codes
    return f"{len(codes)} khóa học: " + ", ".join(codes)


STEPS: list[DemoStep] = [
    DemoStep("units", "Đơn vị", build_units),
    DemoStep("cadres", "Cán bộ", build_cadres),
    DemoStep("logins", "Tài khoản", build_logins),
    DemoStep("courses", "Khóa học mẫu", build_courses),
    DemoStep("classes", "Lớp tập huấn và hồ sơ đào tạo", build_classes),
    DemoStep("learning", "Học và cấp giấy chứng nhận", build_learning),
    DemoStep("plans", "Kế hoạch bồi dưỡng và hạn học", build_plans),
]


# -- the whole -------------------------------------------------------------------------------------

def build_demo(password: str | None, seed: int = DEFAULT_SEED, report: Callable[[str], None] | None = None) -> DemoResult:
    """Reset the database and build the demo province; the caller commits.

    ``password`` is given to every demo login; None generates one (returned, for printing).
    ``report`` receives one line per finished step, with its duration.
    """
    generated = password is None
    if password is None:
        password = secrets.token_urlsafe(12)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError({"password": f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự."})
    say = report or (lambda line: None)
    timings: list[tuple[str, float]] = []

    started = time.perf_counter()
    reset_database()
    timings.append(("Làm mới cơ sở dữ liệu", time.perf_counter() - started))
    say(_line(*timings[-1], "xóa mọi bảng, chạy lại các bản migration"))

    ctx = DemoContext(seed=seed, password=password, ref=Reference.load())
    for step in STEPS:
        started = time.perf_counter()
        summary = step.run(ctx)
        db.session.flush()
        timings.append((step.label, time.perf_counter() - started))
        say(_line(*timings[-1], summary))
    return DemoResult(password, generated, ctx.logins, timings, len(ctx.cadres), 1 + len(ctx.uppers) + len(ctx.grassroots))


def _line(label: str, seconds: float, summary: str) -> str:
    return f"  {label}: {summary} ({format_number(seconds, 2)} giây)"


@click.command("demo")
@click.option("--password", help="Mật khẩu chung của các tài khoản mẫu (mặc định: sinh ngẫu nhiên và in ra).")
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=int, help="Hạt giống ngẫu nhiên.")
@click.option("--yes", "-y", is_flag=True, help="Không hỏi lại khi cơ sở dữ liệu đã có dữ liệu.")
@with_appcontext
def demo_command(password: str | None, seed: int, yes: bool) -> None:
    """Xóa sạch cơ sở dữ liệu và dựng một tỉnh mẫu theo số liệu bài viết năm 2019.

    1 LĐLĐ tỉnh, 10 công đoàn cấp trên cơ sở, 769 công đoàn cơ sở, 2.701 cán bộ (41 chuyên
    trách), cùng các tài khoản admin, union, trainer, cadre và cadre2.
    """
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(f"cần ít nhất {MIN_PASSWORD_LENGTH} ký tự.", param_hint="--password")
    if not yes and database_has_data():
        click.confirm("Cơ sở dữ liệu đã có dữ liệu; lệnh demo sẽ XÓA TOÀN BỘ và dựng lại. Tiếp tục?", abort=True)
    click.echo("Đang dựng dữ liệu mẫu…")
    try:
        result = build_demo(password, seed, report=click.echo)
        started = time.perf_counter()
        db.session.commit()
        result.timings.append(("Ghi vào cơ sở dữ liệu", time.perf_counter() - started))
        click.echo(_line(*result.timings[-1], "commit"))
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"Xong sau {format_number(result.total_seconds, 1)} giây.")
    click.echo("")
    click.echo("Tài khoản:")
    width = max(len(login.username) for login in result.logins)
    for login in result.logins:
        click.echo(f"  {login.username.ljust(width)}  {login.description}")
    if result.password_generated:
        click.echo(f"Mật khẩu (sinh ngẫu nhiên, dùng chung): {result.password}")
    else:
        click.echo("Mật khẩu: như đã cho trong --password.")
