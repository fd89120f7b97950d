"""``lms reminders send``: compute the reminders due today and deliver the outbox. Meant for cron:

    */15 * * * * cd /srv/lms && .venv/bin/lms reminders send

Running it twice sends nothing twice (every reminder has a dedupe key); a message that fails is
retried with exponential back-off and, after ``MAIL_MAX_ATTEMPTS``, listed for admins to resend.
"""
from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from lms.core.db import db


@click.group("reminders")
def reminders_group() -> None:
    """Nhắc hạn học tập và gửi thư."""


@reminders_group.command("send")
@click.option("--today", "day", type=click.DateTime(formats=["%Y-%m-%d"]), help="Tính nhắc hạn như thể hôm nay là ngày này.")
@click.option("--no-compute", is_flag=True, help="Chỉ gửi thư đang chờ, không tính nhắc hạn mới.")
@click.option("--no-deliver", is_flag=True, help="Chỉ tính nhắc hạn, không gửi thư.")
@with_appcontext
def send_command(day: dt.datetime | None, no_compute: bool, no_deliver: bool) -> None:
    """Tính các nhắc hạn đến hạn hôm nay (không trùng lặp), rồi gửi hộp thư đi."""
    from lms.plans import mail, operations

    if not no_compute:
        try:
            result = operations.compute_reminders(day.date() if day else None)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        click.echo(f"Nhắc hạn: {result.notifications} thông báo, {result.mails} thư mới.")
    if not no_deliver:
        delivered = mail.deliver_due(after_each=db.session.commit)
        db.session.commit()
        click.echo(f"Gửi thư: {delivered.sent} đã gửi, {delivered.retrying} sẽ thử lại, {delivered.failed} thất bại.")
