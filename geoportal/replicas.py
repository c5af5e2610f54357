"""Reads on hot standbys (PostgreSQL streaming replicas), writes on the primary.

Which database a request reads from is decided once, when its view is known, and kept in a
context variable until the response is closed:

- a view marked with :func:`replica_reads` (OGC items, vector tiles, search, open data, note
  previews) reads from a replica, for the methods it names;
- everything else reads from the primary: writes, issuing a note, the rate-limit counter,
  sessions, and every read of a signed-in user or of a client sending credentials (the planners
  see their own edits at once);
- **read-your-writes**: a request that wrote (a method other than GET, HEAD, OPTIONS answered
  below 400) gets a signed cookie with the primary's WAL position after it; for
  ``REPLICAS["READ_YOUR_WRITES_S"]`` seconds that client's reads go to a replica only once it
  has replayed that position, to the primary before;
- **fallback**: a replica that does not answer, is not a standby, or lags more than
  ``REPLICAS["MAX_LAG_S"]`` is passed over, and the primary answers, without an error to the
  user. Its health is probed at most every ``REPLICAS["PROBE_S"]`` seconds in each process. A
  read that failed on a replica (a server error, not a streamed answer already begun) is
  answered again from the primary.

The ORM follows through :class:`ReplicaRouter` (reads of the layer apps' models only); raw SQL
reads take :func:`read_connection`. The lean tile path (``tiles/lean.py``) uses
:func:`choose_replica` with the same cookie.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, TypedDict, TypeVar, cast

from django.conf import settings
from django.core import signing
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

WRITE_COOKIE = "geoportal_wrote"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SALT = "geoportal.replicas.read-your-writes"

# The alias reads of the current request go to; the primary outside a routed request.
_READ_ALIAS: contextvars.ContextVar[str] = contextvars.ContextVar(
    "geoportal_read_alias", default=DEFAULT_DB_ALIAS
)

# A standby's state: whether it is one, the WAL position it has received and replayed, and the
# age of the last transaction it replayed.
PROBE_SQL = """
SELECT pg_is_in_recovery(),
       pg_last_wal_replay_lsn()::text,
       pg_last_wal_receive_lsn()::text,
       COALESCE(EXTRACT(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)::float8
"""


class ReplicaSettings(TypedDict):
    """The shape of ``settings.REPLICAS`` (defaults.py, and computed.py from the environment)."""

    MAX_LAG_S: float  # a replica further behind is passed over
    PROBE_S: float  # a replica's health is asked at most this often by each process
    CONNECT_TIMEOUT_S: int
    READ_YOUR_WRITES_S: float  # after a write, the writer's reads follow it for this long
    ALIASES: list[str]  # the Django aliases reads may go to


def replica_settings() -> ReplicaSettings:
    """Read at each call, so that ``override_settings`` applies."""
    return cast(ReplicaSettings, settings.REPLICAS)


@cache
def _replica_apps() -> frozenset[str]:
    """The app labels whose reads may go to a replica: the layers' apps (and ``common``, their
    versions and history). Notes, sessions, users, the queue and the rate limit stay primary."""
    from layers.common.registry import layers

    return frozenset({"common"} | {layer.model._meta.app_label for layer in layers()})


def replica_aliases() -> list[str]:
    """The Django database aliases reads may go to (``REPLICAS["ALIASES"]``: ``replica_1``,
    ``replica_2``..., one for each of ``GEOPORTAL_READ_REPLICAS``)."""
    return list(replica_settings()["ALIASES"])


def parse_lsn(text: str) -> int:
    """A WAL position ``'16/B374D848'`` as a number, for comparing."""
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


# -- health ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Health:
    alias: str
    up: bool
    standby: bool = False
    replay_lsn: int = 0
    lag_s: float = 0.0
    error: str = ""
    checked_at: float = 0.0

    def usable(self, min_lsn: int | None = None) -> bool:
        if not (self.up and self.standby):
            return False
        if self.lag_s > float(replica_settings()["MAX_LAG_S"]):
            return False
        return min_lsn is None or self.replay_lsn >= min_lsn

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": "ok" if self.usable() else ("lagging" if self.up else "unreachable"),
            "standby": self.standby,
        }
        if self.up:
            out["replay_lag_s"] = round(self.lag_s, 3)
        if self.error:
            out["detail"] = self.error
        return out


_HEALTH: dict[str, Health] = {}  # a per-process cache of a probe's answer, not shared state
_HEALTH_LOCK = threading.Lock()


def _primary_lsn() -> int | None:
    """The primary's flushed WAL position (what a standby can have received), or None when the
    primary does not answer."""
    conn = connections[DEFAULT_DB_ALIAS]
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_current_wal_flush_lsn()::text")
            return parse_lsn(cur.fetchone()[0])
    except DatabaseError:
        if not conn.in_atomic_block:
            with contextlib.suppress(DatabaseError):
                conn.close()
        return None


def replay_lag(replay: int, receive: int | None, primary: int | None, last_xact_s: float) -> float:
    """How far behind a standby is, in seconds: none once it has replayed all the primary had
    flushed when asked (an idle primary sends nothing, which is no lag), else the age of the last
    transaction it replayed. Without the primary's position, none when it has replayed all it
    received. (The received position alone will not do: after a restart it stands at the start
    of the page streaming resumed from, past the last record replayed.)"""
    if primary is not None:
        return 0.0 if replay >= primary else last_xact_s
    return 0.0 if receive is None or receive <= replay else last_xact_s


def _probe(alias: str) -> Health:
    """Ask the replica ``alias`` on its Django connection (a failure closes that connection),
    after the primary's position on its own."""
    now = time.monotonic()
    primary = _primary_lsn()
    conn: BaseDatabaseWrapper = connections[alias]
    try:
        with conn.cursor() as cur:
            cur.execute(PROBE_SQL)
            standby, replay, receive, last_xact_s = cur.fetchone()
    except DatabaseError as exc:
        with contextlib.suppress(DatabaseError):
            conn.close()
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Health(alias, up=False, error=detail, checked_at=now)
    replayed = parse_lsn(replay) if replay else 0
    received = parse_lsn(receive) if receive else None
    return Health(
        alias,
        up=True,
        standby=bool(standby),
        replay_lsn=replayed,
        lag_s=replay_lag(replayed, received, primary, float(last_xact_s or 0)),
        checked_at=now,
    )


