"""The lean tile path: ``GET /tiles/<slugs>/<z>/<x>/<y>.mvt`` of public layers answered beside
Django's request cycle (no URL resolving, sessions, CSRF, messages, locale or history
middleware), on connections of its own pool with prepared statements. ``geoportal/wsgi.py`` mounts
it in front of Django.

It answers only what needs no user: every named layer public, the tile inside the grid. Anything
else (an internal layer, an unknown one, a bad address, another method, every other URL) goes to
Django unchanged, so permissions and error bodies stay Django's. The answer itself is
:func:`tiles.vector.answer_vector_tile`, the one the view uses; the headers are the view's and
those Django's security middleware adds (tests/tiles/test_lean.py compares them)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import psycopg
from django.conf import settings
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections
from django.dispatch import receiver
from django.http.cookie import parse_cookie
from psycopg import errors, pq
from psycopg_pool import ConnectionPool, PoolTimeout

from geoportal import replicas
from layers.common.errors import NotFound, UnknownLayer
from layers.common.registry import Layer, get_layer
from layers.common.selectors import NEVER_WRITTEN, Stamp
from tiles import front
from tiles.conf import tile_settings
from tiles.front import read_stamps
from tiles.grid import check_tile
from tiles.vector import TileAnswer, answer_unstored_tile, answer_vector_tile

TILE_PATH = re.compile(
    r"^/tiles/(?P<slugs>[a-z0-9][a-z0-9_-]*(?:,[a-z0-9][a-z0-9_-]*)*)"
    r"/(?P<z>\d{1,2})/(?P<x>\d{1,9})/(?P<y>\d{1,9})\.mvt$"
)
MVT = "application/vnd.mapbox-vector-tile"
REASONS = {200: "200 OK", 204: "204 No Content", 304: "304 Not Modified"}

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def public_layers(slugs: str) -> list[Layer] | None:
    """The layers of ``slugs`` when each is known, public and named once; else None (Django
    answers)."""
    names = slugs.split(",")
    if len(set(names)) != len(names):
        return None
    try:
        found = [get_layer(name) for name in names]
    except UnknownLayer:
        return None
    return found if all(lyr.public for lyr in found) else None


@functools.cache
def security_headers() -> tuple[tuple[str, str], ...]:
    """The headers Django's security and clickjacking middlewares add to every response (kept
    until a setting changes: six settings read a tile otherwise)."""
    out = []
    if getattr(settings, "X_FRAME_OPTIONS", "DENY"):
        out.append(("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY")))
    if getattr(settings, "SECURE_CONTENT_TYPE_NOSNIFF", True):
        out.append(("X-Content-Type-Options", "nosniff"))
    referrer = getattr(settings, "SECURE_REFERRER_POLICY", "same-origin")
    if referrer:
        out.append(
            ("Referrer-Policy", referrer if isinstance(referrer, str) else ",".join(referrer))
        )
    coop = getattr(settings, "SECURE_CROSS_ORIGIN_OPENER_POLICY", "same-origin")
    if coop:
        out.append(("Cross-Origin-Opener-Policy", coop))
    return tuple(out)


@receiver(setting_changed)
def _forget_headers(**kwargs: object) -> None:
    security_headers.cache_clear()


def answer_headers(answer: TileAnswer) -> list[tuple[str, str]]:
    """The public tile headers of tiles/views.py (``_cache_headers``) for ``answer``."""
    max_age = tile_settings()["CACHE_MAX_AGE"]
    headers = [
        ("ETag", f'"{answer.etag}"'),
        ("Cache-Control", f"public, max-age={max_age}" if max_age else "public, no-cache"),
        ("Access-Control-Allow-Origin", "*"),
    ]
    if answer.status == 200:
        headers += [("Content-Type", MVT), ("Content-Length", str(len(answer.content)))]
    return [*headers, *security_headers()]


# -- statements run on libpq directly -----------------------------------------------------------
# psycopg's cursor (its own cache of prepared statements, the adaptation of each parameter, a
# generator per round trip, the loaders of each value) cost a cold roads tile at zoom 18 of the
# ``large`` city 0.13 of the app's 0.43 ms of processor time in-process. A cold tile of one public
# layer (the front's misses, nearly all the tiles the app draws) runs its statement through the
# connection's libpq wrapper (``conn.pgconn``, psycopg's documented way down), prepared once per
# connection under a name drawn from its text, its parameters in text form with their types left
# to the server.

NAMED = re.compile(r"%\((\w+)\)s|%%")
PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# The statements prepared on each libpq connection (kept with it: an id can be reused after a
# connection is gone), by their text; emptied when full, as tiles/mvt.py keeps the texts.
_PREPARED: dict[int, tuple[pq.abc.PGconn, dict[bytes, bytes]]] = {}
CONNECTIONS_KEPT = 64
POOL_FILL_WAIT_S = 5.0  # a pool's first connection; a database still down is waited for per tile


@functools.lru_cache(maxsize=512)
def numbered(statement: str) -> tuple[bytes, tuple[str, ...]]:
    """A statement written with psycopg's named placeholders (``%(name)s``, ``%%``) in libpq's
    numbered form (``$1``), and the names in the order of their numbers."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] is None:
            return "%"
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    return NAMED.sub(number, statement).encode(), tuple(names)


