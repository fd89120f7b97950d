"""The roll-up over the tree: per-child figures that add up to the parent's, drill-down to the cadres."""
from __future__ import annotations

import datetime as dt

import pytest

from lms.core.db import db
from lms.courses import operations as courses
from lms.reports.queries import Filters, roll_up
from tests.records.conftest import RecordMaker
from tests.reports.conftest import training_class

YEAR = Filters(dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def _course(code, trainer):
    course = courses.create_course(code, courses.CourseMeta(f"Khóa {code}"), trainer)
    version = courses.latest(course)
    courses.add_module(version, courses.ModuleData("Bài 1", "Nội dung", 5))
    courses.publish(version)
    return course


def _complete(cadre, course, on: dt.date):
    enrolment = courses.enrol(cadre, course)
    enrolment.completed_at = dt.datetime(on.year, on.month, on.day, 3, 0, tzinfo=dt.timezone.utc)
    db.session.flush()
    return enrolment


@pytest.fixture()
def world(province, make):
    biz, pub = province["biz"], province["pub"]
    people = {
        "anh": province["cadre_a"],                                    # Nguyễn Thị Ánh, biz
        "duc": province["cadre_b"],                                    # Trần Văn Đức, pub
        "bao": make.cadre("Trần Văn Bảo", unit=biz, gender="male"),
        "an": make.cadre("Lê Thị An", unit=biz),
        "aan": make.cadre("Phạm Văn Ân", unit=biz, gender="male"),
        "chau": make.cadre("Vũ Thị Châu", unit=pub),
        "kcn": make.cadre("Đào Văn Khoa", unit=province["upper_a"], employment="full_time", gender="male"),
    }
    trainer = province["users"]["trainer"]
    law, finance = _course("LUAT-2024", trainer), _course("TAI-CHINH", trainer)
    _complete(people["anh"], law, dt.date(2024, 3, 1))
    _complete(people["chau"], finance, dt.date(2024, 4, 1))
    _complete(people["bao"], law, dt.date(2023, 4, 1))  # outside the year
    RecordMaker(province).certificate(people["duc"], "Giấy chứng nhận", dt.date(2024, 6, 1))
    training_class(province["upper_a"], dt.date(2024, 9, 10), [people["anh"], people["an"]], hours=16, days=2)
    training_class(province["fed"], dt.date(2023, 9, 10), [people["aan"]], hours=8)  # outside the year
    return {**province, "people": people, "law": law, "finance": finance}


def _rows(data):
    return {(row.unit.code if row.unit else ""): row.figures for row in data.rows}


def test_children_figures_add_up_to_the_parent_total(world):
    admin = world["users"]["admin"]
    top = roll_up(admin, world["fed"], YEAR)
    rows = _rows(top)
    assert set(rows) == {"KCN", "CDVC"}
    assert (rows["KCN"].cadres, rows["KCN"].trained, rows["KCN"].hours) == (5, 2, 32)
    assert (rows["CDVC"].cadres, rows["CDVC"].trained) == (2, 2)
    assert (top.total.cadres, top.total.trained) == (7, 4)
    assert rows["KCN"].share_trained == pytest.approx(0.4)

    for child in (world["upper_a"], world["upper_b"]):
        below = roll_up(admin, child, YEAR)
        assert below.total == rows[child.code]
        assert sum(r.figures.cadres for r in below.rows) == below.total.cadres

    kcn = _rows(roll_up(admin, world["upper_a"], YEAR))
    assert kcn[""].cadres == 1  # Đào Văn Khoa works at the upper-level union itself
    assert kcn["CS-MAY"].cadres == 4


def test_drill_down_to_the_cadres_by_given_name(world):
    data = roll_up(world["users"]["union"], world["biz"], YEAR)
    assert [c.cadre.full_name for c in data.cadres] == ["Lê Thị An", "Nguyễn Thị Ánh", "Phạm Văn Ân", "Trần Văn Bảo"]
    by_name = {c.cadre.full_name: c for c in data.cadres}
    assert by_name["Nguyễn Thị Ánh"].trained and by_name["Nguyễn Thị Ánh"].completions == 1
    assert by_name["Nguyễn Thị Ánh"].attendances == 1 and by_name["Nguyễn Thị Ánh"].hours == 16
    assert not by_name["Trần Văn Bảo"].trained and not by_name["Phạm Văn Ân"].trained
    assert roll_up(world["users"]["admin"], world["fed"], YEAR).cadres is None


def test_filters_by_period_track_and_course(world):
    admin = world["users"]["admin"]
    wider = _rows(roll_up(admin, world["fed"], Filters(dt.date(2023, 1, 1), dt.date(2024, 12, 31))))
    assert wider["KCN"].trained == 4 and wider["KCN"].hours == 40

    from lms.orgs.models import Track

    business = db.session.query(Track).filter_by(code="business").one()
    rows = _rows(roll_up(admin, world["fed"], Filters(YEAR.start, YEAR.end, track=business)))
    assert rows["KCN"].cadres == 4  # the upper-level union itself has no track
    assert "CDVC" not in rows or rows["CDVC"].cadres == 0

    rows = _rows(roll_up(admin, world["fed"], Filters(YEAR.start, YEAR.end, course=world["law"])))
    assert (rows["KCN"].trained, rows["CDVC"].trained) == (1, 0)


def test_assigned_completed_and_overdue_from_the_plans(world):
    from lms.plans import operations as plans

    admin = world["users"]["admin"]
    plan = plans.create_plan(plans.PlanData("Bồi dưỡng Luật Công đoàn 2024"), admin)
    plans.create_assignment(plan, plans.AssignmentData([world["law"]], due_on=dt.date(2024, 12, 31),
                                                       starts_on=dt.date(2024, 1, 1)), admin)
    data = roll_up(admin, world["fed"], YEAR, day=dt.date(2025, 2, 1))
    assert data.plans_available
    rows = _rows(data)
    assert (rows["KCN"].assigned, rows["KCN"].completed, rows["KCN"].overdue) == (5, 2, 3)  # Ánh and Bảo completed
    assert (rows["CDVC"].assigned, rows["CDVC"].completed, rows["CDVC"].overdue) == (2, 0, 2)
    cadres = {c.cadre.full_name: c.plan for c in roll_up(admin, world["biz"], YEAR, day=dt.date(2025, 2, 1)).cadres}
    assert (cadres["Nguyễn Thị Ánh"].completed, cadres["Lê Thị An"].overdue) == (1, 1)


def test_the_page_links_down_the_tree(world, client, auth):
    auth.login("union")
    page = client.get(f"/reports/units/{world['upper_a'].id}?from=01/01/2024&to=31/12/2024").get_data(as_text=True)
    assert f"/reports/units/{world['biz'].id}?" in page
    assert "Công đoàn Công ty May Đức Giang" in page
    page = client.get(f"/reports/units/{world['biz'].id}?from=01/01/2024&to=31/12/2024").get_data(as_text=True)
    assert page.index("Lê Thị An") < page.index("Nguyễn Thị Ánh") < page.index("Trần Văn Bảo")
    assert "50,0%" in page  # two of the four (Ánh and An)


def test_a_certificate_counts_only_while_its_chain_is_in_force(world):
    """Re-issued then revoked (the cadre was removed from the class): neither the revoked certificate
    nor the copies it replaced make the cadre "trained"; a re-issue still in force counts once, for
    the training's dates, whenever it was re-issued."""
    from lms.certificates.models import REPLACED, REVOKED

    maker = RecordMaker(world)
    admin = world["users"]["admin"]
    gone = world["people"]["aan"]
    first = maker.certificate(gone, "Lớp đã hủy kết quả", dt.date(2024, 10, 1))
    second = maker.certificate(gone, "Lớp đã hủy kết quả", dt.date(2025, 2, 1))
    first.status, first.end_on = REPLACED, dt.date(2024, 9, 30)
    second.replaces_id, second.status, second.end_on = first.id, REVOKED, dt.date(2024, 9, 30)
    kept = world["people"]["bao"]
    old = maker.certificate(kept, "Lớp có giấy cấp lại", dt.date(2024, 5, 2))
    new = maker.certificate(kept, "Lớp có giấy cấp lại", dt.date(2025, 1, 15))  # re-issued the next year
    old.status, old.end_on = REPLACED, dt.date(2024, 5, 1)
    new.replaces_id, new.end_on = old.id, dt.date(2024, 5, 1)
    db.session.flush()
    by_name = {c.cadre.full_name: c for c in roll_up(admin, world["biz"], YEAR).cadres}
    assert not by_name["Phạm Văn Ân"].trained
    assert by_name["Trần Văn Bảo"].trained
    assert _rows(roll_up(admin, world["fed"], YEAR))["KCN"].trained == 3  # Ánh, An, and now Bảo
