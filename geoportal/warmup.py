"""A worker's first requests, made by the worker itself before it serves anyone.

A new gunicorn worker builds much on its first requests: Django's URL resolver and middleware,
pygeoapi's API object and its OpenAPI document, a collection's provider and PROJ in its database
connection. Unwarmed, the first OGC client to reach each worker (QGIS opening a connection:
landing page, conformance, OpenAPI, collections, items) waits about 2 s for it. ``warm_up`` sends
those requests through the WSGI application when the worker starts (``geoportal/wsgi.py``), as an
anonymous client on the loopback address, and reads their answers whole.

Nothing here can stop a worker from starting: an answer other than 200 (a database not yet up,
say) is logged and the worker serves as it would have unwarmed. ``GEOPORTAL_WARM_UP=0`` turns it
off.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

logger = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def warm_up_paths() -> list[str]:
    """The OGC requests a desktop client starts with, and a page of the first public layer."""
    from layers.common.registry import layers

    paths = ["/ogc?f=json", "/ogc/conformance?f=json", "/ogc/openapi?f=json"]
    paths.append("/ogc/collections?f=json")
    public = [layer.slug for layer in layers(public_only=True)]
    if public:
        paths.append(f"/ogc/collections/{public[0]}/items?f=json&limit=1")
    return paths


def _host() -> str:
    from django.conf import settings

    for host in settings.ALLOWED_HOSTS:
        if host and host != "*" and not host.startswith("."):
            return host  # an IPv6 address keeps its brackets, as in a Host header
    return "localhost"


def _environ(path: str, host: str) -> dict[str, Any]:
    route, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "HTTP_ACCEPT": "application/json",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def warm_up(application: WSGIApp, paths: list[str] | None = None) -> dict[str, str]:
    """Each path's status line from ``application`` (``"error: ..."`` if it raised)."""
    host = _host()
    statuses: dict[str, str] = {}
    for path in paths if paths is not None else warm_up_paths():
        status: list[str] = []

        def start_response(line: str, headers: Any, exc_info: Any = None, seen: list = status):
            seen.append(line)

        try:
            body = application(_environ(path, host), start_response)
            try:
                for _chunk in body:
                    pass
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
            statuses[path] = status[0] if status else "no answer"
        except Exception as exc:
            statuses[path] = f"error: {exc}"
    failed = {p: s for p, s in statuses.items() if not s.startswith("200")}
    if failed:
        logger.warning("worker warm-up: %s", failed)
    return statuses


def enabled() -> bool:
    return os.environ.get("GEOPORTAL_WARM_UP", "1") not in ("0", "false", "no")