def text_param(value: Any) -> bytes | None:
    """``value`` in PostgreSQL's text form, for a parameter whose type the server infers from its
    place in the statement (psycopg sends a ``str`` the same way)."""
    kind = type(value)  # the usual kinds first, by identity: nine parameters a tile
    if kind is int:
        return b"%d" % value
    if kind is str:
        return cast(str, value).encode()
    if value is None:
        return None
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int | float | str):
        return str(value).encode()
    if isinstance(value, list | tuple):
        return ("{" + ",".join(_array_item(item) for item in value) + "}").encode()
    raise TypeError(f"no text form for a tile parameter of type {type(value).__name__}")


def _array_item(value: Any) -> str:
    if value is None:
        return "NULL"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _checked(conn: psycopg.Connection[Any], result: pq.abc.PGresult) -> pq.abc.PGresult:
    """``result`` when it succeeded; else psycopg's error for it (an ``OperationalError`` when
    the connection is lost, which marks ``conn`` broken as psycopg's own calls do)."""
    if result.status in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
        return result
    if conn.pgconn.status == pq.ConnStatus.BAD:
        message = conn.pgconn.get_error_message(conn.info.encoding)
        raise psycopg.OperationalError(message or "the connection to the database was lost")
    raise errors.error_from_result(result, encoding=conn.info.encoding)


def run_prepared(
    conn: psycopg.Connection[Any], statement: str, params: dict[str, Any]
) -> list[bytes | None] | None:
    """The first row of ``statement`` (named placeholders) run with ``params`` on ``conn``'s libpq
    connection, prepared there at its first run; its values in binary form (None for NULL), or
    None when it has no row."""
    pgconn = conn.pgconn
    kept = _PREPARED.get(id(pgconn))
    if kept is None or kept[0] is not pgconn:
        if len(_PREPARED) >= CONNECTIONS_KEPT:
            _PREPARED.clear()
        kept = _PREPARED[id(pgconn)] = (pgconn, {})
    text, names = numbered(statement)
    name = kept[1].get(text)
    if name is None:
        name = b"casa_tile_" + hashlib.blake2b(text, digest_size=12).hexdigest().encode()
        # Already there when it was prepared on this connection before _PREPARED was emptied.
        with contextlib.suppress(errors.DuplicatePreparedStatement):
            _checked(conn, pgconn.prepare(name, text))
        kept[1][text] = name
    values = [text_param(params[key]) for key in names]
    # None is a NULL: psycopg's libpq wrappers take it, though their protocol's type names bytes.
    result = _checked(conn, pgconn.exec_prepared(name, cast(Any, values), result_format=1))
    if not result.ntuples:
        return None
    return [result.get_value(0, column) for column in range(result.nfields)]


def binary_stamp(version: bytes | None, changed_at: bytes | None) -> Stamp:
    """A version stamp from its two columns in binary form (``bigint``, ``timestamptz``: whole
    microseconds since 2000-01-01 UTC); NULLs for a table never written."""
    if version is None:
        return NEVER_WRITTEN
    micros = None if changed_at is None else int.from_bytes(changed_at, "big", signed=True)
    return Stamp(
        int.from_bytes(version, "big", signed=True),
        None if micros is None else PG_EPOCH + timedelta(microseconds=micros),
    )


