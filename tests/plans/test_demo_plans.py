"""The demo's "plans" step: most part-time business cadres are overdue; `cadre` has one overdue and
one due-soon assignment on the home page."""
from __future__ import annotations

import pytest

from lms.core.db import db
from lms.plans import queries
from lms.plans.models import Assignment
from tests.conftest import html_text
from tests.conftest import fresh_app as _fresh_app
from tests.test_demo import PASSWORD, _demo, _login, _user


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    with _fresh_app(tmp_path_factory.mktemp("plans-demo")) as app:
        _demo(app, "--yes", "--password", PASSWORD)
        yield app


def test_demo_has_overdue_due_soon_and_relative_assignments(demo_app):
    with demo_app.app_context():
        assignments = db.session.scalars(db.select(Assignment).order_by(Assignment.id)).all()
        charter = queries.assignment_report(assignments[0]).counts()
        assert charter[queries.OVERDUE] > 0.9 * sum(charter.values())
        assert charter[queries.EXEMPT] == 3
        assert any(a.due_days == 60 for a in assignments)
        assert any(a.due_on and a.due_on > queries.today() for a in assignments)
        block = queries.home_block(_user("cadre").cadre)
        assert len(block["overdue"]) == 1 and len(block["due_soon"]) == 1
    client = demo_app.test_client()
    _login(client, "cadre")
    page = html_text(client.get("/"))
    assert "Quá hạn" in page and "Sắp đến hạn" in page
