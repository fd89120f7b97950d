"""Issuing at completion: a cadre who completes every module of their track gets a certificate and an
online training-record entry without anyone doing anything; in-person classes are issued in a batch."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from lms.certificates import operations, queries
from lms.certificates.models import VALID, Certificate
from lms.core.db import db
from lms.courses import operations as course_ops
from lms.courses import queries as course_queries
from lms.courses import storage
from lms.records.models import KIND_ONLINE, RecordEntry
from tests.certificates.test_register import (  # noqa: F401  (fixtures)
    configured, finish, login, make_class, make_course,
)
from tests.conftest import html_text


def _entries(cadre):
    return db.session.scalars(sa.select(RecordEntry).where(RecordEntry.cadre_id == cadre.id)).all()


def test_finishing_a_course_issues_the_certificate_and_writes_the_record(configured):
    cadre = configured["cadre_a"]
    course = make_course(configured["users"]["trainer"], modules=(("Bài một", 25), ("Bài hai", 40), ("Bài ba", 20)))
    enrolment = course_ops.enrol(cadre, course)
    modules = course_queries.outline(course, cadre).modules
    for module in modules[:-1]:
        course_ops.complete_module(enrolment, module)
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0  # not before the last module
    assert course_ops.complete_module(enrolment, modules[-1]) is True

    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.cadre_id == cadre.id))
    assert certificate is not None and certificate.status == VALID
    assert (certificate.enrolment_id, certificate.course_id, certificate.course_version_id) == (
        enrolment.id, course.id, enrolment.version_id)
    assert certificate.title == "Nghiệp vụ công tác công đoàn" and certificate.hours == 2  # 85 minutes → 2 hours
    assert certificate.issuer_unit_id == configured["fed"].id and certificate.expires_on is None
    assert certificate.issued_by_id is None
    assert storage.read(certificate.pdf_blob).startswith(b"%PDF-")

    [entry] = _entries(cadre)
    assert (entry.kind, entry.title, entry.hours, entry.result) == (KIND_ONLINE, certificate.title, 2, "Đạt")
    assert (entry.course_id, entry.course_version_id, entry.certificate_id) == (course.id, enrolment.version_id,
                                                                                certificate.id)
    assert entry.end_on == certificate.end_on and entry.start_on == certificate.start_on


def test_certificate_hours_and_validity_come_from_the_course(configured):
    cadre = configured["cadre_b"]
    course = make_course(configured["users"]["trainer"], hours=16, validity_months=36)
    finish(cadre, course)
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.cadre_id == cadre.id))
    assert certificate.hours == 16
    assert certificate.expires_on == operations.add_months(certificate.issued_on, 36)
    assert _entries(cadre)[0].hours == 16


def test_only_the_cadres_track_counts(configured):
    """A business-track cadre completes without the public-track module and is certified."""
    trainer = configured["users"]["trainer"]
    course = course_ops.create_course("THUONG-LUONG", course_ops.CourseMeta("Thương lượng", "", ["business", "public"]), trainer)
    version = course_ops.latest(course)
    course_ops.add_module(version, course_ops.ModuleData("Chung", "x", 30))
    course_ops.add_module(version, course_ops.ModuleData("Doanh nghiệp", "x", 30, ["business"]))
    course_ops.add_module(version, course_ops.ModuleData("Hành chính", "x", 90, ["public"]))
    course_ops.publish(version)
    finish(configured["cadre_a"], course)
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.cadre_id == configured["cadre_a"].id))
    assert certificate is not None and certificate.hours == 1  # 60 minutes of the business track


def test_completion_stands_when_issuing_fails_and_an_admin_issues_later(province, client, monkeypatch):
    """Settings without a signer: the course is still completed, the record written, the cadre listed
    for issuing by hand; once the signer is set, the admin issues and the record is linked."""
    cadre = province["cadre_a"]
    course = make_course(province["users"]["trainer"])
    enrolment = finish(cadre, course)
    assert enrolment.completed_at is not None
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0
    [entry] = _entries(cadre)
    assert entry.certificate_id is None
    admin = province["users"]["admin"]
    assert queries.completed_without_certificate(admin) == [enrolment]

    from lms.core.settings import save_settings

    save_settings({"signer_name": "Đặng Hữu Phước"})
    login(client, "union")
    page = html_text(client.get("/certificates/issue"))
    assert "chưa có giấy chứng nhận" in page and cadre.full_name in page
    response = client.post("/certificates/issue", data={"one-cadre_code": cadre.code, "one-course": course.id,
                                                        "one-training_class": 0})
    assert response.status_code == 302
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.cadre_id == cadre.id))
    assert certificate.enrolment_id == enrolment.id and certificate.issued_by_id == province["users"]["union"].id
    db.session.refresh(entry)
    assert entry.certificate_id == certificate.id and len(_entries(cadre)) == 1
    # a second certificate for the same completion is refused
    response = client.post("/certificates/issue", data={"one-cadre_code": cadre.code, "one-course": course.id,
                                                        "one-training_class": 0})
    assert "đã có giấy chứng nhận" in html_text(response)


def test_a_storage_failure_at_completion_keeps_the_completion(configured, monkeypatch):
    def refuse(data):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(storage, "store", refuse)
    enrolment = finish(configured["cadre_a"], make_course(configured["users"]["trainer"]))
    assert enrolment.completed_at is not None
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0
    assert len(_entries(configured["cadre_a"])) == 1


def test_the_learner_is_told_on_the_page(configured, client):
    cadre = configured["cadre_a"]
    course = make_course(configured["users"]["trainer"], modules=(("Bài duy nhất", 10),))
    course_ops.enrol(cadre, course)
    key = course_queries.outline(course, cadre).modules[0].key
    login(client, "cadre")
    response = client.post(f"/learn/courses/{course.code}/modules/{key}/done", follow_redirects=True)
    text = html_text(response)
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.cadre_id == cadre.id))
    assert certificate is not None and f"giấy chứng nhận số {certificate.serial}" in text
    assert certificate.serial in html_text(client.get("/certificates/mine"))


def test_class_batch_is_idempotent_and_skips_failures_and_revoked(configured, make):
    upper = configured["upper_a"]
    make.cadre("Hoàng Văn Chủ Tịch", unit=upper, titles=["chu_tich"])
    a, b = configured["cadre_a"], make.cadre("Vũ Thị Học", unit=configured["biz"])
    failed = make.cadre("Lê Văn Trượt", unit=configured["biz"])
    training_class = make_class(configured, upper, attendees=[(a, "Đạt"), (b, "Khá"), (failed, "Không đạt")])
    result = operations.issue_for_class(training_class)
    assert len(result.issued) == 2 and result.skipped == 1
    assert {c.issuer_unit_id for c in result.issued} == {upper.id}
    assert all(c.serial.endswith(f"/GCN-KCN-{c.year}") for c in result.issued)
    operations.revoke(result.issued[0], "Sai danh sách")
    again = operations.issue_for_class(training_class)
    assert again.issued == [] and again.skipped == 3  # a revoked certificate is never silently re-issued


def test_a_class_organiser_without_a_chair_is_a_clear_error(configured):
    training_class = make_class(configured, configured["upper_b"], attendees=[(configured["cadre_b"], "Đạt")])
    try:
        operations.issue_for_class(training_class)
    except operations.CertificateError as exc:
        assert "chưa có Chủ tịch" in str(exc)
    else:
        raise AssertionError("expected a CertificateError")
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


def test_issuing_dates_are_vietnam_dates(configured, monkeypatch):
    monkeypatch.setattr(operations, "local_today", lambda: dt.date(2026, 12, 31))
    finish(configured["cadre_a"], make_course(configured["users"]["trainer"]))
    certificate = db.session.scalar(sa.select(Certificate))
    assert certificate.issued_on == dt.date(2026, 12, 31) and certificate.serial == "1/GCN-LĐLĐ-2026"
