"""Test fixtures: schema once per session from the migrations, each test in a rolled-back transaction.

The suite runs on SQLite by default. With ``TEST_DATABASE_URL`` set to a PostgreSQL server URL
(for example ``postgresql://postgres@127.0.0.1:5432/postgres``) it creates its own uniquely named
database there, runs every test against it, and drops only that database at the end.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
import datetime as dt
import itertools
import os
import re
import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade

import lms.models  # noqa: F401  (every model mapped before a test module builds a statement at import)
from lms import create_app
from lms.core.db import db

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
# Apps built by tests without TESTING (configuration tests, the command line) must not freeze the test
# process's objects for good; tests/core/test_config.py checks the freeze itself. Servers the tests
# start inherit this.
os.environ.setdefault("LMS_GC_FREEZE_AT_STARTUP", "false")
PASSWORD = "mat-khau-thu-nghiem"


def _postgres_database(server_url: str):
    """Create a fresh database on the server; return (its URL, a function that drops it)."""
    server = sa.make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"lms_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in a real server: its own app context, ``g`` and session.

    Without this, a request made while a test holds an application context would reuse that context,
    and with it ``g`` (the logged-in user, the CSRF token) of earlier requests by other clients.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        url, drop = _postgres_database(server)
        yield url
        drop()
    else:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-only-" + secrets.token_hex(8),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "lms.test",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast for tests; production uses scrypt
        "REPORT_SNAPSHOT_MIN_SECONDS": None,  # live figures always; tests/reports/test_snapshots.py turns them on
    })
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Per-process caches start empty in every test: the rolled-back data of earlier tests is gone."""
    from lms.core.cache import clear_all

    clear_all()
    yield
    clear_all()


