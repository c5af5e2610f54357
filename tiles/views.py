"""Tile endpoints: thin wrappers that set the cache headers. Domain errors are raised and answered
as problem details by the project's error handler.

An empty tile answers 204. ``If-None-Match`` with the current ETag answers 304 after one small
version query, before any tile is computed or read."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from geoportal.language import active_language
from geoportal.replicas import replica_reads
from layers.common.errors import InvalidRequest
from layers.common.selectors import layer_stamps
from tiles import raster as raster_tiles
from tiles import vector
from tiles.conf import tile_settings
from tiles.grid import check_tile
from tiles.middleware import PUBLIC_TILE_ATTRIBUTE
from tiles.tilejson import raster_tilejson, vector_tilejson
from tiles.vector import Tile

MVT_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"


def _etag_matches(request: HttpRequest, etag: str) -> bool:
    return vector.etag_matches(request.headers.get("If-None-Match", ""), etag)


def _cache_headers(response: HttpResponse, etag: str, public: bool) -> HttpResponse:
    response["ETag"] = f'"{etag}"'
    max_age = tile_settings()["CACHE_MAX_AGE"]
    if public:
        response["Cache-Control"] = f"public, max-age={max_age}" if max_age else "public, no-cache"
    else:
        response["Cache-Control"] = "private, no-cache"
        response["Vary"] = "Cookie, Authorization"
    if public:
        response["Access-Control-Allow-Origin"] = "*"
        setattr(response, PUBLIC_TILE_ATTRIBUTE, True)
    return response


def _tile_response(
    request: HttpRequest, etag: str, public: bool, fetch: Callable[[], Tile], content_type: str
) -> HttpResponse:
    if _etag_matches(request, etag):
        return _cache_headers(HttpResponse(status=304), etag, public)
    tile = fetch()
    if not tile.content:
        return _cache_headers(HttpResponse(status=204), etag, public)
    return _cache_headers(HttpResponse(tile.content, content_type=content_type), etag, public)


@replica_reads()
@require_safe
def vector_tile(request: HttpRequest, slugs: str, z: int, x: int, y: int) -> HttpResponse:
    """Public tiles of one or more layers are answered by the lean path (:mod:`tiles.lean`) under
    gunicorn; this view answers the others (internal layers, errors) and every test client."""
    z, x, y = int(z), int(x), int(y)
    layers = vector.resolve_layers(slugs, request.user)
    check_tile(z, x, y)
    answer = vector.answer_vector_tile(
        layers, layer_stamps(layers), z, x, y, request.headers.get("If-None-Match", "")
    )
    if answer.status == 200:
        response = HttpResponse(answer.content, content_type=MVT_CONTENT_TYPE)
    else:
        response = HttpResponse(status=answer.status)
    return _cache_headers(response, answer.etag, answer.public)


@require_safe
def vector_tilejson_view(request: HttpRequest, slugs: str) -> HttpResponse:
    layers = vector.resolve_layers(slugs, request.user)
    template = reverse("tiles:vector_tile", kwargs={"slugs": slugs, "z": 0, "x": 0, "y": 0})
    prefix = request.build_absolute_uri(template.removesuffix("/0/0/0.mvt"))
    lang = active_language()
    doc = vector_tilejson(layers, prefix + "/{z}/{x}/{y}.mvt", lang)
    return JsonResponse(doc, json_dumps_params={"ensure_ascii": False})


@require_safe
def raster_tile(request: HttpRequest, slug: str, z: int, x: int, y: int, fmt: str) -> HttpResponse:
    z, x, y = int(z), int(x), int(y)
    raster = raster_tiles.get_raster_layer(slug, request.user)
    etag = raster_tiles.raster_etag(raster, z, x, y, fmt)
    return _tile_response(
        request,
        etag,
        raster.public,
        lambda: raster_tiles.get_raster_tile(raster, z, x, y, fmt, etag),
        raster_tiles.FORMATS[fmt][1],
    )


@require_safe
def raster_tilejson_view(request: HttpRequest, slug: str) -> HttpResponse:
    raster = raster_tiles.get_raster_layer(slug, request.user)
    fmt = request.GET.get("format", "png")
    if fmt not in raster_tiles.FORMATS:
        raise InvalidRequest(
            _("unknown raster tile format %(format)r: png or webp") % {"format": fmt},
            field="format",
        )
    kwargs = {"slug": slug, "z": 0, "x": 0, "y": 0, "fmt": fmt}
    template = reverse("tiles:raster_tile", kwargs=kwargs)
    prefix = request.build_absolute_uri(template.removesuffix(f"/0/0/0.{fmt}"))
    lang = active_language()
    doc = raster_tilejson(raster, prefix + "/{z}/{x}/{y}." + fmt, lang)
    return JsonResponse(doc, json_dumps_params={"ensure_ascii": False})
