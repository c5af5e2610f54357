"""Who is asking: the client's address, read through the reverse proxies the site trusts.

Behind the front server (``make run``: nginx, then gunicorn on 127.0.0.1), every request reaches
the app from 127.0.0.1. nginx appends the address it saw to ``X-Forwarded-For``
(``$proxy_add_x_forwarded_for``), so with ``TRUSTED_PROXIES`` = n proxies in front, the client is
the n-th address from the right; the ones to its left were written by the client and prove
nothing. Every rule that depends on the client's address reads it here: the e-renseignement rate
limit (per client) and HTTP Basic's loopback rule (``ogc.views.basic_allowed``).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

CLIENT_MAX_CHARS = 64  # an address is kept as this many characters at most


def client_ip(request: HttpRequest) -> str:
    """The client address: ``REMOTE_ADDR``, or with ``TRUSTED_PROXIES`` = n reverse proxies in
    front, the n-th address from the right of ``X-Forwarded-For`` (``REMOTE_ADDR`` when the
    header holds fewer: the request did not come through them)."""
    proxies = settings.TRUSTED_PROXIES
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if proxies <= 0:
        return remote[:CLIENT_MAX_CHARS]
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    return (forwarded[-proxies] if len(forwarded) >= proxies else remote)[:CLIENT_MAX_CHARS]
