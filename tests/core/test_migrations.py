"""The schema comes only from the migrations: they agree with the models, and go down and up again."""
from __future__ import annotations

import os
import secrets

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from lms import create_app
from lms.core.db import db
from tests.conftest import _postgres_database


def _diff(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrations_match_models(app):
    with app.app_context():
        assert _diff(db.engine) == []


def test_upgrade_downgrade_round_trip(tmp_path):
    server = os.environ.get("TEST_DATABASE_URL")
    drop = None
    if server:
        url, drop = _postgres_database(server)
    else:
        url = f"sqlite:///{tmp_path}/roundtrip.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": secrets.token_hex(8), "SQLALCHEMY_DATABASE_URI": url})
    app.instance_path = str(tmp_path)
    try:
        with app.app_context():
            upgrade()
            tables = set(sa.inspect(db.engine).get_table_names())
            assert {"units", "cadres", "memberships", "users", "unit_events"} <= tables
            assert db.session.execute(sa.text("SELECT count(*) FROM tracks")).scalar() == 2
            db.session.remove()
            downgrade(revision="base")
            assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            assert _diff(db.engine) == []
            db.session.remove()
            db.engine.dispose()
    finally:
        if drop:
            drop()
