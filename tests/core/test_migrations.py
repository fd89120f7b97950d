"""The schema comes only from the migrations: they agree with the models, and go down and up again."""
from __future__ import annotations

import os
import secrets
from contextlib import contextmanager

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


@contextmanager
def _empty_database(tmp_path, name: str):
    """An app on a new, empty database (PostgreSQL when TEST_DATABASE_URL is set), dropped afterwards."""
    server = os.environ.get("TEST_DATABASE_URL")
    drop = None
    if server:
        url, drop = _postgres_database(server)
    else:
        url = f"sqlite:///{tmp_path}/{name}.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": secrets.token_hex(8), "SQLALCHEMY_DATABASE_URI": url})
    app.instance_path = str(tmp_path)
    try:
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if drop:
            drop()


def test_upgrade_downgrade_round_trip(tmp_path):
    with _empty_database(tmp_path, "roundtrip"):
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"units", "cadres", "memberships", "users", "unit_events"} <= tables
        assert db.session.execute(sa.text("SELECT count(*) FROM tracks")).scalar() == 2
        db.session.remove()
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert _diff(db.engine) == []


def test_0009_gives_every_cadre_one_open_period_from_its_first_membership(tmp_path):
    """The back-fill of ``cadre_facts``: today's values, from the earliest membership (else the day created)."""
    created = "2024-03-05 10:00:00+00:00"
    with _empty_database(tmp_path, "backfill"):
        upgrade(revision="0008_report_snapshots")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO units (id, code, name, search_key, level_id, path, active_from, created_at) "
                "VALUES (1, 'U1', 'Công đoàn', 'cong doan', 1, '/1/', '2010-01-01', :created)"), {"created": created})
            for cadre_id, employment, education, political in ((1, "full_time", 4, 2), (2, "part_time", None, None)):
                conn.execute(sa.text(
                    "INSERT INTO cadres (id, code, full_name, sort_key, search_key, gender, employment, "
                    "education_level_id, political_level_id, unit_id, email, phone, term, created_at, updated_at) "
                    "VALUES (:id, :code, 'Nguyễn Văn A', 'a', 'nguyen van a', 'male', :employment, :education, "
                    ":political, 1, '', '', '', :created, :created)"),
                    {"id": cadre_id, "code": f"CB{cadre_id}", "employment": employment, "education": education,
                     "political": political, "created": created})
            conn.execute(sa.text(
                "INSERT INTO memberships (cadre_id, unit_id, start_on, end_on, reason) VALUES "
                "(1, 1, '2012-04-01', '2015-01-01', 'join'), (1, 1, '2015-01-01', NULL, 'transfer')"))
        db.session.remove()
        upgrade()
        rows = db.session.execute(sa.text(
            "SELECT cadre_id, start_on, end_on, employment, education_level_id, political_level_id "
            "FROM cadre_facts ORDER BY cadre_id")).all()
        assert [(r[0], str(r[1]), r[2], r[3], r[4], r[5]) for r in rows] == [
            (1, "2012-04-01", None, "full_time", 4, 2),
            (2, "2024-03-05", None, "part_time", None, None),
        ]
