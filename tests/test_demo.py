"""``lms demo``: the province of the 2019 article, built in a database of its own.

The demo resets the schema, so these tests cannot use the shared per-test transaction: each app
here gets a fresh database (a SQLite file, or with ``TEST_DATABASE_URL`` a PostgreSQL database
created and dropped like the suite's own). The run time is printed, never asserted.
"""
from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.cadres.models import Cadre, CadreTitle, EducationLevel, Membership, PoliticalLevel, TitleType
from lms.core.db import db
from lms.core.text import fold, name_sort_key
from lms.orgs.models import Track, Unit, UnitEvent, UnitLevel
from lms.reports.queries import overview
from tests.conftest import fresh_app, html_text

PASSWORD = "mat-khau-demo-2019"
LOGINS = ("admin", "union", "trainer", "cadre", "cadre2")


def _demo(app: Flask, *args: str, input: str | None = None, expect: int = 0):
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["demo", *args], input=input)
    print(f"lms demo {' '.join(args)}: {time.perf_counter() - started:.2f} s")
    assert result.exit_code == expect, result.output + repr(result.exception)
    return result


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    with fresh_app(tmp_path_factory.mktemp("demo")) as app:
        _demo(app, "--password", PASSWORD)
        yield app


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _codes(model) -> dict[int, str]:
    return dict(db.session.execute(select(model.id, model.code)).all())


def _snapshot() -> tuple[list, list]:
    """Everything the demo decides, by code rather than by id."""
    parent = aliased(Unit)
    units = db.session.execute(
        select(Unit.code, Unit.name, parent.code, Unit.track_id, Unit.active_from)
        .outerjoin(parent, parent.id == Unit.parent_id).order_by(Unit.code)
    ).all()
    titles: dict[str, list[str]] = {}
    for code, title in db.session.execute(
        select(Cadre.code, TitleType.code).join(CadreTitle, CadreTitle.cadre_id == Cadre.id)
        .join(TitleType, TitleType.id == CadreTitle.title_type_id).order_by(Cadre.code, TitleType.code)
    ):
        titles.setdefault(code, []).append(title)
    cadres = db.session.execute(
        select(Cadre.code, Cadre.full_name, Cadre.gender, Cadre.birth_date, Unit.code, Cadre.employment,
               Cadre.education_level_id, Cadre.political_level_id, Membership.start_on)
        .join(Unit, Unit.id == Cadre.unit_id).join(Membership, Membership.cadre_id == Cadre.id).order_by(Cadre.code)
    ).all()
    return [tuple(u) for u in units], [(*c, tuple(titles.get(c[0], ()))) for c in cadres]


