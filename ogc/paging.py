"""Keyset paging of OGC API Features items: ``next`` links carry a cursor, not an offset.

With ``offset``, PostgreSQL reads and throws away every row before the page, so the last page of a
million parcels costs seconds. A ``next`` link here carries ``cursor``: the sort key values and the
id of the page's last row, signed with ``SECRET_KEY`` (``django.core.signing``, so a client can
neither read it as an interface nor forge it) and valid ``OGC["CURSOR_MAX_AGE"]`` seconds. The
next page is ``WHERE (sort keys, id) > (last row) ORDER BY sort keys, id LIMIT n`` (each key in its
own direction, NULLs where PostgreSQL puts them: last ascending, first descending): the same cost
wherever it falls.

The cursor carries a position only. The request's other parameters (filters, ``bbox``,
``bbox-crs``, ``crs``, ``sortby``...) stay in the link as they were. ``limit`` grows: a GeoJSON
(or any non-HTML) page's ``next`` link asks for ``OGC["NEXT_LIMIT_GROWTH"]`` times the page's
``limit``, up to ``OGC["MAX_LIMIT"]``. A client that follows ``next`` links reads the whole
result, and GDAL 3.6 (Debian 12) sends ``limit=10`` on its first request and then follows the
links as they are (``ogr/ogrsf_frmts/wfs/ogroapifdriver.cpp``, ``ResetReading`` and
``GetNextRawFeature``): without growth, 8,600 requests for 86,000 parcels, with it 13. A client
that wants pages of one size gives its ``limit`` to the next link's URL; the cursor does not
depend on it. HTML pages keep their size: a person turns them. A cursor made
for another collection or another ``sortby`` is refused (400), as is one tampered with or expired,
in the OGC exception format. ``offset`` still works; its answer's ``next`` link carries a cursor
too, so a client that follows links pays the offset once. A request with both is refused.

:func:`get_collection_items` wraps pygeoapi's function of that name: it reads the cursor, hands
the position to the provider (:func:`current`) and gives pygeoapi, in place of the cursor, the
number of rows before the page as ``offset``, so that pygeoapi's own ``prev`` link and its
last-page test (``numberMatched > offset + limit``) stay right. The provider
(``ogc.provider.CasaPostgreSQLProvider``) writes the ``next`` link, which pygeoapi keeps as it is
(and then writes no ``prev`` link: the provider writes that one too, by ``offset``).
Both behaviours of pygeoapi are recorded in ``ogc.compat.UPSTREAM_SOURCES``.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.utils.translation import gettext as _

from ogc.conf import ogc_settings

if TYPE_CHECKING:
    from ogc.stream import FeatureStream

CURSOR = "cursor"  # the query parameter
SALT = "ogc.paging.cursor"

SortKeys = tuple[tuple[str, str], ...]  # (property, "+" or "-"), the id last


class BadCursor(ValueError):
    """A cursor that cannot be used for this request (its message is the client's)."""


def parse_sortby(value: str | None) -> SortKeys:
    """``"-height,name"`` -> ``(("height", "-"), ("name", "+"))``, as pygeoapi reads ``sortby``."""
    keys = []
    for part in (value or "").split(","):
        if not part:
            continue
        order = "+"
        if part[0] in "+-":
            order, part = part[0], part[1:]
        keys.append((part, order))
    return tuple(keys)


def _plain(value: Any) -> Any:
    """A sort key value as JSON: dates and times in ISO 8601, decimals and UUIDs as text
    (PostgreSQL reads them back with a cast to the column's type)."""
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


@dataclass(frozen=True)
class Position:
    """Where the next page starts: after the row whose sort key values (then id) are ``last``,
    ``index`` rows from the start of the result."""

    collection: str
    sortby: SortKeys
    last: tuple[Any, ...]
    index: int

    def encode(self) -> str:
        payload = {
            "c": self.collection,
            "s": [list(k) for k in self.sortby],
            "k": [_plain(v) for v in self.last],
            "n": self.index,
        }
        return signing.dumps(payload, salt=SALT, compress=True)

    @classmethod
    def decode(cls, cursor: str) -> Position:
        try:
            payload = signing.loads(cursor, salt=SALT, max_age=ogc_settings()["CURSOR_MAX_AGE"])
        except signing.SignatureExpired:
            raise BadCursor(_("cursor has expired: start again from the first page")) from None
        except (signing.BadSignature, ValueError):
            raise BadCursor(_("cursor is not valid")) from None
        try:
            sortby = tuple((str(p), str(o)) for p, o in payload["s"])
            return cls(str(payload["c"]), sortby, tuple(payload["k"]), int(payload["n"]))
        except (KeyError, TypeError, ValueError):
            raise BadCursor(_("cursor is not valid")) from None


@dataclass
class Paging:
    """What the provider needs to page one request: where to start (``position``), which
    collection and ``sortby`` the request has, and the ``next`` link without its cursor."""

    collection: str
    sortby: SortKeys
    position: Position | None
    next_href: str  # the items URL and ``?`` or ``&`` after the request's parameters but limit,
    # offset and cursor
    grow: bool = False  # next pages larger than this one (:meth:`next_limit`)
    sent: dict[str, Any] = field(default_factory=dict)
    streamable: bool = False  # a GeoJSON page: the provider may open a stream (ogc.stream)
    stream: FeatureStream | None = None  # the stream it opened

    def next_limit(self, limit: int) -> int:
        """The ``limit`` of the next link after a page of ``limit``: ``OGC["NEXT_LIMIT_GROWTH"]``
        times larger, up to ``OGC["MAX_LIMIT"]``, for a machine-readable page (``grow``); the
        same for an HTML page, which a person turns."""
        ogc = ogc_settings()
        if not self.grow or limit >= ogc["MAX_LIMIT"]:
            return limit
        return min(limit * ogc["NEXT_LIMIT_GROWTH"], ogc["MAX_LIMIT"])

    def next_link(self, last: tuple[Any, ...], index: int, limit: int) -> dict[str, str]:
        """The page after the row ``last`` (``index`` rows from the start), which ended a page
        of ``limit``."""
        cursor = Position(self.collection, self.sortby, last, index).encode()
        return {
            "type": "application/geo+json",
            "rel": "next",
            "title": "Items (next)",
            "href": f"{self.next_href}limit={self.next_limit(limit)}"
            f"&{CURSOR}={urllib.parse.quote(cursor, safe='')}",
        }

    def prev_link(self, offset: int, limit: int) -> dict[str, str]:
        """The ``limit`` rows before ``offset`` + ``limit``, by ``offset`` (as pygeoapi writes
        it when it writes the links)."""
        return {
            "type": "application/geo+json",
            "rel": "prev",
            "title": "Items (prev)",
            "href": f"{self.next_href}limit={limit}&offset={max(0, offset)}",
        }


_CURRENT: contextvars.ContextVar[Paging | None] = contextvars.ContextVar("paging", default=None)


def current(collection: str) -> Paging | None:
    """The paging of the request being answered, if it is for ``collection``."""
    paging = _CURRENT.get()
    return paging if paging is not None and paging.collection == collection else None


@contextmanager
def paging(value: Paging) -> Iterator[None]:
    token = _CURRENT.set(value)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def _next_href(uri: str, params: Any) -> str:
    """The items URL with every parameter of the request but ``limit``, ``offset`` and
    ``cursor`` (quoted as pygeoapi quotes them)."""
    query = "&".join(
        f"{urllib.parse.quote(k, safe='')}={urllib.parse.quote(str(v), safe=',')}"
        for k, v in params.items()
        if k not in ("limit", "offset", CURSOR)
    )
    return f"{uri}?{query}&" if query else f"{uri}?"


def get_collection_items(api: Any, request: Any, dataset: str) -> tuple[dict[str, str], int, Any]:
    """pygeoapi's ``get_collection_items`` with keyset paging (see the module)."""
    from pygeoapi.api.itemtypes import get_collection_items as items

    params = request.params
    sortby = parse_sortby(params.get("sortby"))
    position = None
    cursor = params.get(CURSOR)
    if cursor is not None:
        try:
            if params.get("offset") is not None:
                raise BadCursor(_("offset and cursor cannot be given together"))
            position = Position.decode(cursor)
            if position.collection != dataset:
                raise BadCursor(_("cursor was made for another collection"))
            if position.sortby != sortby:
                raise BadCursor(_("cursor was made for another sortby"))
        except BadCursor as exc:
            headers = request.get_response_headers(**api.api_headers)
            return api.get_exception(  # type: ignore[no-any-return]
                HTTPStatus.BAD_REQUEST, headers, request.format, "InvalidParameterValue", str(exc)
            )
        # pygeoapi sees the rows before the page as the offset, and no cursor
        replaced = params.copy()
        del replaced[CURSOR]
        replaced["offset"] = str(position.index)
        request._args = replaced
    uri = f"{api.get_collections_url()}/{dataset}/items"
    state = Paging(dataset, sortby, position, _next_href(uri, params), request.format != "html")
    state.streamable = _streamable(request)
    with paging(state):
        try:
            headers, status, content = items(api, request, dataset)
        except BaseException:
            if state.stream is not None:
                state.stream.close()
            raise
    if state.stream is None:
        return headers, status, content
    if status != HTTPStatus.OK:  # not after a query; in case pygeoapi changes
        state.stream.close()
        return headers, status, content
    from ogc.stream import Body

    offset = int(request.params.get("offset") or 0)
    return headers, status, Body(content, state.stream, state, offset)


def _streamable(request: Any) -> bool:
    """A GeoJSON page that :mod:`ogc.stream` writes: ``f=json`` or no ``f`` (and an ``Accept``
    that is not HTML), a ``GET`` or ``HEAD`` (no CQL2-JSON body), and none of the parameters left
    to pygeoapi's path."""
    from ogc import stream

    params = request.params
    return (
        stream.STREAM
        and request.format in (None, "json")
        and not request.data
        and not any(params.get(k) is not None for k in ("q", "properties", "skipGeometry"))
    )
