"""How the OGC provider's connections are kept alive without a round trip per request.

pygeoapi's engine pings every connection as it leaves the pool (SQLAlchemy's ``pool_pre_ping``):
one ``SELECT 1`` before each page and each count, about a tenth of a short page's time. Here a
connection is pinged only when it has been idle in the pool for more than ``IDLE_PING_S``
(:func:`ping_when_idle`): a busy worker's connections, used a moment before, are not. A connection
that the server closed in that moment (a restart) fails its statement instead; a read that fails
so is run once again on a fresh connection (:func:`read_again_if_dropped`), where SQLAlchemy has
already marked every connection of the pool taken before the failure as stale. Writes are not run
again: pygeoapi's transaction then answers 503, as for any database outage.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

IDLE_PING_S = 1.0
_CHECKED_IN = "casa_checked_in"  # the pool record's info key: when the connection came back


def ping_when_idle(engine: Engine) -> None:
    """Ping ``engine``'s connections as they leave its pool only after ``IDLE_PING_S`` idle (the
    engine is made with ``pool_pre_ping=False``). A failed ping replaces the connection, as
    SQLAlchemy's own pre-ping does."""
    from sqlalchemy import event, exc

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get(_CHECKED_IN)
        if since is not None and time.monotonic() - since <= IDLE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as err:
            if engine.dialect.is_disconnect(err, dbapi_connection, None):
                raise exc.DisconnectionError(str(err)) from err  # the pool connects again
            raise


def read_again_if_dropped[T](read: Callable[[], T]) -> T:
    """``read()``, and once more if the server had closed the connection it ran on (SQLAlchemy
    then invalidated that connection and the pool's older ones). Only for statements that read.
    SQLAlchemy is imported here, not with the module: the URLs load this module in every command
    that runs the system checks, and only an OGC request reads through SQLAlchemy."""
    from sqlalchemy import exc

    try:
        return read()
    except exc.DBAPIError as err:
        if not err.connection_invalidated:
            raise
    return read()
