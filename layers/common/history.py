"""Who is writing: the acting user is passed to the history triggers through the PostgreSQL
session setting ``geoportal.actor``, so every write path (ORM, admin, raw SQL on the same
connection, ingest) is attributed."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse
from psycopg import sql

from layers.common.users import AnyUser

ACTOR_SETTING = "geoportal.actor"
HISTORY_TRIGGER = "layers_history"  # the row-level trigger layers_track() attaches to a table


def set_actor(name: str, using: str = "default") -> None:
    """Attribute the connection's writes to ``name`` until it is set again (session-wide)."""
    with connections[using].cursor() as cur:
        cur.execute("SELECT set_config(%s, %s, false)", [ACTOR_SETTING, name])


def set_transaction_actor(cursor: Any, name: str) -> None:
    """Attribute the writes of the current transaction only, on any DB-API cursor (Django's or a
    psycopg one): the setting ends with the transaction, committed or rolled back."""
    cursor.execute("SELECT set_config(%s, %s, true)", [ACTOR_SETTING, name])


@contextmanager
def acting_as(user: AnyUser | str, using: str = "default") -> Iterator[None]:
    """Attribute the writes inside the block to ``user`` (a user object or a user name)."""
    name = user if isinstance(user, str) else (user.get_username() if user else "")
    set_actor(name, using)
    try:
        yield
    finally:
        set_actor("", using)


class HistoryActorMiddleware:
    """Sets the actor for the request's writes when the user is signed in. Anonymous requests and
    safe methods (GET, HEAD, OPTIONS: tiles, pages, API reads, which do not write) cost no query."""

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in self.SAFE_METHODS:
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        with acting_as(user):
            return self.get_response(request)


@contextmanager
def history_paused(cursor: Any, tables: Sequence[str]) -> Iterator[list[str]]:
    """For a bulk load not worth recording row by row: inside one transaction, the row-level history
    trigger is disabled on those of ``tables`` that carry it (the version counters still move) and
    enabled again when the block ends. Yields the tables paused. If the block raises, the
    transaction's rollback undoes the disabling too. Deferred constraint checks must have run
    before the block ends (PostgreSQL refuses ALTER TABLE with pending trigger events)."""
    cursor.execute(
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname = %s AND c.relname = ANY(%s)",
        [HISTORY_TRIGGER, list(tables)],
    )
    found = {row[0] for row in cursor.fetchall()}
    paused = [table for table in tables if table in found]
    statement = "ALTER TABLE {} {} TRIGGER {}"
    for table in paused:
        cursor.execute(
            sql.SQL(statement).format(
                sql.Identifier(table), sql.SQL("DISABLE"), sql.Identifier(HISTORY_TRIGGER)
            )
        )
    yield paused
    for table in paused:
        cursor.execute(
            sql.SQL(statement).format(
                sql.Identifier(table), sql.SQL("ENABLE"), sql.Identifier(HISTORY_TRIGGER)
            )
        )