def _login(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


# -- the figures of the article ----------------------------------------------------------------------

def test_the_overview_counts_match_the_article(demo_app):
    with demo_app.app_context():
        data = overview(_user("admin"))
        levels = {name: code for code, name in db.session.execute(select(UnitLevel.code, UnitLevel.name))}
        political = {name: code for code, name in db.session.execute(select(PoliticalLevel.code, PoliticalLevel.name))}

        assert data.root is None
        assert (data.cadres, data.full_time, data.part_time) == (2701, 41, 2660)
        assert data.university_or_higher == 1715
        assert {levels[r.label]: r.count for r in data.units_by_level} == {"federation": 1, "upper": 10, "grassroots": 769}
        by_political = {political[r.label]: r.count for r in data.political}
        assert by_political["cao_cap"] == 208
        assert by_political["trung_cap"] == 502
        assert 0.40 < data.female / data.cadres < 0.55


def test_the_overview_page_shows_the_article_figures(demo_app):
    client = demo_app.test_client()
    assert _login(client, "admin").status_code == 302
    page = html_text(client.get("/reports/overview"))
    for figure in ("2.701", "2.660", "98,5%", "63,5%", "7,7%", "18,6%", "769"):
        assert figure in page, figure


def test_a_union_admin_sees_only_its_subtree(demo_app):
    with demo_app.app_context():
        union = _user("union")
        data = overview(union)
        in_subtree = db.session.scalar(
            select(func.count()).select_from(Cadre).join(Unit, Unit.id == Cadre.unit_id)
            .where(Unit.path.startswith(union.unit.path))
        )
        assert data.root.code == union.unit.code
        assert 0 < data.cadres == in_subtree < 2701
        assert data.full_time == 3
        assert sum(r.count for r in data.units_by_level) < 780

    client = demo_app.test_client()
    assert _login(client, "union").status_code == 302
    page = html_text(client.get("/reports/overview"))
    assert union.unit.name in page
    assert "2.701" not in page


# -- the logins ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", LOGINS)
def test_every_login_works_with_the_given_password(demo_app, username):
    client = demo_app.test_client()
    assert _login(client, username, "not-the-password").status_code == 200
    response = _login(client, username)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_the_logins_have_their_roles_and_places(demo_app):
    with demo_app.app_context():
        users = {name: _user(name) for name in LOGINS}
        tracks = _codes(Track)
        assert {name: u.role for name, u in users.items()} == {
            "admin": "federation_admin", "union": "union_admin", "trainer": "trainer", "cadre": "cadre", "cadre2": "cadre",
        }
        union_root = users["union"].unit
        assert union_root.level.code == "upper"
        assert tracks[union_root.track_id] == "business"

        cadre, cadre2 = users["cadre"].cadre, users["cadre2"].cadre
        assert cadre.full_name == "Nguyễn Thị Hoa" and cadre.gender == "female"
        assert cadre2.full_name == "Hoàng Văn Minh" and cadre2.gender == "male"
        assert cadre.unit.level.code == cadre2.unit.level.code == "grassroots"
        assert tracks[cadre.track.id] == "business"
        assert cadre.unit.path.startswith(union_root.path)
        assert tracks[cadre2.track.id] == "public"
        assert not cadre2.unit.path.startswith(union_root.path)

    client = demo_app.test_client()
    _login(client, "cadre")
    assert "Nguyễn Thị Hoa" in html_text(client.get("/"))


# -- the data are whole and plausible -------------------------------------------------------------------

def test_derived_columns_are_filled_as_the_operations_fill_them(demo_app):
    with demo_app.app_context():
        units = {u.id: u for u in db.session.scalars(select(Unit))}
        for unit in units.values():
            parent_path = units[unit.parent_id].path if unit.parent_id else "/"
            assert unit.path == f"{parent_path}{unit.id}/"
            assert unit.search_key == fold(f"{unit.name} {unit.code}")
        events = db.session.execute(select(UnitEvent.unit_id, UnitEvent.kind, UnitEvent.new_parent_id)).all()
        assert sorted(events) == sorted((u.id, "create", u.parent_id) for u in units.values())

        cadres = db.session.scalars(select(Cadre)).all()
        for cadre in cadres:
            assert cadre.sort_key == name_sort_key(cadre.full_name)
            assert cadre.search_key == fold(cadre.full_name)
            assert unicodedata.is_normalized("NFC", cadre.full_name) and len(cadre.full_name.split()) >= 3
        memberships = db.session.execute(select(Membership.cadre_id, Membership.unit_id, Membership.reason, Membership.end_on)).all()
        assert sorted(memberships) == sorted((c.id, c.unit_id, "join", None) for c in cadres)
        unit_of = {c.id: c.unit_id for c in cadres}
        for cadre_id, unit_id in db.session.execute(select(CadreTitle.cadre_id, CadreTitle.unit_id)):
            assert unit_of[cadre_id] == unit_id


def test_titles_levels_and_dates_are_plausible(demo_app):
    today = dt.date.today()
    with demo_app.app_context():
        levels, titles = _codes(UnitLevel), _codes(TitleType)
        education = {e.id: e for e in db.session.scalars(select(EducationLevel))}
        chairs = dict(db.session.execute(
            select(CadreTitle.unit_id, func.count()).where(CadreTitle.title_type_id == next(
                i for i, c in titles.items() if c == "chu_tich")).group_by(CadreTitle.unit_id)
        ).all())
        units = db.session.scalars(select(Unit)).all()
        assert all(chairs.get(u.id) == 1 for u in units)

        rows = db.session.execute(
            select(Cadre, Unit, Membership.start_on, func.min(CadreTitle.start_on))
            .join(Unit, Unit.id == Cadre.unit_id).join(Membership, Membership.cadre_id == Cadre.id)
            .join(CadreTitle, CadreTitle.cadre_id == Cadre.id).group_by(Cadre.id, Unit.id, Membership.start_on)
        ).all()
        assert len(rows) == 2701
        for cadre, unit, joined, since in rows:
            assert (cadre.employment == "full_time") == (levels[unit.level_id] != "grassroots")
            assert 1966 <= cadre.birth_date.year <= 2000
            assert unit.active_from <= joined <= since <= today
            assert cadre.term == "2023–2028"
            if cadre.employment == "full_time":
                assert education[cadre.education_level_id].is_university_or_higher


# -- starting over --------------------------------------------------------------------------------------

def test_rerunning_starts_over_with_the_same_data(demo_app, tmp_path):
    with demo_app.app_context():
        expected = _snapshot()

    with fresh_app(tmp_path) as app:
        first = _demo(app)  # no --password: one is generated and printed
        match = re.search(r"Mật khẩu \(sinh ngẫu nhiên[^)]*\): (\S+)", first.output)
        assert match, first.output
        with app.app_context():
            assert _snapshot() == expected
            assert all(_user(name).check_password(match.group(1)) for name in LOGINS)

        _demo(app, "--yes", "--password", PASSWORD)
        with app.app_context():
            assert _snapshot() == expected
            assert db.session.scalar(select(func.count()).select_from(User)) == len(LOGINS)
            assert _user("admin").check_password(PASSWORD)


def test_it_asks_before_wiping_a_database_with_data(demo_app):
    result = _demo(demo_app, "--password", PASSWORD, input="n\n", expect=1)
    assert "XÓA TOÀN BỘ" in result.output
    with demo_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Cadre)) == 2701


