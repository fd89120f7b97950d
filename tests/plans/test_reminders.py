"""Reminders (before, on the day, weekly when overdue; admins; certificate renewals) are written once
however often the command runs; the outbox retries with back-off and lists what never went out."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from lms.core.db import db
from lms.plans import mail, operations, queries
from lms.plans.models import OUTBOX_FAILED, OUTBOX_PENDING, OUTBOX_SENT, Notification, OutboxMessage
from tests.conftest import html_text
from tests.plans.conftest import FakeBackend

D = dt.date


def count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.scalar(query)


@pytest.fixture()
def assigned(province, publish):
    province["cadre_a"].email = "anh@example.vn"
    plan = operations.create_plan(operations.PlanData("Khu công nghiệp", units=[province["upper_a"]]),
                                  province["users"]["admin"])
    course = publish("DIEU-LE", "Điều lệ Công đoàn")
    return operations.create_assignment(plan, operations.AssignmentData([course], due_on=D(2025, 3, 10)),
                                        today=D(2025, 1, 1))


def run(day: dt.date) -> operations.ReminderResult:
    return operations.compute_reminders(day, dt.datetime(day.year, day.month, day.day, 2, tzinfo=dt.timezone.utc))


def test_before_on_the_day_and_weekly_overdue_never_twice(province, assigned):
    cadre_user = province["users"]["cadre"]
    assert run(D(2025, 2, 20)) == operations.ReminderResult(0, 0)  # not yet
    first = run(D(2025, 3, 3))  # 7 days before
    assert first == operations.ReminderResult(1, 1)
    assert run(D(2025, 3, 3)) == operations.ReminderResult(0, 0)  # the same day again: nothing
    assert run(D(2025, 3, 4)) == operations.ReminderResult(0, 0)  # the next day: still the same reminder
    assert run(D(2025, 3, 10)).notifications == 1  # the due day
    overdue = run(D(2025, 3, 11))
    assert overdue.notifications == 2 and overdue.mails == 1  # the cadre (+ mail) and the union admin's summary
    assert run(D(2025, 3, 15)) == operations.ReminderResult(0, 0)
    assert run(D(2025, 3, 18)).notifications >= 1  # a week later
    titles = db.session.scalars(select(Notification.title).where(Notification.user_id == cadre_user.id)
                                .order_by(Notification.id)).all()
    assert titles[0].startswith("Sắp đến hạn 10/03/2025")
    assert titles[1].startswith("Hôm nay là hạn")
    assert titles[2].startswith("Quá hạn từ 10/03/2025")
    assert count(Notification, user_id=province["users"]["union"].id) >= 1
    assert count(Notification, user_id=province["users"]["other_union"].id) == 0
    body = db.session.scalar(select(OutboxMessage.body).order_by(OutboxMessage.id).limit(1))
    assert "/learn/courses/DIEU-LE" in body and "Nguyễn Thị Ánh" in body


def test_each_reminder_is_written_in_its_readers_language(province, assigned):
    """A login that chose English reads its reminders in English, and so does the cadre's e-mail; the
    union admin, in Vietnamese, still gets the summary in Vietnamese."""
    cadre_user = province["users"]["cadre"]
    cadre_user.locale = "en"
    db.session.flush()
    run(D(2025, 3, 3))
    run(D(2025, 3, 11))
    titles = db.session.scalars(select(Notification.title).where(Notification.user_id == cadre_user.id)
                                .order_by(Notification.id)).all()
    assert titles[0].startswith("Due soon (10/03/2025)"), titles
    assert titles[1].startswith("Overdue since 10/03/2025"), titles
    mail = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id).limit(1))
    assert mail.subject.startswith("Due soon (10/03/2025)") and mail.body.startswith("Dear Nguyễn Thị Ánh,")
    summary = db.session.scalar(select(Notification.title).where(
        Notification.user_id == province["users"]["union"].id))
    assert "cán bộ quá hạn" in summary


def test_no_reminders_for_completed_or_exempt(province, assigned):
    operations.exempt(assigned, province["cadre_a"], "Nghỉ thai sản", today=D(2025, 3, 3))
    assert run(D(2025, 3, 3)) == operations.ReminderResult(0, 0)
    assert run(D(2025, 3, 20)) == operations.ReminderResult(0, 0)


def test_the_command_twice_sends_nothing_twice(app, runner, province, assigned, clock, tmp_path):
    clock.set(D(2025, 3, 11))
    app.config["MAIL_BACKEND"] = "file"
    instance = app.instance_path
    app.instance_path = str(tmp_path)
    try:
        first = runner.invoke(args=["reminders", "send"])
        assert first.exit_code == 0, first.output
        assert "1 đã gửi" in first.output
        second = runner.invoke(args=["reminders", "send"])
        assert "0 thông báo, 0 thư mới" in second.output and "0 đã gửi" in second.output
    finally:
        app.instance_path = instance
        app.config.pop("MAIL_BACKEND")
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    assert "anh@example.vn" in files[0].read_text()


def test_renewal_reminder_for_expiring_certificates(province, publish):
    from lms.certificates.operations import Facts, issue_certificate
    from lms.core.settings import save_settings

    save_settings({"signer_name": "Đặng Hữu Phước", "renewal_reminder_days": 60})
    course = publish("GIA-HAN")
    issue_certificate(province["cadre_a"], Facts("Gia hạn", 4, D(2023, 5, 1), D(2023, 5, 2)), course=course,
                      issued_on=D(2023, 5, 2), expires_on=D(2025, 5, 2))
    assert run(D(2025, 2, 1)).notifications == 0
    assert run(D(2025, 3, 10)).notifications == 1
    assert run(D(2025, 3, 11)).notifications == 0
    note = db.session.scalar(select(Notification).where(Notification.kind == "certificate_renewal"))
    assert "02/05/2025" in note.body


def queue(province, key="thu-1") -> OutboxMessage:
    batch = operations.Batch()
    batch.mail(key, "anh@example.vn", "test", "Thư thử", "Nội dung", province["cadre_a"].id, province["biz"].id)
    batch.write(dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc))
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))


def test_outbox_retries_with_exponential_backoff(app, province):
    message = queue(province)
    backend = FakeBackend(failures=2)
    t0 = dt.datetime(2025, 3, 1, 1, tzinfo=dt.timezone.utc)
    assert mail.deliver_due(t0, backend).retrying == 1
    assert message.next_attempt_at == t0 + dt.timedelta(seconds=300)
    assert mail.deliver_due(t0 + dt.timedelta(seconds=299), backend).retrying == 0  # not yet
    mail.deliver_due(t0 + dt.timedelta(seconds=300), backend)
    assert message.attempts == 2 and message.next_attempt_at == t0 + dt.timedelta(seconds=300 + 600)
    result = mail.deliver_due(t0 + dt.timedelta(seconds=900), backend)
    assert result.sent == 1
    assert (message.status, message.attempts, backend.calls) == (OUTBOX_SENT, 3, 3)
    assert backend.sent[0]["To"] == "anh@example.vn"
    assert mail.deliver_due(t0 + dt.timedelta(days=3), backend).sent == 0  # never again


def test_outbox_gives_up_after_max_attempts_and_lists_the_failure(app, client, auth, province):
    message = queue(province)
    backend = FakeBackend(failures=None)
    moment = dt.datetime(2025, 3, 1, 1, tzinfo=dt.timezone.utc)
    for _ in range(10):
        mail.deliver_due(moment, backend)
        moment += dt.timedelta(days=1)
    assert (message.status, message.attempts) == (OUTBOX_FAILED, queries.CONFIG_DEFAULTS["MAIL_MAX_ATTEMPTS"])
    assert "ConnectionRefusedError" in message.last_error
    assert queries.failed_messages(province["users"]["admin"]) == [message]
    assert queries.failed_messages(province["users"]["union"]) == [message]
    assert queries.failed_messages(province["users"]["other_union"]) == []
    db.session.flush()

    auth.login("union")
    page = html_text(client.get("/plans/outbox"))  # what to do, in Vietnamese; the exception for the federation
    assert "Không kết nối được máy chủ thư" in page and "Chi tiết kỹ thuật" not in page
    auth.logout()
    auth.login("admin")
    page = html_text(client.get("/plans/outbox"))
    assert "Không kết nối được máy chủ thư" in page and "Chi tiết kỹ thuật" in page and "ConnectionRefusedError" in page
    auth.logout()
    auth.login("union2")
    assert "anh@example.vn" not in client.get("/plans/outbox").get_data(as_text=True)
    assert client.post(f"/plans/outbox/{message.id}/resend").status_code == 403
    auth.logout()
    auth.login("union")
    assert "anh@example.vn" in client.get("/plans/outbox").get_data(as_text=True)
    assert client.post(f"/plans/outbox/{message.id}/resend").status_code == 302
    db.session.refresh(message)
    assert (message.status, message.attempts) == (OUTBOX_PENDING, 0)


def test_web_requests_only_write_rows(app, province, assigned):
    """Creating assignments and reminders writes rows; nothing is delivered until the command runs."""
    run(D(2025, 3, 3))
    assert count(OutboxMessage, status=OUTBOX_PENDING) == 1


def test_file_and_default_backends(ctx, app, monkeypatch):
    monkeypatch.delitem(app.config, "MAIL_BACKEND", raising=False)
    monkeypatch.delitem(app.config, "MAIL_SERVER", raising=False)
    assert isinstance(mail.get_backend(), mail.FileBackend)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.vn")
    assert isinstance(mail.get_backend(), mail.SMTPBackend)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "log")
    assert isinstance(mail.get_backend(), mail.LogBackend)


@pytest.mark.parametrize("error, kind", [
    ("SMTPRecipientsRefused: {'x@y.vn': (550, b'5.1.1 User unknown')}", "recipient"),
    ("SMTPSenderRefused: (553, b'sender rejected', 'lms@ldld.vn')", "sender"),
    ("SMTPAuthenticationError: (535, b'5.7.8 Authentication failed')", "login"),
    ("ConnectionRefusedError: [Errno 111] Connection refused", "connection"),
    ("gaierror: [Errno -2] Name or service not known", "connection"),
    ("TimeoutError: timed out", "connection"),
    ("SMTPDataError: (554, b'rejected')", "other"),
    ("", "other"),
])
def test_delivery_errors_are_explained_by_kind(error, kind):
    assert mail.error_kind(error) == kind