def health(alias: str, *, fresh: bool = False) -> Health:
    """The replica's health, probed again when older than ``PROBE_S`` (or ``fresh``)."""
    known = _HEALTH.get(alias)
    max_age = float(replica_settings()["PROBE_S"])
    if not fresh and known is not None and time.monotonic() - known.checked_at < max_age:
        return known
    found = _probe(alias)
    with _HEALTH_LOCK:
        _HEALTH[alias] = found
    return found


def mark_down(alias: str, error: str) -> None:
    """A read failed on ``alias``: pass it over until the next probe."""
    with _HEALTH_LOCK:
        _HEALTH[alias] = Health(alias, up=False, error=error, checked_at=time.monotonic())


def forget_health() -> None:
    """Drop every cached probe (tests)."""
    with _HEALTH_LOCK:
        _HEALTH.clear()


def choose_replica(min_lsn: int | None = None) -> str:
    """A usable replica's alias (one at random when several are), or the primary's. With
    ``min_lsn`` (the client's last write), only a replica that has replayed it; a cached probe
    that is behind is asked once more, since it may be up to ``PROBE_S`` old."""
    usable = []
    for alias in replica_aliases():
        state = health(alias)
        if not state.usable(min_lsn) and state.usable() and min_lsn is not None:
            state = health(alias, fresh=True)
        if state.usable(min_lsn):
            usable.append(alias)
    return random.choice(usable) if usable else DEFAULT_DB_ALIAS


# -- read-your-writes -----------------------------------------------------------------------------
def written_lsn(cookies: Mapping[str, str]) -> int | None:
    """The WAL position of the client's last write while its window lasts; None otherwise."""
    raw = cookies.get(WRITE_COOKIE)
    if not raw:
        return None
    window = dt.timedelta(seconds=float(replica_settings()["READ_YOUR_WRITES_S"]))
    try:
        return parse_lsn(signing.TimestampSigner(salt=_SALT).unsign(raw, max_age=window))
    except (signing.BadSignature, ValueError):
        return None


