"""OGC API Features views: pygeoapi's read functions on a cached API object, and Part 4 writes
through :mod:`ogc.actions` after Django's authentication (session, token, or HTTP Basic for
desktop clients such as QGIS) and the layer's permissions. Internal layers do not exist for a
client that may not see them (404). ``OPTIONS`` on items and on an item answers ``Allow`` with the
methods this user may use there: QGIS enables editing from it.

HTTP Basic sends the password with every request: it is accepted over HTTPS only
(``request.is_secure()``, which follows ``SECURE_PROXY_SSL_HEADER`` behind a proxy), or from the
loopback address on a development run (``OGC["BASIC_AUTH_LOCALHOST"]``, see
:func:`basic_allowed`).

Errors are raised as domain errors (``layers.common.errors``); the project's error handler answers
them under ``/ogc`` in the OGC API exception format, as pygeoapi does for its own."""

from __future__ import annotations

import ipaddress
import json
import re
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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt
from django.views.static import serve
from pygeoapi.api import APIRequest, apply_gzip
from rest_framework.authentication import (
    BasicAuthentication,
    SessionAuthentication,
    TokenAuthentication,
    get_authorization_header,
)
from rest_framework.exceptions import APIException, AuthenticationFailed
from rest_framework.parsers import BaseParser
from rest_framework.request import Request

from geoportal.clients import client_ip
from geoportal.language import active_language
from geoportal.replicas import replica_reads
from geoportal.settings.env import is_production
from layers.common.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    MethodNotAllowed,
    NotAuthenticated,
    UnknownLayer,
)
from layers.common.registry import Layer, get_layer
from ogc import actions, paging, stream
from ogc.api import api_for_user
from ogc.conf import ogc_settings
from ogc.params import check_query
from ogc.schema import CONFORMANCE as SCHEMAS_CONFORMANCE
from ogc.schema import MEDIA_TYPE as SCHEMA_MEDIA_TYPE
from ogc.schema import collection_schema
from ogc.views_registry import read_only_collection, refresh_collection

STATIC_ROOT = Path(pygeoapi.__file__).parent / "static"
CHALLENGE = "Token"  # the WWW-Authenticate scheme of TokenAuthentication
BASIC_REALM = "OGC API"
BASIC_CHALLENGE = f'Basic realm="{BASIC_REALM}", charset="UTF-8"'
BASIC_NEEDS_HTTPS = (
    "HTTP Basic authentication is accepted over HTTPS only: connect with an https:// address, "
    "or send a token (Authorization: Token ...)"
)
COLLECTION_NOT_FOUND = gettext_noop(
    "Collection not found"
)  # pygeoapi's words, for an internal layer too
READ_METHODS = ("GET", "HEAD", "OPTIONS")
ITEMS_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
ITEM_METHODS = ("GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS")
ITEMS_WRITE_METHODS = ("POST",)
ITEM_WRITE_METHODS = ("PUT", "PATCH", "DELETE")
GEOJSON = "application/geo+json"
UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE
# Part 4 (create, replace, delete; update by PATCH) and Part 5 (schemas): QGIS reads the schema
# only when the conformance document lists Part 5's class.
EXTRA_CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    SCHEMAS_CONFORMANCE,
)


