"""Rate limiting per client, counted in PostgreSQL so that every server process (several gunicorn
workers, several machines on one database) shares the same counters.

Fixed windows: one row per (bucket, client, window start), incremented by an upsert whose row lock
serialises concurrent requests."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from geoportal.clients import client_ip
from geoportal.renseignement.sqlfiles import load_sql
from layers.common.errors import RateLimited

KEEP_SECONDS = 3600


def hit(bucket: str, client: str, now: float | None = None) -> tuple[int, int, int]:
    """Count one request; returns (count in this window, limit, seconds until the window ends)."""
    limit, window = settings.RENSEIGNEMENT["RATE_LIMITS"][bucket]
    now = time.time() if now is None else now
    start = int(now // window * window)
    with transaction.atomic(), connection.cursor() as cur:
        # A counter lost in a crash is harmless: do not wait for the WAL flush.
        cur.execute("SET LOCAL synchronous_commit TO OFF")
        cur.execute(
            load_sql("rate_hit.sql"), {"bucket": bucket, "client": client, "window_start": start}
        )
        (count,) = cur.fetchone()
        if count == 1:  # a new window: forget the old ones
            cur.execute(load_sql("rate_forget.sql"), {"before": start - KEEP_SECONDS})
    return count, limit, max(1, start + window - int(now))


def rate_limited(bucket: str) -> Callable:
    """Refuse the view with ``RateLimited`` (429) past the bucket's limit for the client."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            count, limit, retry_after = hit(bucket, client_ip(request))
            if count > limit:
                raise RateLimited(
                    _(
                        "Trop de demandes : %(limit)s au plus par période ; réessayez dans "
                        "%(seconds)s s."
                    )
                    % {"limit": limit, "seconds": retry_after},
                    retry_after=retry_after,
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