def test_a_short_password_is_refused_before_anything_is_reset(demo_app):
    result = _demo(demo_app, "--yes", "--password", "ngan", expect=2)
    assert "--password" in result.output
    with demo_app.app_context():
        assert _user("admin").check_password(PASSWORD)


def test_the_sample_courses_export_back_file_for_file(demo_app, tmp_path):
    """After `lms demo`, `lms export-course CODE DIR` gives back each folder of courses/ file for file."""
    import yaml

    from lms import ROOT

    folders = sorted(p.parent for p in (ROOT / "courses").glob("*/course.yaml"))
    assert len(folders) >= 4
    runner = demo_app.test_cli_runner()
    for folder in folders:
        code = yaml.safe_load((folder / "course.yaml").read_text(encoding="utf-8"))["code"]
        target = tmp_path / folder.name
        result = runner.invoke(args=["export-course", code, str(target)])
        assert result.exit_code == 0, result.output
        expected = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        actual = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
        assert sorted(actual) == sorted(expected), folder.name
        for name, content in expected.items():
            assert actual[name] == content, f"{folder.name}/{name} differs"


def test_demo_cadres_see_their_tracks_courses(demo_app):
    from lms.courses.queries import catalogue

    with demo_app.app_context():
        business = {i.course.code for i in catalogue(_user("cadre").cadre)}
        public = {i.course.code for i in catalogue(_user("cadre2").cadre)}
    assert "THUONG-LUONG-DOI-THOAI" in business and "THUONG-LUONG-DOI-THOAI" not in public
    assert "DAN-CHU-CO-SO" in public and "DAN-CHU-CO-SO" not in business
    assert {"DIEU-LE-LUAT-2024", "KIEM-TRA-TAI-CHINH"} <= business & public


def test_the_learning_history_is_spread_over_time(demo_app):
    """Issue 6 point 5: attempts, completions and certificates happen over the past months, each at its
    own moment, in the order a real register would have numbered them."""
    from lms.certificates.models import Certificate
    from lms.core.clock import local_today
    from lms.courses.demo import HISTORY_DAYS
    from lms.courses.models import CourseVersion, Enrolment
    from lms.quizzes.models import Attempt

    with demo_app.app_context():
        today = local_today()
        enrolled = db.session.scalars(select(Enrolment.enrolled_at)).all()
        completed = [c for c in db.session.scalars(select(Enrolment.completed_at)) if c is not None]
        attempts = db.session.execute(select(Attempt.started_at, Attempt.submitted_at, Attempt.passed)).all()
        certificates = db.session.execute(
            select(Certificate.issued_on, Certificate.year, Certificate.number, Certificate.cadre_id)
            .order_by(Certificate.issued_on, Certificate.created_at)).all()
        first_published = db.session.scalar(select(func.min(CourseVersion.published_at)))

    months = {(c.year, c.month) for c in completed}
    assert len(months) >= 8, sorted(months)  # completions in many months, not all today
    assert min(enrolled).date() >= today - dt.timedelta(days=HISTORY_DAYS + 1)
    assert first_published < min(enrolled)  # the courses existed before anyone enrolled
    assert all(e < today_moment(today) for e in enrolled)
    assert len(completed) < len(enrolled)  # some stopped halfway
    assert any(not passed for *_, passed in attempts) and sum(passed for *_, passed in attempts) > len(attempts) // 2
    assert all(dt.timedelta(minutes=3) < submitted - started < dt.timedelta(minutes=15) for started, submitted, _ in attempts)
    assert len({c.year for c in certificates}) >= 2
    for year in {c.year for c in certificates}:  # numbered 1, 2, 3… in the order of issue, per year
        numbers = [c.number for c in certificates if c.year == year]
        assert numbers == list(range(1, len(numbers) + 1)), (year, numbers)
    assert {issued.year for issued, year, *_ in certificates if issued.year != year} == set()


def today_moment(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
