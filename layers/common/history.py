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
# The statement-level triggers layers_track() attaches to a table, one per kind of write.
HISTORY_TRIGGERS = ("layers_history_insert", "layers_history_update", "layers_history_delete")


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
    """For a bulk load not worth recording: inside one transaction, the history triggers are
    disabled on those of ``tables`` that carry them (the version counters still move) and enabled
    again when the block ends. Yields the tables paused. If the block raises, the transaction's
    rollback undoes the disabling too. Deferred constraint checks must have run before the block
    ends (PostgreSQL refuses ALTER TABLE with pending trigger events)."""
    cursor.execute(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname = ANY(%s) AND c.relname = ANY(%s)",
        [list(HISTORY_TRIGGERS), list(tables)],
    )
    found = {row[0] for row in cursor.fetchall()}
    paused = [table for table in tables if table in found]
    _set_history_triggers(cursor, paused, "DISABLE")
    yield paused
    _set_history_triggers(cursor, paused, "ENABLE")


def _set_history_triggers(cursor: Any, tables: Sequence[str], action: str) -> None:
    for table in tables:
        for trigger in HISTORY_TRIGGERS:
            cursor.execute(
                sql.SQL("ALTER TABLE {} {} TRIGGER {}").format(
                    sql.Identifier(table), sql.SQL(action), sql.Identifier(trigger)
                )
            )
