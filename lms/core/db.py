"""The database: declarative base with a naming convention, the Flask-SQLAlchemy handle, shared column types."""
from __future__ import annotations

import datetime as dt
import functools
import select

from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy import DateTime, MetaData, bindparam, event, inspect, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator

from lms.core import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Session(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy's session, but an explicit ``bind`` (a test's outer transaction) wins."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})


def utcnow() -> dt.datetime:
    """Now in UTC, from the platform's one clock (:mod:`lms.core.clock`)."""
    return clock.utcnow()


def write_columns(instance, **values) -> None:
    """Write ``values`` to a loaded row now, with one UPDATE by primary key outside the unit of work.

    For the hot writes of one or two columns (an autosave, a visit, a log-in): the unit of work's
    flush of such a change cost a fifth of an autosave's CPU (1,89 → 1,57 ms in-process). The loaded
    object is told the values as committed ones, so nothing is written twice. An object not yet in
    the database, or with unflushed changes to these columns, is left to the unit of work.
    """
    state = inspect(instance)
    if not state.persistent or any(key in state.committed_state for key in values):
        for key, value in values.items():
            setattr(instance, key, value)
        return
    mapper = state.mapper
    statement = _write_columns_statement(mapper, tuple(sorted(values)))
    parameters = {f"new_{key}": value for key, value in values.items()}
    parameters.update({f"pk_{number}": value for number, value in enumerate(state.identity)})
    db.session.execute(statement, parameters)
    for key, value in values.items():
        set_committed_value(instance, key, value)


@functools.cache
def _write_columns_statement(mapper, keys: tuple[str, ...]):
    """``UPDATE <table> SET <keys> WHERE <primary key>``, built once per table and set of columns."""
    table = mapper.local_table
    where = [column == bindparam(f"pk_{number}", type_=column.type) for number, column in enumerate(mapper.primary_key)]
    columns = {key: mapper.get_property(key).columns[0] for key in keys}
    return (update(table).where(*where)
            .values({column: bindparam(f"new_{key}", type_=column.type) for key, column in columns.items()}))


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, WAL for concurrent readers, and let SQLAlchemy own transactions.

    pysqlite's own implicit transaction handling breaks SAVEPOINT (used by the tests and by
    operations that retry); setting isolation_level=None and emitting BEGIN ourselves is the
    recipe from SQLAlchemy's SQLite documentation.
    """
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _request_may_write() else "BEGIN")


def _request_may_write() -> bool:
    """Whether the current request is a POST (or another unsafe method): its SQLite transaction then
    takes the write lock when it begins.

    SQLite waits for a lock (``busy_timeout``) only when a transaction starts; a deferred transaction
    that has read and then wants to write while another connection holds the write lock fails at once
    with "database is locked". Every POST reads before it writes, so it must wait for the lock first.
    """
    from flask import has_request_context, request

    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")


@event.listens_for(Pool, "checkout")
def _replace_connection_closed_while_idle(dbapi_connection, connection_record, connection_proxy):
    """PostgreSQL: a pooled connection the server ended while it sat idle is replaced before a request uses it.

    A server that ends a session — a restart, ``pg_terminate_backend``, ``idle_session_timeout`` — sends
    an error message and closes the socket. An idle connection has nothing else to read, so a socket that
    is readable or closed at check-out means the connection is gone: raising DisconnectionError makes the
    pool open a new one and check again (``tests/core/test_db.py``, ``tests/faults/test_database_restart.py``).
    One ``poll`` system call, where SQLAlchemy's ``pool_pre_ping`` sends ``SELECT 1`` and waits for the
    answer at every check-out, i.e. every request: 0,18 ms of the worker's CPU and 0,03 ms of the
    server's (benchmarks/README.md, "Checking connections without a round trip"). The rare message a
    healthy idle connection may get (a parameter the server reports after reloading its settings)
    costs a reconnect, nothing more. Another driver (SQLite) is left alone.
    """
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return
    if dbapi_connection.closed or dbapi_connection.broken:
        raise DisconnectionError("the database connection is closed")
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
    if poller.poll(0):
        raise DisconnectionError("the database server closed or wrote to an idle connection")
