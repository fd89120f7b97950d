"""Settings a federation admin edits in the browser (issuing unit, place name, signer, seal, public URL,
the reports' default term):
dated data kept in the database, not code. Defaults apply until someone saves a value."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import UTCDateTime, db, utcnow

DEFAULTS: dict[str, object] = {
    "issuer_parent": "TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM",
    "issuer_name": "LIÊN ĐOÀN LAO ĐỘNG TỈNH THÁI NGUYÊN",
    "issuer_short": "LĐLĐ",
    "place": "Thái Nguyên",
    "signer_on_behalf": "TM. BAN THƯỜNG VỤ",
    "signer_title": "CHỦ TỊCH",
    "signer_name": "",
    "signature_blob_id": None,
    "seal_blob_id": None,
    "serial_pattern": "{number}/GCN-{issuer_short}-{year}",
    "public_base_url": "http://127.0.0.1:5000",
    "renewal_reminder_days": 60,
    # The reports' default period, the union's current term (nhiệm kỳ), as ISO dates: a dated fact each
    # federation sets (lms.reports.views.term); unset, the reports open on the calendar year.
    "term_start": None,
    "term_end": None,
}


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


def get_settings() -> dict[str, object]:
    """Every setting, stored values over defaults (one query)."""
    values = dict(DEFAULTS)
    for row in db.session.scalars(select(Setting)):
        values[row.key] = json.loads(row.value)
    return values


def save_settings(changes: dict[str, object], actor_id: int | None = None) -> None:
    for key, value in changes.items():
        if key not in DEFAULTS:
            raise KeyError(key)
        row = db.session.get(Setting, key)
        if row is None:
            row = Setting(key=key, value=json.dumps(value, ensure_ascii=False), updated_by_id=actor_id)
            db.session.add(row)
        else:
            row.value = json.dumps(value, ensure_ascii=False)
            row.updated_by_id = actor_id
    db.session.flush()
