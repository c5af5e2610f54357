"""The one place where a domain error (:class:`layers.common.errors.GisError`) becomes an HTTP
answer. Views raise; :class:`GisErrorMiddleware` answers, in the form the part of the site that
raised is read in (:func:`audience`):

- under ``/ogc``: the OGC API exception document ``{"code", "type", "description"}``, the one
  pygeoapi writes for its own errors and OGC API - Features clients (QGIS, GDAL) read;
- under ``/api/`` and ``/tiles/``, and for any client that prefers JSON to HTML: problem details
  (RFC 9457), ``application/problem+json``;
- otherwise, for people: a page in the portal's look, in the user's language.

Problem details: ``type`` is the relative reference ``/errors/<code>``, the same string in every
deployment of the platform whatever its host; ``code`` repeats the code as an extension member,
beside the error's own facts (``field``, ``retry_after``). ``detail`` is the error's message, which
is written to be shown; ``instance`` is the request path. Headers the error asks for
(``Retry-After``, ``WWW-Authenticate``, ``Allow``) go with every form of the answer.

A database that cannot be reached, or that is shutting down (a restart, a failover), is not the
request's fault nor a bug: it answers 503 with ``Retry-After`` (:func:`database_unavailable`), in
the same three forms. Other exceptions are not domain errors: they stay Django's (logged, a plain
500, no traceback unless ``DEBUG``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from geoportal.portal.views import page_context
from layers.common.errors import (
    DatabaseUnavailable,
    GisError,
    NotFound,
    database_unavailable,
    http_status_for,
)

PROBLEM_JSON = "application/problem+json"
OGC_PREFIX = "/ogc"  # ogc/urls.py
API_PREFIXES = ("/api/", "/tiles/")  # geoportal/urls.py: JSON endpoints and tiles
ERROR_PAGE = "geoportal/error.html"

Audience = Literal["ogc", "api", "page"]

logger = logging.getLogger(__name__)

# OGC API exception codes by status (the codes pygeoapi answers with).
OGC_CODES: dict[int, str] = {
    HTTPStatus.UNAUTHORIZED: "NotAuthorized",
    HTTPStatus.FORBIDDEN: "NotAuthorized",
    HTTPStatus.NOT_FOUND: "NotFound",
    HTTPStatus.PRECONDITION_FAILED: "PreconditionFailed",
    HTTPStatus.PRECONDITION_REQUIRED: "PreconditionRequired",
}


def _audience_of_path(path: str) -> Audience | None:
    if path == OGC_PREFIX or path.startswith(OGC_PREFIX + "/"):
        return "ogc"
    if path.startswith(API_PREFIXES):
        return "api"
    return None


def audience(request: HttpRequest) -> Audience:
    """Who reads the answer to ``request``: an OGC API client, a program, or a person. Outside
    the OGC and API paths, the ``Accept`` header decides (a browser, or no header: a person)."""
    by_path = _audience_of_path(request.path_info)
    if by_path is not None:
        return by_path
    preferred = request.get_preferred_type(["text/html", PROBLEM_JSON, "application/json"])
    return "page" if preferred in (None, "text/html") else "api"


def problem_details(exc: GisError, request: HttpRequest) -> dict[str, Any]:
    """The RFC 9457 members of ``exc``, then its extension members."""
    body: dict[str, Any] = {
        "type": f"/errors/{exc.code}",
        "title": str(exc.title),
        "status": http_status_for(exc),
        "detail": exc.detail,
        "instance": request.path,
        "code": exc.code,
    }
    for key, value in exc.extensions().items():
        body.setdefault(key, value)
    return body


def problem_response(exc: GisError, request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        problem_details(exc, request),
        status=http_status_for(exc),
        content_type=PROBLEM_JSON,
        json_dumps_params={"ensure_ascii": False},
    )


def ogc_code(status: int) -> str:
    if status in OGC_CODES:
        return OGC_CODES[status]
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return "NoApplicableCode"
    return "InvalidParameterValue"


def ogc_exception_response(exc: GisError, request: HttpRequest) -> HttpResponse:
    """The OGC API exception document: ``code`` is an OGC exception code, not the platform's,
    which is ``error``; the error's own facts (``field``, a refused feature's ``area``...) follow,
    members OGC clients that do not know them pass over."""
    status = http_status_for(exc)
    code = ogc_code(status)
    body: dict[str, Any] = {
        "code": code,
        "type": code,
        "description": exc.detail,
        "error": exc.code,
    }
    for key, value in exc.extensions().items():
        body.setdefault(key, value)
    return JsonResponse(
        body,
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def error_page(exc: GisError, request: HttpRequest) -> HttpResponse:
    context = {**page_context(request), "problem": problem_details(exc, request)}
    return render(request, ERROR_PAGE, context, status=http_status_for(exc))


WRITERS: dict[Audience, Callable[[GisError, HttpRequest], HttpResponse]] = {
    "ogc": ogc_exception_response,
    "api": problem_response,
    "page": error_page,
}


def error_response(exc: GisError, request: HttpRequest) -> HttpResponse:
    """The answer to a request that raised ``exc``."""
    reader = audience(request)
    response = WRITERS[reader](exc, request)
    for name, value in exc.http_headers().items():
        response[name] = value
    if _audience_of_path(request.path_info) is None:
        patch_vary_headers(response, ["Accept"])  # the form was negotiated
    return response


class GisErrorMiddleware:
    """Answers every domain error a view raises (:func:`error_response`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, GisError):
            return error_response(exception, request)
        if database_unavailable(exception):
            logger.warning("database unavailable for %s: %s", request.path, exception)
            return error_response(DatabaseUnavailable(), request)
        return None


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 404 for an address no view answers (``handler404``), in the same forms as a
    domain error: problem details for APIs and tiles, the OGC format under ``/ogc``, a page."""
    return error_response(NotFound(_("nothing is published at this address")), request)
