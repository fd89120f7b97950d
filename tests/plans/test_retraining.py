"""A re-training cycle lets a cadre take a course again: a new enrolment, the old one and its record kept."""


from lms.courses import operations as ops
from lms.courses.models import Enrolment
from lms.core.db import db
from sqlalchemy import func, select


def test_new_round_starts_a_new_enrolment_and_keeps_the_old(province):
    course = ops.create_course("CHU-KY", ops.CourseMeta("Bồi dưỡng định kỳ"), province["users"]["trainer"])
    version = ops.latest(course)
    module = ops.add_module(version, ops.ModuleData("Bài một", "Nội dung", 5))
    ops.publish(version)
    cadre = province["cadre_a"]
    first = ops.enrol(cadre, course)
    ops.complete_module(first, module)
    assert first.completed_at is not None
    assert ops.enrol(cadre, course) is first  # no cycle due: the same enrolment
    second = ops.enrol(cadre, course, new_round=True)
    assert second.id != first.id and second.completed_at is None
    assert db.session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.cadre_id == cadre.id)) == 2
    assert ops.open_enrolment(cadre, course) is second
