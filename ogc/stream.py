"""GeoJSON pages of items written as they are read, so that a worker's memory stays flat.

pygeoapi builds a page as a list of dicts, then dumps it whole: a 10,000-feature page holds every
feature three times (rows, dicts, text). Here, for a GeoJSON page (``GET``/``HEAD`` on
``/collections/{id}/items`` with no ``f`` or ``f=json``), PostgreSQL writes each feature's JSON
in the ``SELECT`` (``ogc.provider``'s ``_feature_json``), the rows are read from a server-side
cursor ``CHUNK`` at a time, and Django's ``StreamingHttpResponse`` sends them on. A page of fewer
than ``CHUNK`` features is read in one answer, outside any transaction (:func:`autocommit`).

pygeoapi still reads and checks every parameter as before (the same function, the same 400s):
:func:`ogc.paging.get_collection_items` marks the request streamable, and the provider
(``ogc.provider.CasaPostgreSQLProvider.query``), with the same filters, order and keyset, opens
the cursor and reads its first chunk (so a query PostgreSQL refuses fails before the first byte)
instead of building features. pygeoapi then writes its document around an empty ``features``
list; :class:`Body` writes that document with the features in it, and ``numberReturned`` and the
``next`` link (known after the last row) at the end. The connection goes back to the pool when
the last row is read, or when the response is closed (the client went away).

Left to pygeoapi: other formats (HTML, JSON-LD), ``q``, ``properties``, ``skipGeometry`` and
CQL2-JSON ``POST``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import StreamingHttpResponse

from ogc.compat import to_json
from ogc.pool import read_again_if_dropped

if TYPE_CHECKING:  # SQLAlchemy is loaded by the provider, at the first OGC request
    from sqlalchemy.engine import Connection, CursorResult, Engine
    from sqlalchemy.sql import Executable

    from ogc.paging import Paging

STREAM = True  # False: every page through pygeoapi's own writer (tests compare the two)
CHUNK = 500  # rows fetched, and written, at once
HEAD = b'{"type":"FeatureCollection","features":['


def _escape(text: str) -> str:
    """``<`` and ``>`` as JSON escapes, as ``ogc.compat.to_json`` writes them (they can only be
    in strings of PostgreSQL's JSON)."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


class FeatureStream:
    """An open cursor over rows of (feature JSON, sort key values...), ``limit`` + 1 of them at
    most: the last one only tells that there is a next page. A server-side cursor when the page
    may take more than one chunk."""

    def __init__(
        self,
        engine: Engine,
        statement: Executable,
        limit: int,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.limit = limit
        self.returned = 0
        self.last: tuple[Any, ...] = ()
        self.more = False
        self._result: CursorResult[Any] | None = None
        self._connection: Connection | None = None
        self._reads = contextlib.ExitStack()
        read_again_if_dropped(lambda: self._open(engine, statement, params))
        if len(self._first) < CHUNK or len(self._first) > limit:
            self.close()  # every row is read: the connection goes back to the pool at once

    def _open(self, engine: Engine, statement: Executable, params: dict[str, Any] | None) -> None:
        """Run the statement and read its first chunk (everything closed if that fails)."""
        self._connection = engine.connect()
        try:
            connection = self._connection
            # every row in one answer, on a connection out of any transaction; or a
            # server-side cursor, read a chunk at a time
            if self.limit < CHUNK:
                self._reads.enter_context(autocommit(connection))
            else:
                connection = connection.execution_options(yield_per=CHUNK)
            self._result = connection.execute(statement, params or {})
            self._first = list(self._result.fetchmany(CHUNK))
        except BaseException:
            self.close()
            raise

    def chunks(self) -> Iterator[bytes]:
        """The features, comma-separated, a chunk of rows at a time; then the cursor is closed."""
        try:
            rows = self._first
            self._first = []
            while rows:
                texts = []
                for row in rows:
                    if self.returned == self.limit:
                        self.more = True
                        break
                    texts.append(row[0])
                    self.last = tuple(row[1:])
                    self.returned += 1
                if texts:
                    sep = "," if self.returned > len(texts) else ""
                    yield (sep + _escape(",".join(texts))).encode()
                if self.more or self._result is None:
                    break
                rows = list(self._result.fetchmany(CHUNK))
        finally:
            self.close()

    def close(self) -> None:
        result, connection = self._result, self._connection
        self._result = self._connection = None
        try:
            if result is not None:
                result.close()
        finally:
            try:
                self._reads.close()
            finally:
                if connection is not None:
                    connection.close()


@contextlib.contextmanager
def autocommit(connection: Connection) -> Iterator[Connection]:
    """``connection`` with no transaction around its statements, for a single read: psycopg2 then
    sends neither ``BEGIN`` before it nor ``ROLLBACK`` when the connection goes back to the pool,
    two of the four round trips of a short read. (SQLAlchemy's ``SET`` of an isolation level
    would cost two more.) The driver's flag is flipped as SQLAlchemy's own ping does, and set
    back before the connection is returned."""
    driver: Any = connection.connection.driver_connection  # psycopg2's connection
    driver.autocommit = True
    try:
        yield connection
    finally:
        if not driver.closed:
            driver.autocommit = False


@dataclass
class Body:
    """pygeoapi's answer (its JSON text, with no features) and the stream of the features: a
    response body that Django iterates, and closes (closing the cursor) however it ends."""

    document: str
    stream: FeatureStream
    paging: Paging
    offset: int

    def __iter__(self) -> Iterator[bytes]:
        doc = json.loads(self.document)
        yield HEAD
        yield from self.stream.chunks()
        yield self._tail(doc)

    def _tail(self, doc: dict[str, Any]) -> bytes:
        """``],`` and the rest of pygeoapi's document, with ``numberReturned`` and the links as
        the provider writes them once the page is read (``ogc.provider``): ``next`` (a cursor) and
        ``prev`` when there is more, else pygeoapi's own ``prev``."""
        stream, paging = self.stream, self.paging
        links = doc.get("links", [])
        others = [link for link in links if link.get("rel") not in ("next", "prev")]
        if stream.more:
            paged = [paging.next_link(stream.last, self.offset + stream.limit, stream.limit)]
            if self.offset > 0:
                paged.append(paging.prev_link(self.offset - stream.limit, stream.limit))
            links = paged + others
        else:
            links = others + [link for link in links if link.get("rel") == "prev"]
        rest = {k: v for k, v in doc.items() if k not in ("type", "features")}
        rest["numberReturned"] = stream.returned
        rest["links"] = links
        return ("]," + to_json(rest)[1:]).encode()

    def close(self) -> None:
        self.stream.close()


class StreamingGeoJSON(StreamingHttpResponse):
    """A streamed page that can also be read whole as ``content`` (as Django's test client and
    middleware that expect a plain response do): the first read consumes the stream and keeps
    the page."""

    _whole: bytes | None = None

    @property
    def content(self) -> bytes:  # type: ignore[override]  # Never in StreamingHttpResponse
        if self._whole is None:
            self._whole = self.getvalue()
            self.streaming_content = [self._whole]
        return self._whole

    @property
    def text(self) -> str:  # type: ignore[override]  # Never in StreamingHttpResponse
        return self.content.decode(self.charset)
