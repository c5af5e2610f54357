"""Who is writing: the acting user is passed to the history triggers through the PostgreSQL
session setting ``geoportal.actor``, so every write path (ORM, admin, raw SQL on the same
connection, ingest) is attributed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse

ACTOR_SETTING = "geoportal.actor"


def set_actor(name: str, using: str = "default") -> None:
    """Attribute the connection's writes to ``name`` until it is set again (session-wide)."""
    with connections[using].cursor() as cur:
        cur.execute("SELECT set_config(%s, %s, false)", [ACTOR_SETTING, name])


def set_transaction_actor(cursor: Any, name: str) -> None:
    """Attribute the writes of the current transaction only, on any DB-API cursor (Django's or a
    psycopg one): the setting ends with the transaction, committed or rolled back."""
    cursor.execute("SELECT set_config(%s, %s, true)", [ACTOR_SETTING, name])


@contextmanager
def acting_as(user: Any, using: str = "default") -> Iterator[None]:
    """Attribute the writes inside the block to ``user`` (a user object or a user name)."""
    name = user if isinstance(user, str) else (user.get_username() if user else "")
    set_actor(name, using)
    try:
        yield
    finally:
        set_actor("", using)


class HistoryActorMiddleware:
    """Sets the actor for the request's writes when the user is signed in; anonymous requests
    cost no query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        with acting_as(user):
            return self.get_response(request)
