"""External training may not end in the future, and the future starts after Vietnam's today."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from lms.core.db import db
from lms.core.errors import ValidationError
from lms.records import operations
from lms.records.models import RecordEntry
from tests.conftest import html_text
from tests.orgs.conftest import VIETNAM_TODAY
from tests.records.conftest import PDF
from tests.records.test_evidence import _form, _login


def _entries(cadre) -> int:
    return db.session.scalar(select(func.count(RecordEntry.id)).where(RecordEntry.cadre_id == cadre.id))


def test_training_that_ended_today_in_vietnam_is_accepted(client, auth, province, vietnam_evening):
    """At 22:00 UTC on 24/11 it is already 25/11 in Vietnam: a diploma dated 25/11 is not in the future."""
    cadre = province["cadre_a"]
    _login(auth, province, "admin")
    response = client.post(f"/records/{cadre.id}/external", content_type="multipart/form-data",
                           data=_form(PDF, "bang.pdf", start_on="2025-03-01", end_on="2026-11-25"))
    assert response.status_code == 302, html_text(response)
    assert db.session.scalar(select(RecordEntry.end_on).where(RecordEntry.cadre_id == cadre.id)) == VIETNAM_TODAY


def test_training_ending_tomorrow_in_vietnam_is_refused(client, auth, province, vietnam_evening):
    cadre = province["cadre_a"]
    _login(auth, province, "admin")
    response = client.post(f"/records/{cadre.id}/external", content_type="multipart/form-data",
                           data=_form(PDF, "bang.pdf", start_on="2025-03-01", end_on="2026-11-26"))
    page = html_text(response)
    assert response.status_code == 200 and "Ngày kết thúc không được ở tương lai." in page
    assert 'value="2026-11-26"' in page
    assert _entries(cadre) == 0


def test_the_operation_refuses_an_end_in_the_future(province, vietnam_evening):
    """The command line and imports write through the operation, which checks the date itself."""
    cadre = province["cadre_a"]

    def add(end_on):
        return operations.add_external(cadre, operations.ExternalData(
            "political_advanced", "Cao cấp lý luận chính trị", end_on, start_on=dt.date(2025, 3, 1)), None)

    with pytest.raises(ValidationError) as caught:
        add(VIETNAM_TODAY + dt.timedelta(days=1))
    assert caught.value.errors == {"end_on": "Ngày kết thúc không được ở tương lai."}
    assert _entries(cadre) == 0
    assert add(VIETNAM_TODAY).end_on == VIETNAM_TODAY