@pytest.fixture()
def db_conn(app):
    """Bind the session to one connection inside a transaction that is rolled back after the test."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        db.session.remove()
        db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield connection
        finally:
            db.session.remove()
            db.session.configure(bind=None)
            if transaction.is_active:
                transaction.rollback()
            connection.close()


@pytest.fixture()
def ctx(app, db_conn):
    """An application context with the per-test transaction."""
    with app.test_request_context():
        yield app


@pytest.fixture()
def client(app, db_conn):
    return app.test_client()


@pytest.fixture()
def runner(app, db_conn):
    return app.test_cli_runner()


@pytest.fixture()
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


class Factory:
    """``create_*`` helpers that go through the real operations."""

    counter = itertools.count(1)

    def __init__(self):
        from lms.cadres.models import TitleType
        from lms.orgs.models import Track, UnitLevel

        self.levels = {lv.code: lv for lv in db.session.scalars(sa.select(UnitLevel))}
        self.tracks = {t.code: t for t in db.session.scalars(sa.select(Track))}
        self.titles = {t.code: t for t in db.session.scalars(sa.select(TitleType))}

    def unit(self, name=None, *, parent=None, level=None, track=None, code=None, active_from=dt.date(2020, 1, 1)):
        from lms.orgs.operations import create_unit

        n = next(self.counter)
        if level is None:
            level = "federation" if parent is None else {"federation": "upper", "upper": "grassroots"}.get(parent.level.code, "member_union")
        return create_unit(
            code=code or f"U{n:05d}", name=name or f"Công đoàn thử nghiệm {n}", level=self.levels[level],
            parent=parent, track=self.tracks[track] if track else None, active_from=active_from,
        )

    def cadre(self, full_name=None, *, unit, gender="female", employment="part_time", titles=(), code=None,
              birth_date=dt.date(1985, 5, 3), start_on=dt.date(2021, 1, 1), **extra):
        from lms.cadres.operations import CadreData, create_cadre

        n = next(self.counter)
        data = CadreData(
            code=code or f"CB{n:06d}", full_name=full_name or f"Nguyễn Thị Thử {n}", gender=gender, unit=unit,
            birth_date=birth_date, employment=employment, titles=[self.titles[t] for t in titles], **extra,
        )
        return create_cadre(data, start_on)

    def user(self, username=None, *, role="cadre", unit=None, cadre=None, password=PASSWORD):
        from lms.accounts.operations import create_user

        n = next(self.counter)
        return create_user(username or f"user{n}", password, role, unit.code if unit else None, cadre.code if cadre else None)


@pytest.fixture()
def make(ctx):
    return Factory()


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, username, password=PASSWORD, **kwargs):
        return self.client.post("/login", data={"username": username, "password": password}, **kwargs)

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture()
def auth(client):
    return AuthActions(client)


@pytest.fixture()
def province(make):
    """A small province: federation → two upper-level unions → grassroots unions of both tracks, with logins."""
    fed = make.unit("Liên đoàn Lao động tỉnh Thử", code="LDLD")
    upper_a = make.unit("Công đoàn Khu công nghiệp", parent=fed, code="KCN")
    upper_b = make.unit("Công đoàn Viên chức tỉnh", parent=fed, code="CDVC")
    biz = make.unit("Công đoàn Công ty May Đức Giang", parent=upper_a, track="business", code="CS-MAY")
    pub = make.unit("Công đoàn Trường THPT Lương Ngọc Quyến", parent=upper_b, track="public", code="CS-TRUONG")
    cadre_a = make.cadre("Nguyễn Thị Ánh", unit=biz, titles=["chu_tich"])
    cadre_b = make.cadre("Trần Văn Đức", unit=pub, gender="male")
    users = {
        "admin": make.user("admin", role="federation_admin"),
        "union": make.user("union", role="union_admin", unit=upper_a),
        "other_union": make.user("union2", role="union_admin", unit=upper_b),
        "trainer": make.user("trainer", role="trainer"),
        "other_trainer": make.user("trainer2", role="trainer"),
        "cadre": make.user("cadre", cadre=cadre_a),
        "cadre2": make.user("cadre2", cadre=cadre_b),
    }
    db.session.flush()
    return {"fed": fed, "upper_a": upper_a, "upper_b": upper_b, "biz": biz, "pub": pub,
            "cadre_a": cadre_a, "cadre_b": cadre_b, "users": users}


def page_statements(client, url: str, **kwargs) -> list[str]:
    """The SQL statements a GET of ``url`` runs on the test database (the page must answer 200)."""
    statements: list[str] = []
    engine = db.session.get_bind()

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(url, **kwargs)
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200, (url, response.status_code)
    return statements


def html_text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@contextmanager
def fresh_app(directory: Path, *, postgres: bool | None = None):
    """An app on a new, migrated database (PostgreSQL when TEST_DATABASE_URL is set, unless told otherwise)."""
    server = os.environ.get("TEST_DATABASE_URL")
    use_postgres = bool(server) if postgres is None else postgres
    directory.mkdir(parents=True, exist_ok=True)
    if use_postgres:
        url, drop = _postgres_database(server)
    else:
        url, drop = "sqlite:///" + str(directory / "lms.sqlite3"), None
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test-only-" + secrets.token_hex(8), "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "REPORT_SNAPSHOT_MIN_SECONDS": None,
    })
    app.instance_path = str(directory / "instance")
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
        db.session.remove()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
        if drop is not None:
            drop()


def damaged_zip(files: dict[str, bytes], broken: str, at: float | None = None) -> bytes:
    """A deflated ZIP of ``files`` whose directory is intact but whose entry ``broken`` holds bytes no
    inflater accepts (a reserved deflate block type): reading that entry raises ``zlib.error``. With
    ``at`` (0–1), only 64 bytes from that point of the entry are damaged: its beginning still reads."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    data = bytearray(buffer.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(broken)
    name_length = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_length = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    if at is not None:
        start, length = start + int(info.compress_size * at), 64
    else:
        length = info.compress_size
    data[start:start + length] = b"\xff" * length
    return bytes(data)
