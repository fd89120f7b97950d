"""Per-process caches of rarely changing data, kept right across worker processes by stamps in the database.

A *stamp* is a row of ``cache_stamps``. The flush that writes a model a stamp watches (see :func:`watch`) gives
the stamp a new random token in the same transaction, so the token changes exactly when the watched data does,
and only once the change commits does any other transaction see it. A :class:`StampedCache` remembers the
tokens its values were built under; each request reads every token in one small statement (once per
transaction, shared by all caches) and a cache built under other tokens starts again.

Tokens are random, never counters: a token written by a transaction that rolled back (or read from another
database, as tests do) never comes back, so a value built under it can never be served again.

Cached values are immutable plain data (frozen dataclasses, tuples), never ORM instances: those belong to the
session that loaded them.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import String, event, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import Session, db

_MEMO = "lms.cache.tokens"


class CacheStamp(db.Model):
    """The current token of one stamp (a row per stamp, seeded by the migrations)."""

    __tablename__ = "cache_stamps"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


_watched: dict[type, set[str]] = {}
_caches: list[StampedCache] = []
# Bumped whenever this process writes a stamp: tokens remembered by any session are then read again.
_generation = 0


def new_token() -> str:
    return uuid.uuid4().hex


def watch(stamp: str, *models: type) -> None:
    """Give ``stamp`` a new token whenever a flush inserts, changes or deletes an instance of ``models``.

    A change of a relationship collection (a plan's units, an assignment's courses) marks its parent as
    changed, so watching the parent covers the association table. Bulk statements (``update(Model)``)
    bypass flushes: an operation that uses one on watched data calls :func:`bump` itself.
    """
    for model in models:
        _watched.setdefault(model, set()).add(stamp)


def bump(*names: str, session=None) -> None:
    """New tokens for the named stamps, in the session's current transaction."""
    global _generation
    session = session if session is not None else db.session
    connection = session.connection()
    table = CacheStamp.__table__
    for name in sorted(set(names)):
        token = new_token()
        if not connection.execute(update(table).where(table.c.name == name).values(token=token)).rowcount:
            connection.execute(insert(table).values(name=name, token=token))
    _generation += 1
    session.info.pop(_MEMO, None)


@event.listens_for(Session, "after_flush")
def _bump_watched(session, flush_context) -> None:
    if not _watched:
        return
    names: set[str] = set()
    for collection in (session.new, session.dirty, session.deleted):
        for instance in collection:
            for cls in type(instance).__mro__:
                names |= _watched.get(cls, set())
    if names:
        bump(*names, session=session)


@event.listens_for(Session, "after_transaction_end")
def _forget_tokens(session, transaction) -> None:
    """A new transaction may see other processes' writes: read the tokens again."""
    session.info.pop(_MEMO, None)


def tokens(names: tuple[str, ...]) -> tuple[str, ...] | None:
    """The current tokens of ``names`` (one statement per transaction for all stamps); None if one is missing."""
    session = db.session
    memo = session.info.get(_MEMO)
    if memo is None or memo[0] != _generation:
        rows = session.execute(select(CacheStamp.name, CacheStamp.token)).all()
        memo = (_generation, dict(rows))
        session.info[_MEMO] = memo
    values = tuple(memo[1].get(name) for name in names)
    return None if None in values else values


class StampedCache:
    """Values keyed by anything hashable, valid while the given stamps keep their tokens (one per process)."""

    def __init__(self, *stamps: str):
        self.stamps = stamps
        self._tokens: tuple[str, ...] | None = None
        self._values: dict[Hashable, Any] = {}
        _caches.append(self)

    def get(self, key: Hashable, load: Callable[[], Any], keep: Callable[[Any], bool] | None = None) -> Any:
        """The cached value for ``key``, else ``load()`` (kept unless ``keep`` says no)."""
        current = tokens(self.stamps)
        if current is None:  # a database without the stamp rows: never cache
            return load()
        if current != self._tokens:
            self._values, self._tokens = {}, current
        values = self._values
        try:
            return values[key]
        except KeyError:
            pass
        generation = _generation
        value = load()
        # Loading flushed a pending change of the watched data: the value belongs to the new tokens.
        if generation == _generation and (keep is None or keep(value)):
            values[key] = value
        return value

    def clear(self) -> None:
        self._tokens, self._values = None, {}


def clear_all() -> None:
    """Empty every cache of this process (the tests call this before each test)."""
    global _generation
    _generation += 1
    for cache in _caches:
        cache.clear()
