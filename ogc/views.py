"""OGC API Features views: pygeoapi's read functions on a cached API object, and Part 4 writes
through :mod:`ogc.actions` after Django's authentication (session or token) and the layer's
permissions. Internal layers do not exist for a client that may not see them (404).

Errors are raised as domain errors (``layers.common.errors``); the project's error handler answers
them under ``/ogc`` in the OGC API exception format, as pygeoapi does for its own."""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pygeoapi
import pygeoapi.api as core_api
import pygeoapi.api.itemtypes as itemtypes_api
from django.conf import settings
from django.db import DataError, IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.static import serve
from pygeoapi.api import APIRequest, apply_gzip
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import APIException
from rest_framework.request import Request

from layers.common.errors import (
    Forbidden,
    InvalidRequest,
    MethodNotAllowed,
    NotAuthenticated,
    UnknownLayer,
)
from layers.common.registry import Layer, get_layer
from ogc import actions
from ogc.api import api_for_user
from ogc.conf import ogc_settings

STATIC_ROOT = Path(pygeoapi.__file__).parent / "static"
AUTHENTICATORS = (SessionAuthentication(), TokenAuthentication())
CHALLENGE = "Token"  # the WWW-Authenticate scheme of TokenAuthentication
COLLECTION_NOT_FOUND = "Collection not found"  # pygeoapi's words, for an internal layer too
ITEMS_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
ITEM_METHODS = ("GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS")


def _user(request: HttpRequest) -> Any:
    """The user of a session (CSRF-checked on writes) or of an ``Authorization: Token`` header."""
    drf = Request(request, authenticators=AUTHENTICATORS)
    try:
        return drf.user
    except APIException as exc:
        if exc.status_code == HTTPStatus.UNAUTHORIZED:
            raise NotAuthenticated(str(exc.detail), challenge=CHALLENGE) from None
        raise Forbidden(str(exc.detail)) from None


def _run(
    function: Callable[..., tuple[dict[str, str], int, Any]],
    request: HttpRequest,
    *args: Any,
    any_format: bool = False,
) -> HttpResponse:
    user = _user(request)
    api = api_for_user(user)
    api_request = APIRequest.from_django(request, api.locales)
    if not any_format and not api_request.is_valid():
        headers, status, content = api.get_format_exception(api_request)
    else:
        headers, status, content = function(api, api_request, *args)
        content = apply_gzip(headers, content)
    response = HttpResponse(content, status=status)
    for key, value in headers.items():
        response[key] = value
    response["Vary"] = "Cookie, Authorization"  # internal layers depend on who asks
    if user.is_authenticated:
        response["Cache-Control"] = "private"
    return response


def landing_page(request: HttpRequest) -> HttpResponse:
    return _run(core_api.landing_page, request)


def openapi(request: HttpRequest) -> HttpResponse:
    return _run(core_api.openapi_, request)


def conformance(request: HttpRequest) -> HttpResponse:
    return _run(core_api.conformance, request)


def collections(request: HttpRequest, collection_id: str | None = None) -> HttpResponse:
    return _run(core_api.describe_collections, request, collection_id)


def queryables(request: HttpRequest, collection_id: str) -> HttpResponse:
    return _run(itemtypes_api.get_collection_queryables, request, collection_id)


def static(request: HttpRequest, path: str) -> HttpResponseBase:
    return serve(request, path, document_root=str(STATIC_ROOT))


# -- items: reads through pygeoapi, writes through ogc.actions ---------------------------------


def _writable_layer(request: HttpRequest, slug: str) -> tuple[Layer, Any]:
    user = _user(request)
    try:
        layer = get_layer(slug)
    except UnknownLayer:
        raise UnknownLayer(COLLECTION_NOT_FOUND) from None
    if not layer.user_can_view(user):
        raise UnknownLayer(COLLECTION_NOT_FOUND)
    if not user.is_authenticated:
        raise NotAuthenticated("sign in or send a token to edit", challenge=CHALLENGE)
    if not layer.user_can_edit(user):
        raise Forbidden(f"no permission to edit {slug}")
    return layer, user


def _write(
    request: HttpRequest, slug: str, do: Callable[[Layer, Any], actions.WriteResult], status: int
) -> HttpResponse:
    layer, user = _writable_layer(request, slug)
    try:
        result = do(layer, user)
    except (IntegrityError, DataError) as exc:  # a database constraint refused the values
        raise InvalidRequest(str(exc).splitlines()[0]) from None
    response = HttpResponse(status=status)
    if status == HTTPStatus.CREATED:
        response["Location"] = f"{settings.PUBLIC_URL}/ogc/collections/{slug}/items/{result.id}"
    if result.etag:
        response["ETag"] = result.etag
    return response


def _content_crs(request: HttpRequest) -> str:
    return actions.parse_content_crs(request.headers.get("Content-Crs"))


def _is_feature(body: bytes) -> bool:
    """A create carries a GeoJSON Feature; any other POST body is a CQL2-JSON filter."""
    if len(body) > ogc_settings()["MAX_BODY_BYTES"]:
        return True  # refused as too large by the write path
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return True  # refused as not JSON by the write path
    return isinstance(doc, dict) and doc.get("type") == "Feature"


@csrf_exempt
def items(request: HttpRequest, collection_id: str) -> HttpResponse:
    if request.method == "POST":
        if not _is_feature(request.body):  # a CQL2-JSON query
            return _run(itemtypes_api.get_collection_items, request, collection_id, any_format=True)
        do = lambda layer, user: actions.create_feature(  # noqa: E731
            layer, user, request.body, _content_crs(request)
        )
        return _write(request, collection_id, do, HTTPStatus.CREATED)
    if request.method in ("GET", "HEAD"):
        return _run(itemtypes_api.get_collection_items, request, collection_id, any_format=True)
    if request.method == "OPTIONS":
        return _run(itemtypes_api.manage_collection_item, request, "options", collection_id)
    raise MethodNotAllowed("method not allowed", allowed=ITEMS_METHODS)


@csrf_exempt
def item(request: HttpRequest, collection_id: str, item_id: str) -> HttpResponse:
    if_match = request.headers.get("If-Match")
    if request.method in ("GET", "HEAD"):
        response = _run(
            itemtypes_api.get_collection_item, request, collection_id, item_id, any_format=True
        )
        if response.status_code == HTTPStatus.OK and item_id.isdigit():
            etag = actions.feature_etag(get_layer(collection_id), int(item_id))
            if etag:
                response["ETag"] = etag
        return response
    if request.method == "PUT":
        do = lambda layer, user: actions.replace_feature(  # noqa: E731
            layer, user, item_id, request.body, _content_crs(request), if_match
        )
        return _write(request, collection_id, do, HTTPStatus.NO_CONTENT)
    if request.method == "PATCH":
        do = lambda layer, user: actions.update_feature(  # noqa: E731
            layer, user, item_id, request.body, _content_crs(request), if_match
        )
        return _write(request, collection_id, do, HTTPStatus.NO_CONTENT)
    if request.method == "DELETE":
        do = lambda layer, user: actions.delete_feature(layer, user, item_id, if_match)  # noqa: E731
        return _write(request, collection_id, do, HTTPStatus.NO_CONTENT)
    if request.method == "OPTIONS":
        return _run(
            itemtypes_api.manage_collection_item, request, "options", collection_id, item_id
        )
    raise MethodNotAllowed("method not allowed", allowed=ITEM_METHODS)
