"""Delivering the outbox: SMTP in production, ``.eml`` files or the log in development.

Configuration (the usual layers: ``instance/config.py`` or ``LMS_MAIL_SERVER=…`` and so on):

``MAIL_BACKEND``  "smtp", "file" or "log"; unset means "smtp" when ``MAIL_SERVER`` is set, else "file"
``MAIL_SERVER``, ``MAIL_PORT`` (25), ``MAIL_USERNAME``, ``MAIL_PASSWORD``, ``MAIL_USE_TLS`` (STARTTLS),
``MAIL_USE_SSL`` (SMTPS), ``MAIL_FROM``, ``MAIL_TIMEOUT`` (seconds, 30)
``MAIL_MAX_ATTEMPTS``, ``MAIL_RETRY_SECONDS``: retries with exponential back-off (see :mod:`lms.plans.queries`)

The "file" backend writes one ``.eml`` per message under ``instance/mail/``: no extra service.
"""
from __future__ import annotations

import datetime as dt
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Callable, Protocol

from flask import current_app
from sqlalchemy import select

from lms.core.db import db
from lms.plans import queries
from lms.plans.models import OUTBOX_FAILED, OUTBOX_PENDING, OUTBOX_SENT, OutboxMessage

MAX_BACKOFF_SECONDS = 24 * 60 * 60


class MailBackend(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver or raise."""


class SMTPBackend:
    def __init__(self, config):
        self.config = config

    def send(self, message: EmailMessage) -> None:
        c = self.config
        cls = smtplib.SMTP_SSL if c.get("MAIL_USE_SSL") else smtplib.SMTP
        port = int(c.get("MAIL_PORT") or (465 if c.get("MAIL_USE_SSL") else 25))
        with cls(c["MAIL_SERVER"], port, timeout=float(c.get("MAIL_TIMEOUT") or 30)) as smtp:
            if c.get("MAIL_USE_TLS") and not c.get("MAIL_USE_SSL"):
                smtp.starttls()
            if c.get("MAIL_USERNAME"):
                smtp.login(c["MAIL_USERNAME"], c.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)


class FileBackend:
    """Development: each message as an ``.eml`` file (open it in any mail program)."""

    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
        name = f"{stamp}-{message['X-LMS-Outbox-Id'] or 'x'}.eml"
        (self.directory / name).write_bytes(bytes(message))


class LogBackend:
    def send(self, message: EmailMessage) -> None:
        current_app.logger.info("mail to %s: %s\n%s", message["To"], message["Subject"], message.get_content())


def get_backend() -> MailBackend:
    """The configured backend; ``MAIL_BACKEND`` may also be an object with ``send`` (tests)."""
    config = current_app.config
    choice = config.get("MAIL_BACKEND")
    if choice is not None and hasattr(choice, "send"):
        return choice
    name = choice or ("smtp" if config.get("MAIL_SERVER") else "file")
    if name == "smtp":
        return SMTPBackend(config)
    if name == "file":
        return FileBackend(Path(current_app.instance_path) / "mail")
    if name == "log":
        return LogBackend()
    raise RuntimeError(f"unknown MAIL_BACKEND {name!r} (smtp, file or log)")


def build(row: OutboxMessage) -> EmailMessage:
    message = EmailMessage()
    sender = current_app.config.get("MAIL_FROM") or "lms@localhost"
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message["X-LMS-Outbox-Id"] = str(row.id)
    message.set_content(row.body)
    return message


# What a failed delivery means for the person who can act on it, by the exception's type (stored at
# the start of ``last_error``). The technical text stays for the federation's administrators.
_ERROR_KINDS = (
    (("SMTPRecipientsRefused",), "recipient"),
    (("SMTPSenderRefused",), "sender"),
    (("SMTPAuthenticationError", "SMTPNotSupportedError"), "login"),
    (("ConnectionRefusedError", "SMTPConnectError", "SMTPServerDisconnected", "TimeoutError", "timeout",
      "gaierror", "ConnectionResetError", "OSError", "SSLError", "SSLCertVerificationError"), "connection"),
)


def error_kind(last_error: str) -> str:
    """``recipient``, ``sender``, ``login``, ``connection`` or ``other`` for a stored delivery error."""
    name = (last_error or "").split(":", 1)[0].strip()
    return next((kind for names, kind in _ERROR_KINDS if name in names), "other")


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failure: RETRY, 2×RETRY, 4×RETRY…, at most a day."""
    base = int(queries.config("MAIL_RETRY_SECONDS"))
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


@dataclass
class DeliveryResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_due(moment: dt.datetime | None = None, backend: MailBackend | None = None,
                after_each: Callable[[], None] | None = None, limit: int | None = None) -> DeliveryResult:
    """Try every pending message whose time has come. ``after_each`` (the command: commit) runs after
    each message, so that a crash half-way never sends the earlier ones again."""
    moment = moment or queries.now()
    backend = backend or get_backend()
    max_attempts = int(queries.config("MAIL_MAX_ATTEMPTS"))
    limit = limit or int(queries.config("MAIL_BATCH_SIZE"))
    result = DeliveryResult()
    ids = list(db.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.status == OUTBOX_PENDING, OutboxMessage.next_attempt_at <= moment)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)))
    for message_id in ids:
        row = db.session.get(OutboxMessage, message_id)
        row.attempts += 1
        try:
            backend.send(build(row))
        except Exception as exc:  # any failure of any backend is retried, then listed
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if row.attempts >= max_attempts:
                row.status = OUTBOX_FAILED
                result.failed += 1
            else:
                row.next_attempt_at = moment + backoff(row.attempts)
                result.retrying += 1
        else:
            row.status = OUTBOX_SENT
            row.sent_at = moment
            row.last_error = ""
            result.sent += 1
        db.session.flush()
        if after_each is not None:
            after_each()
    return result
