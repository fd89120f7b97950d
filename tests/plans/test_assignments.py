"""Due dates (fixed and relative), statuses, cycles with new certificates, exemptions, is_assigned."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from lms.cadres.operations import transfer
from lms.certificates.models import Certificate
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.courses import operations as courses
from lms.plans import operations, queries

D = dt.date


def utc(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 3, tzinfo=dt.timezone.utc)


def status(assignment, cadre, day, course=None):
    report = queries.assignment_report(assignment, day)
    row = next(r for r in report.rows if r.cadre.id == cadre.id)
    course = course or assignment.courses[0]
    return next(item for c, item in row.items if c.id == course.id)


@pytest.fixture()
def plan(province):
    return operations.create_plan(operations.PlanData("Ban chấp hành khu công nghiệp", units=[province["upper_a"]]),
                                  province["users"]["admin"])


def test_fixed_date_statuses(province, plan, publish):
    course = publish("DIEU-LE")
    cadre = province["cadre_a"]
    assignment = operations.create_assignment(plan, operations.AssignmentData([course], due_on=D(2025, 3, 1)),
                                              today=D(2025, 1, 1))
    assert status(assignment, cadre, D(2025, 1, 10)).status == queries.ASSIGNED
    enrolment = courses.enrol(cadre, course)
    assert status(assignment, cadre, D(2025, 1, 10)).status == queries.IN_PROGRESS
    assert status(assignment, cadre, D(2025, 2, 22)).status == queries.DUE_SOON  # 7 days before
    late = status(assignment, cadre, D(2025, 3, 2))
    assert (late.status, late.due_on) == (queries.OVERDUE, D(2025, 3, 1))
    enrolment.completed_at = utc(D(2025, 3, 5))
    db.session.flush()
    done = status(assignment, cadre, D(2025, 3, 6))
    assert (done.status, done.completed_on) == (queries.COMPLETED, D(2025, 3, 5))


def test_relative_due_dates_count_from_entering_the_audience(make, province, plan, publish):
    course = publish("MOI-BAU")
    assignment = operations.create_assignment(plan, operations.AssignmentData([course], due_days=30),
                                              today=D(2024, 6, 1))
    # in the audience before the assignment existed: counted from the assignment's start
    assert status(assignment, province["cadre_a"], D(2024, 6, 2)).due_on == D(2024, 7, 1)
    comer = make.cadre("Ngô Văn Đến", unit=province["pub"], start_on=D(2020, 1, 1))
    transfer(comer, province["biz"], D(2025, 2, 1))
    assert status(assignment, comer, D(2025, 2, 2)).due_on == D(2025, 3, 3)
    joiner = make.cadre("Lý Thị Vào", unit=province["biz"], start_on=D(2025, 5, 10))
    row = status(assignment, joiner, D(2025, 5, 11))
    assert (row.status, row.due_on) == (queries.ASSIGNED, D(2025, 6, 9))


def test_cycles_new_due_date_after_each_completion_old_certificates_stay(province, plan, publish):
    from lms.certificates.operations import Facts, issue_certificate
    from lms.core.settings import save_settings

    save_settings({"signer_name": "Đặng Hữu Phước"})
    course = publish("TAI-CHINH")
    cadre = province["cadre_a"]
    assignment = operations.create_assignment(
        plan, operations.AssignmentData([course], due_on=D(2024, 3, 1), cycle_years=2), today=D(2024, 1, 1))
    first = issue_certificate(cadre, Facts("Tài chính công đoàn", 4, D(2024, 2, 1), D(2024, 2, 10)),
                              course=course, issued_on=D(2024, 2, 10))
    done = status(assignment, cadre, D(2024, 6, 1))
    assert (done.status, done.completed_on, done.next_due_on) == (queries.COMPLETED, D(2024, 2, 10), D(2026, 2, 10))
    assert status(assignment, cadre, D(2026, 2, 5)).status == queries.DUE_SOON
    overdue = status(assignment, cadre, D(2026, 3, 1))
    assert (overdue.status, overdue.due_on) == (queries.OVERDUE, D(2026, 2, 10))

    second = issue_certificate(cadre, Facts("Tài chính công đoàn", 4, D(2026, 3, 1), D(2026, 3, 5)),
                               course=course, issued_on=D(2026, 3, 5))
    again = status(assignment, cadre, D(2026, 3, 6))
    assert (again.status, again.next_due_on) == (queries.COMPLETED, D(2028, 3, 5))
    kept = db.session.scalars(select(Certificate.id).where(Certificate.cadre_id == cadre.id)).all()
    assert {first.id, second.id} <= set(kept)


def test_a_completed_enrolment_counts_without_a_cycle_forever(province, plan, publish):
    course = publish("MOT-LAN")
    cadre = province["cadre_a"]
    enrolment = courses.enrol(cadre, course)
    enrolment.completed_at = utc(D(2019, 5, 1))
    db.session.flush()
    assignment = operations.create_assignment(plan, operations.AssignmentData([course], due_on=D(2025, 3, 1)),
                                              today=D(2025, 1, 1))
    assert status(assignment, cadre, D(2025, 6, 1)).status == queries.COMPLETED


def test_exemptions(make, province, plan, publish):
    course = publish("MIEN")
    cadre = province["cadre_a"]
    assignment = operations.create_assignment(plan, operations.AssignmentData([course], due_on=D(2025, 3, 1)),
                                              today=D(2025, 1, 1))
    with pytest.raises(ValidationError):
        operations.exempt(assignment, cadre, "  ", today=D(2025, 6, 1))
    with pytest.raises(ValidationError):  # not in the audience
        operations.exempt(assignment, province["cadre_b"], "Nghỉ thai sản", today=D(2025, 6, 1))
    operations.exempt(assignment, cadre, "Đã học lớp tập trung tương đương", province["users"]["union"], today=D(2025, 6, 1))
    assert status(assignment, cadre, D(2025, 6, 1)).status == queries.EXEMPT
    assert queries.assignment_report(assignment, D(2025, 6, 1)).counts()[queries.EXEMPT] == 1
    assert operations.remove_exemption(assignment, cadre)
    assert status(assignment, cadre, D(2025, 6, 1)).status == queries.OVERDUE


def test_is_assigned_opens_a_closed_course(province, plan, publish, clock):
    closed = publish("NOI-BO", is_open=False)
    other = publish("KHAC", is_open=False)
    clock.set(D(2025, 1, 2))
    assignment = operations.create_assignment(plan, operations.AssignmentData([closed], due_on=D(2025, 3, 1)))
    assert queries.is_assigned(province["cadre_a"], closed)
    assert not queries.is_assigned(province["cadre_a"], other)
    assert not queries.is_assigned(province["cadre_b"], closed)  # outside the audience
    operations.exempt(assignment, province["cadre_a"], "Miễn")
    assert not queries.is_assigned(province["cadre_a"], closed)


def test_cadre_items_most_urgent_first(province, plan, publish, clock):
    clock.set(D(2025, 6, 1))
    late = publish("TRE", "Khóa trễ hạn")
    soon = publish("SAP", "Khóa sắp đến hạn")
    later = publish("SAU", "Khóa còn lâu")
    for course, due in ((later, D(2025, 12, 1)), (soon, D(2025, 6, 5)), (late, D(2025, 5, 1))):
        operations.create_assignment(plan, operations.AssignmentData([course], due_on=due))
    block = queries.home_block(province["cadre_a"])
    assert [i.course.code for i in block["overdue"]] == ["TRE"]
    assert [i.course.code for i in block["due_soon"]] == ["SAP"]
    assert [i.course.code for i in block["assigned"]] == ["SAU"]
    assert queries.home_block(province["cadre_b"]) == {"overdue": [], "due_soon": [], "assigned": []}


def test_the_home_block_follows_the_day_while_the_plans_stay_the_same(make, province, publish):
    """The audiences' statement is kept with the plans' snapshot, one per day: a rule with dates in it
    ("elected within 6 months") must be read for the day asked, not the first day it was built for."""
    newly = operations.create_plan(operations.PlanData("Cán bộ mới bầu", new_within_months=6), province["users"]["admin"])
    operations.create_assignment(newly, operations.AssignmentData([publish("MOI-BAU")], due_on=D(2025, 12, 31)),
                                 today=D(2025, 1, 1))
    cadre = make.cadre("Hoàng Văn Tân", unit=province["biz"], titles=["uv_bch"], start_on=D(2025, 1, 10))
    db.session.commit()  # the plans' snapshot is kept from here on
    assert queries.assigned_plans() is queries.assigned_plans()
    assert [i.course.code for i in queries.cadre_items(cadre, D(2025, 3, 1))] == ["MOI-BAU"]
    assert queries.cadre_items(cadre, D(2025, 7, 11)) == []  # more than 6 months after the election
    assert queries.assigned_course_ids(cadre, D(2025, 7, 11)) == set()
    assert [i.course.code for i in queries.cadre_items(cadre, D(2025, 3, 1))] == ["MOI-BAU"]
    # a new plan is a new snapshot, with its own statement
    everyone = operations.create_plan(operations.PlanData("Mọi cán bộ"), province["users"]["admin"])
    operations.create_assignment(everyone, operations.AssignmentData([publish("CHUNG")], due_on=D(2025, 12, 31)),
                                 today=D(2025, 1, 1))
    db.session.commit()
    assert [i.course.code for i in queries.cadre_items(cadre, D(2025, 7, 11))] == ["CHUNG"]