def remember_write(response: HttpResponseBase) -> None:
    """Give the client who just wrote the primary's WAL position, signed and kept for the
    read-your-writes window. Skipped when the primary cannot say (the write is not lost: the
    client's reads then follow the usual rule)."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cur:
            cur.execute("SELECT pg_current_wal_lsn()::text")
            lsn = cur.fetchone()[0]
    except DatabaseError:
        return
    window = round(float(replica_settings()["READ_YOUR_WRITES_S"]))
    response.set_cookie(
        WRITE_COOKIE,
        signing.TimestampSigner(salt=_SALT).sign(lsn),
        max_age=window,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def sends_credentials(cookies: Mapping[str, str], meta: Mapping[str, Any]) -> bool:
    """Whether a request may be a planner's: a session or an ``Authorization`` header. The lean
    tile path asks this without loading the session; Django's views ask the session itself."""
    return bool(cookies.get(settings.SESSION_COOKIE_NAME) or meta.get("HTTP_AUTHORIZATION"))


# -- what Django reads from -----------------------------------------------------------------------
def current_read_alias() -> str:
    return _READ_ALIAS.get()


def read_connection() -> BaseDatabaseWrapper:
    """The connection raw SQL reads use: the request's replica, or the primary."""
    return connections[_READ_ALIAS.get()]


def reset_read_alias(**_: Any) -> None:
    """Back to the primary (connected to ``request_finished``: a streamed answer has been read
    whole by then)."""
    _READ_ALIAS.set(DEFAULT_DB_ALIAS)


class ReplicaRouter:
    """``DATABASE_ROUTERS``: the layer apps' reads go where the request reads; writes and
    migrations to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        alias = _READ_ALIAS.get()
        if alias != DEFAULT_DB_ALIAS and model._meta.app_label in _replica_apps():
            return alias
        return None

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the same data on every server

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


V = TypeVar("V", bound=Callable[..., Any])


def replica_reads(*methods: str) -> Callable[[V], V]:
    """Mark a view whose answers to ``methods`` (GET and HEAD by default) only read, and may be
    read from a replica."""
    allowed = frozenset(methods or ("GET", "HEAD"))

    def mark(view: V) -> V:
        view.replica_reads = allowed  # type: ignore[attr-defined]
        return view

    return mark


class ReadRoutingMiddleware:
    """Chooses the database of a marked view's reads, answers again from the primary when a
    replica failed, and sets the read-your-writes cookie after a write. After
    ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        _READ_ALIAS.set(DEFAULT_DB_ALIAS)
        response = self.get_response(request)
        alias = getattr(request, "read_alias", DEFAULT_DB_ALIAS)
        if alias != DEFAULT_DB_ALIAS and response.status_code >= 500 and not response.streaming:
            # The read failed on the replica: it went away (then it is passed over until the next
            # probe), or a query there was cancelled by the replay of the primary's changes. The
            # same read-only view answers again from the primary.
            if not health(alias, fresh=True).usable():
                mark_down(alias, f"a read failed with status {response.status_code}")
            _READ_ALIAS.set(DEFAULT_DB_ALIAS)
            request.read_alias = DEFAULT_DB_ALIAS  # type: ignore[attr-defined]
            request.replica_retry = True  # type: ignore[attr-defined]
            response = self.get_response(request)
        if (
            request.method not in SAFE_METHODS
            and alias == DEFAULT_DB_ALIAS
            and not getattr(request, "read_only_view", False)
            and response.status_code < 400
        ):
            remember_write(response)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        methods: frozenset[str] = getattr(view_func, "replica_reads", frozenset())
        if request.method not in methods:
            return None
        request.read_only_view = True  # type: ignore[attr-defined]
        if getattr(request, "replica_retry", False) or not replica_aliases():
            return None
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META:
            return None  # a planner reads what is written, on the primary
        alias = choose_replica(written_lsn(request.COOKIES))
        request.read_alias = alias  # type: ignore[attr-defined]
        _READ_ALIAS.set(alias)
        return None