class LeanTiles:
    """WSGI middleware: the lean path for public tiles, Django for everything else."""

    def __init__(self, django_app: WSGIApp, behind_front: bool = False) -> None:
        """``behind_front``: every tile asked here is one the front server just looked for in
        its files and did not find (the tile server, :mod:`geoportal.tileserver`), so a tile
        the files lack at the version last seen is drawn without looking for its file again;
        an empty tile, which the front leaves to the app, is still looked up."""
        self.django_app = django_app
        self.behind_front = behind_front
        self._pools: dict[str, ConnectionPool] = {}
        self._lock = threading.Lock()
        # The last version stamp read of each layer, by database alias then slug (:meth:`draw`).
        self._seen: dict[str, dict[str, Stamp]] = {}

    def pool(self, alias: str = DEFAULT_DB_ALIAS) -> ConnectionPool:
        """A pool per process and database (opened at the first tile, after gunicorn's fork),
        from Django's connection settings of ``alias`` (the primary, or a read replica);
        statements are prepared on their first run. Connections are not checked as they are
        taken (a round trip per tile, a quarter of a deep-zoom tile's cost): :meth:`answer`
        draws the tile again on a fresh connection when the one it took turns out broken."""
        with self._lock:
            if alias not in self._pools:
                params = connections[alias].get_connection_params()
                params = {k: v for k, v in params.items() if k not in ("cursor_factory", "context")}
                params["prepare_threshold"] = 0
                params["autocommit"] = True
                pool = self._pools[alias] = ConnectionPool(
                    kwargs=params,
                    min_size=1,
                    max_size=4,
                    open=True,
                    name=f"lean-tiles-{alias}",
                )
                # A first tile that waited for the connection being opened would make the pool
                # grow to two, which then take turns: each worker's statements on two database
                # sessions, whose processor time per tile was a quarter higher.
                with contextlib.suppress(PoolTimeout):
                    pool.wait(timeout=POOL_FILL_WAIT_S)
            return self._pools[alias]

    def close(self) -> None:
        """Close every pool (tests)."""
        with self._lock:
            for pool in self._pools.values():
                pool.close()
            self._pools.clear()

    def read_alias(self, environ: dict[str, Any]) -> str:
        """Where an anonymous tile is read (``geoportal.replicas``): a replica unless the client
        sends credentials (a planner reads the primary) or wrote something its replica has not
        replayed yet."""
        if not replicas.replica_aliases():
            return DEFAULT_DB_ALIAS
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        if replicas.sends_credentials(cookies, environ):
            return DEFAULT_DB_ALIAS
        return replicas.choose_replica(replicas.written_lsn(cookies))

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        match = TILE_PATH.match(environ.get("PATH_INFO", ""))
        if match is None or method not in ("GET", "HEAD"):
            return self.django_app(environ, start_response)
        layers = public_layers(match["slugs"])
        z, x, y = int(match["z"]), int(match["x"]), int(match["y"])
        try:
            check_tile(z, x, y)
        except NotFound:
            layers = None
        if layers is None:
            return self.django_app(environ, start_response)
        if_none_match = environ.get("HTTP_IF_NONE_MATCH", "")
        alias = self.read_alias(environ)
        try:
            answer = self.answer(layers, z, x, y, if_none_match, alias)
        except psycopg.OperationalError as exc:
            if alias == DEFAULT_DB_ALIAS:
                raise
            # The replica went away: this tile and the next ones from the primary.
            replicas.mark_down(alias, str(exc).strip().splitlines()[0] if str(exc) else "")
            answer = self.answer(layers, z, x, y, if_none_match, DEFAULT_DB_ALIAS)
        start_response(REASONS[answer.status], answer_headers(answer))
        return [answer.content] if answer.status == 200 and method == "GET" else []

    def answer(
        self,
        layers: list[Layer],
        z: int,
        x: int,
        y: int,
        if_none_match: str,
        alias: str = DEFAULT_DB_ALIAS,
    ) -> TileAnswer:
        # A replica that is gone answers no connection: wait for one briefly, then the caller
        # reads the primary instead (PoolTimeout is an OperationalError).
        wait = (
            None if alias == DEFAULT_DB_ALIAS else replicas.replica_settings()["CONNECT_TIMEOUT_S"]
        )
        pool = self.pool(alias)
        retried = False
        while True:
            # getconn and putconn rather than the pool's context manager, whose ``with conn``
            # ends a transaction that autocommit never opened: a tenth of a deep-zoom tile's
            # Python. putconn rolls back a connection left in a transaction, as the pool does.
            conn = pool.getconn(timeout=wait)
            try:
                return self.draw(conn, layers, z, x, y, if_none_match, alias)
            except psycopg.OperationalError:
                if retried or not conn.broken:
                    raise
            finally:
                pool.putconn(conn)
            # The server closed that connection (a restart, an administrator), and the pool
            # dropped it as it came back. Replace the idle ones that died with it, draw again.
            retried = True
            pool.check()

    def draw(
        self,
        conn: psycopg.Connection[Any],
        layers: list[Layer],
        z: int,
        x: int,
        y: int,
        if_none_match: str,
        alias: str = DEFAULT_DB_ALIAS,
    ) -> TileAnswer:
        """The answer, read on ``conn`` (of the database ``alias``): a tile of one layer that the
        front's files do not hold at the last version seen here, drawn with its stamp in one
        statement (:func:`tiles.vector.answer_unstored_tile`); else the layers' stamps, then the
        tile (:func:`tiles.vector.answer_vector_tile`). The versions seen are kept per database,
        since a replica may lag behind the primary."""
        seen = self._seen.setdefault(alias, {})

        def execute(statement: str, params: dict[str, Any]) -> bytes:
            row = run_prepared(conn, statement, params)
            return (row[0] or b"") if row else b""

        def execute_stamped(statement: str, params: dict[str, Any]) -> tuple[bytes, Stamp]:
            row = run_prepared(conn, statement, params)
            assert row is not None  # the statement has no WHERE: always one row
            tile, version, changed_at = row
            stamp = seen[layers[0].slug] = binary_stamp(version, changed_at)
            return tile or b"", stamp

        guess = seen.get(layers[0].slug) if front.eligible(layers) else None
        if guess is not None:
            answer = answer_unstored_tile(
                layers[0], guess, z, x, y, if_none_match, execute_stamped, self.behind_front
            )
            if answer is not None:
                return answer
        stamps = read_stamps(conn, layers)
        seen.update(stamps)
        return answer_vector_tile(layers, stamps, z, x, y, if_none_match, execute)
