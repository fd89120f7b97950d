"""The header counts a login's unread notifications (reminders written by ``lms reminders send`` were
otherwise seen only by those who opened "Thông báo"), within the statement that loads the login."""
from __future__ import annotations

import re

from lms.core.db import db
from lms.plans.models import Notification
from tests.conftest import page_statements


def _notify(user, n: int, read: bool = False) -> None:
    from lms.core.db import utcnow

    for i in range(n):
        db.session.add(Notification(user_id=user.id, kind="reminder", title=f"Nhắc học bài {i}", body="",
                                    dedupe_key=f"badge-{user.id}-{i}-{read}", read_at=utcnow() if read else None))
    db.session.flush()


def _badge(html: str) -> str | None:
    found = re.search(r'<span class="badge"[^>]*>([^<]*)<span class="skip"> chưa đọc</span></span>', html)
    return found.group(1) if found else None


def test_the_header_counts_unread_notifications_until_they_are_read(client, auth, province):
    cadre = province["users"]["cadre"]
    _notify(cadre, 2, read=True)
    auth.login("cadre")
    assert _badge(client.get("/").get_data(as_text=True)) is None
    _notify(cadre, 3)
    page = client.get("/learn/").get_data(as_text=True)
    assert _badge(page) == "3" and 'title="3 thông báo chưa đọc"' in page
    client.post("/notifications/read")
    assert _badge(client.get("/").get_data(as_text=True)) is None


def test_the_count_is_the_login_own(client, auth, province):
    _notify(province["users"]["cadre2"], 4)
    auth.login("cadre")
    assert _badge(client.get("/").get_data(as_text=True)) is None


def test_the_count_adds_no_statement(client, auth, province):
    auth.login("cadre")
    before = len(page_statements(client, "/notifications"))
    _notify(province["users"]["cadre"], 5)
    statements = page_statements(client, "/notifications")
    assert len(statements) == before
    login = next(s for s in statements if "FROM users" in s)
    assert "FROM notifications" in login and "count(" in login.lower()  # counted in the login's own statement