def _is_loopback(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


def basic_allowed(request: HttpRequest) -> bool:
    """Whether HTTP Basic credentials may be read from ``request``: over HTTPS always; over plain
    HTTP only from a loopback client address (127.0.0.0/8, ::1) when ``OGC["BASIC_AUTH_LOCALHOST"]``
    allows it. Its default, ``None``, allows it on a development run only (``DEBUG`` on, or every
    host name of ``ALLOWED_HOSTS`` local). The client address is read through the trusted proxies
    (:func:`geoportal.clients.client_ip`): behind the front server every request comes from
    127.0.0.1, and a remote client must not pass for a local one there."""
    if request.is_secure():
        return True
    local = settings.OGC.get("BASIC_AUTH_LOCALHOST")
    if local is None:
        local = settings.DEBUG or not is_production(settings.DEBUG, list(settings.ALLOWED_HOSTS))
    return bool(local) and _is_loopback(client_ip(request))


class SecureBasicAuthentication(BasicAuthentication):
    """DRF's HTTP Basic, refused where the password would travel in clear (:func:`basic_allowed`)."""

    www_authenticate_realm = BASIC_REALM

    def authenticate(self, request: Request) -> Any:
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != b"basic":
            return None
        if not basic_allowed(request._request):
            raise AuthenticationFailed(BASIC_NEEDS_HTTPS)
        return super().authenticate(request)


AUTHENTICATORS = (SessionAuthentication(), SecureBasicAuthentication(), TokenAuthentication())


class _UnreadBody(BaseParser):
    """Authentication reads no body. A session's CSRF check of a POST looks at the form fields
    first (``request.POST``), which makes DRF parse the body; a GeoJSON feature is not a form, so
    the check must find no fields there and take the ``X-CSRFToken`` header, as it does for a
    PUT, instead of refusing a media type it has no parser for."""

    media_type = "*/*"

    def parse(
        self, stream: Any, media_type: Any = None, parser_context: Any = None
    ) -> dict[str, Any]:
        return {}


def _sends_basic(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "").split(" ")[0].lower() == "basic"


def _user(request: HttpRequest) -> Any:
    """The user of a session (CSRF-checked on writes), of an ``Authorization: Token`` header, or
    of HTTP Basic credentials. Wrong Basic credentials are challenged again with ``Basic`` (QGIS
    then asks for the password); Basic where it is not accepted is told why, without a Basic
    challenge."""
    drf = Request(request, authenticators=AUTHENTICATORS, parsers=[_UnreadBody()])
    try:
        return drf.user
    except APIException as exc:
        if exc.status_code == HTTPStatus.UNAUTHORIZED:
            challenge = CHALLENGE
            if _sends_basic(request) and basic_allowed(request):
                challenge = BASIC_CHALLENGE
            raise NotAuthenticated(str(exc.detail), challenge=challenge) from None
        raise Forbidden(str(exc.detail)) from None


def _call(
    function: Callable[..., tuple[dict[str, str], int, Any]],
    request: HttpRequest,
    *args: Any,
    any_format: bool = False,
) -> tuple[Any, dict[str, str], int, Any]:
    """The user, and pygeoapi's answer to ``request``: headers, status, content."""
    user = _user(request)
    api = api_for_user(user)
    api_request = APIRequest.from_django(request, api.locales)
    if not any_format and not api_request.is_valid():
        headers, status, content = api.get_format_exception(api_request)
    else:
        headers, status, content = function(api, api_request, *args)
    return user, headers, status, content


def _finish[R: HttpResponseBase](response: R, headers: dict[str, str], user: Any) -> R:
    for key, value in headers.items():
        response[key] = value
    response["Vary"] = "Cookie, Authorization"  # internal layers depend on who asks
    if user.is_authenticated:
        response["Cache-Control"] = "private"
    return response


def _run(
    function: Callable[..., tuple[dict[str, str], int, Any]],
    request: HttpRequest,
    *args: Any,
    any_format: bool = False,
) -> HttpResponse:
    user, headers, status, content = _call(function, request, *args, any_format=any_format)
    content = apply_gzip(headers, content)
    return _finish(HttpResponse(content, status=status), headers, user)


def _run_items(request: HttpRequest, collection_id: str) -> HttpResponseBase:
    """Items through pygeoapi (:func:`ogc.paging.get_collection_items`), a read-only collection
    brought up to date first; a GeoJSON page is streamed (:mod:`ogc.stream`), every other answer
    is pygeoapi's."""
    refresh_collection(collection_id)
    user, headers, status, content = _call(
        paging.get_collection_items, request, collection_id, any_format=True
    )
    response: HttpResponseBase
    if not isinstance(content, stream.Body):
        response = HttpResponse(apply_gzip(headers, content), status=status)
    elif request.method == "HEAD":  # the headers only: the cursor is closed unread
        content.close()
        response = HttpResponse(status=status)
    else:
        response = stream.StreamingGeoJSON(content, status=status)
    return _geojson(_finish(response, headers, user), request)


def landing_page(request: HttpRequest) -> HttpResponse:
    check_query(request, "landing")
    return _run(core_api.landing_page, request)


def openapi(request: HttpRequest) -> HttpResponse:
    check_query(request, "api")
    return _run(core_api.openapi_, request)


def conformance(request: HttpRequest) -> HttpResponse:
    check_query(request, "conformance")
    response = _run(core_api.conformance, request)
    if response.status_code == HTTPStatus.OK and "json" in response.get("Content-Type", ""):
        doc = json.loads(response.content)
        classes = doc.get("conformsTo", [])
        doc["conformsTo"] = [*classes, *(c for c in EXTRA_CONFORMANCE if c not in classes)]
        response.content = json.dumps(doc, ensure_ascii=False).encode()
    return response


def collections(request: HttpRequest, collection_id: str | None = None) -> HttpResponse:
    check_query(request, "collection" if collection_id else "collections", collection_id)
    return _run(core_api.describe_collections, request, collection_id)


def queryables(request: HttpRequest, collection_id: str) -> HttpResponse:
    check_query(request, "queryables", collection_id)
    return _run(itemtypes_api.get_collection_queryables, request, collection_id)


def _visible_layer(request: HttpRequest, slug: str) -> tuple[Layer, Any]:
    """The layer ``slug`` and the user, if the user may see it; otherwise 404, as if it did not
    exist."""
    user = _user(request)
    try:
        layer = get_layer(slug)
    except UnknownLayer:
        raise UnknownLayer(_(COLLECTION_NOT_FOUND)) from None
    if not layer.user_can_view(user):
        raise UnknownLayer(_(COLLECTION_NOT_FOUND))
    return layer, user


def schema(request: HttpRequest, collection_id: str) -> HttpResponse:
    """The collection's schema (Part 5), generated from the registry (:mod:`ogc.schema`); the
    HTML page (``f=html``) is pygeoapi's."""
    check_query(request, "schema", collection_id)
    if read_only_collection(collection_id) is not None:  # pygeoapi's, from the view's columns
        return _run(core_api.get_collection_schema, request, collection_id)
    layer, user = _visible_layer(request, collection_id)
    if request.GET.get("f") == "html":
        return _run(core_api.get_collection_schema, request, collection_id)
    lang = active_language()
    url = f"{settings.PUBLIC_URL}/ogc/collections/{collection_id}/schema"
    doc = collection_schema(layer, url=url, lang=lang)
    response = HttpResponse(
        json.dumps(doc, ensure_ascii=False), content_type=SCHEMA_MEDIA_TYPE, status=HTTPStatus.OK
    )
    response["Vary"] = "Cookie, Authorization, Accept-Language"
    if user.is_authenticated:
        response["Cache-Control"] = "private"
    return response


def static(request: HttpRequest, path: str) -> HttpResponseBase:
    return serve(request, path, document_root=str(STATIC_ROOT))


# -- items: reads through pygeoapi, writes through ogc.actions ---------------------------------


def _writable_layer(request: HttpRequest, slug: str) -> tuple[Layer, Any]:
    if read_only_collection(slug) is not None:
        raise MethodNotAllowed(_("this collection is read-only"), allowed=READ_METHODS)
    layer, user = _visible_layer(request, slug)
    if not user.is_authenticated:
        raise NotAuthenticated(_("sign in or send a token to edit"), challenge=CHALLENGE)
    if not layer.user_can_edit(user):
        raise Forbidden(_("no permission to edit %(layer)s") % {"layer": slug})
    return layer, user


def _write(
    request: HttpRequest, slug: str, do: Callable[[Layer, Any], actions.WriteResult], status: int
) -> HttpResponse:
    layer, user = _writable_layer(request, slug)
    try:
        result = do(layer, user)
    except IntegrityError as exc:  # a database constraint refused the values
        reason = str(exc).splitlines()[0]
        cause = exc.__cause__
        if getattr(cause, "sqlstate", None) == UNIQUE_VIOLATION:  # another feature has the value
            detail = getattr(getattr(cause, "diag", None), "message_detail", None)
            # "Key (reference)=(TF 1/C) already exists.": the attribute a form should mark
            column = re.match(r"Key \((\w+)\)=", detail or "")
            raise Conflict(
                f"{reason}: {detail}" if detail else reason,
                field=_attribute_of(layer, column.group(1)) if column else None,
            ) from None
        raise InvalidRequest(reason) from None
    except DataError as exc:
        raise InvalidRequest(str(exc).splitlines()[0]) from None
    response = HttpResponse(status=status)
    if status == HTTPStatus.CREATED:
        response["Location"] = f"{settings.PUBLIC_URL}/ogc/collections/{slug}/items/{result.id}"
    if result.etag:
        response["ETag"] = result.etag
    return response


def _attribute_of(layer: Layer, column: str) -> str | None:
    """The published attribute stored in ``column`` (``zone`` for ``zone_id``)."""
    return next((name for name in layer.options.fields if layer.column(name) == column), None)


def _options(
    request: HttpRequest, slug: str, read: tuple[str, ...], write: tuple[str, ...]
) -> HttpResponse:
    """``OPTIONS``: ``Allow`` lists the methods this user may use here. QGIS asks on the items and
    on one item (an id that may not exist, ``unknown_id``, when the layer is empty) and enables
    adding, changing and deleting from the answer, so it does not depend on the item existing."""
    if read_only_collection(slug) is not None:
        allowed = list(read)
        response = HttpResponse(status=HTTPStatus.NO_CONTENT)
        response["Allow"] = ", ".join(allowed)
        return response
    layer, user = _visible_layer(request, slug)
    allowed = [*read[:-1], *(write if layer.user_can_edit(user) else ()), read[-1]]
    response = HttpResponse(status=HTTPStatus.NO_CONTENT)
    response["Allow"] = ", ".join(allowed)
    response["Vary"] = "Cookie, Authorization"
    if user.is_authenticated:
        response["Cache-Control"] = "private"
    return response


def _content_crs(request: HttpRequest) -> str:
    return actions.parse_content_crs(request.headers.get("Content-Crs"))


def _is_feature(request: HttpRequest) -> bool:
    """A create carries a GeoJSON Feature (``application/geo+json``, as QGIS sends it); a POST of
    another JSON object that is not a Feature is a CQL2-JSON filter. Anything else goes to the
    write path, which refuses it as malformed (400)."""
    if request.content_type == "application/geo+json":
        return True
    body = request.body
    if len(body) > ogc_settings()["MAX_BODY_BYTES"]:
        return True  # refused as too large by the write path
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return True  # refused as not JSON by the write path
    return not isinstance(doc, dict) or doc.get("type") == "Feature"


def _geojson[R: HttpResponseBase](response: R, request: HttpRequest) -> R:
    """Features and feature collections as ``application/geo+json`` (``/req/geojson/definition``):
    pygeoapi labels its GeoJSON ``application/json``. HTML, JSON-LD and errors keep their type."""
    fmt = (request.GET.get("f") or "").lower()
    if (
        response.status_code == HTTPStatus.OK
        and fmt not in ("html", "jsonld")
        and response.get("Content-Type", "").startswith("application/json")
    ):
        response["Content-Type"] = GEOJSON
    return response


@replica_reads()  # GET and HEAD; a CQL2-JSON POST query stays on the primary
@csrf_exempt
def items(request: HttpRequest, collection_id: str) -> HttpResponseBase:
    check_query(request, "items", collection_id)
    if request.method == "POST":
        if not _is_feature(request):  # a CQL2-JSON query
            return _run_items(request, collection_id)
        do = lambda layer, user: actions.create_feature(  # noqa: E731
            layer, user, request.body, _content_crs(request)
        )
        return _write(request, collection_id, do, HTTPStatus.CREATED)
    if request.method in ("GET", "HEAD"):
        return _run_items(request, collection_id)
    if request.method == "OPTIONS":
        return _options(request, collection_id, READ_METHODS, ITEMS_WRITE_METHODS)
    raise MethodNotAllowed(_("method not allowed"), allowed=ITEMS_METHODS)


@replica_reads()
@csrf_exempt
def item(request: HttpRequest, collection_id: str, item_id: str) -> HttpResponse:
    check_query(request, "item", collection_id)
    if_match = request.headers.get("If-Match")
    if request.method in ("GET", "HEAD"):
        refresh_collection(collection_id)
        response = _run(
            itemtypes_api.get_collection_item, request, collection_id, item_id, any_format=True
        )
        if (
            response.status_code == HTTPStatus.OK
            and item_id.isdigit()
            and read_only_collection(collection_id) is None
        ):
            etag = actions.feature_etag(get_layer(collection_id), int(item_id))
            if etag:
                response["ETag"] = etag
        return _geojson(response, request)
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
        return _options(request, collection_id, READ_METHODS, ITEM_WRITE_METHODS)
    raise MethodNotAllowed(_("method not allowed"), allowed=ITEM_METHODS)
