"""Views of the tile documents: OGC API - Tiles (tile matrix sets, tilesets, tiles through the
URL template) and the MapLibre styles. The tiles themselves are ``/tiles``'s (:func:`tiles.views.
vector_tile`): same statement, cache, ETag and 304, same permissions.

An internal layer the user may not see answers 404, as a layer that does not exist. Errors under
``/ogc`` are answered in the OGC exception form by the project's error handler."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from layers.common.errors import InvalidRequest, NotFound, UnknownLayer
from layers.common.registry import Layer, get_layer
from tiles import ogcapi, styles, views
from tiles.vector import resolve_layers

STYLE_CONTENT_TYPE = "application/json"


def _ogc_base() -> str:
    return settings.PUBLIC_URL + "/ogc"


def _lang(request: HttpRequest) -> str:
    asked = request.GET.get("lang")
    if asked:
        return asked
    return (translation.get_language() or "fr").split("-")[0]


def _check_format(request: HttpRequest, *allowed: str) -> None:
    fmt = request.GET.get("f")
    if fmt is not None and fmt not in allowed:
        raise InvalidRequest(
            _("unknown format f=%(format)r: %(allowed)s")
            % {"format": fmt, "allowed": " or ".join(allowed)},
            field="f",
        )


def _check_tms(tms: str) -> None:
    if tms != ogcapi.TMS_ID:
        raise NotFound(
            _("unknown tile matrix set %(tms)r: %(known)s") % {"tms": tms, "known": ogcapi.TMS_ID}
        )


def _visible_layer(request: HttpRequest, slug: str) -> Layer:
    """The layer ``slug`` if the user may see it, else 404 as for a layer that does not exist."""
    try:
        layer = get_layer(slug)
    except UnknownLayer:
        raise UnknownLayer(_("unknown layer %(slug)s") % {"slug": repr(slug)}) from None
    if not layer.user_can_view(request.user):
        raise UnknownLayer(_("unknown layer %(slug)s") % {"slug": repr(slug)})
    return layer


def _json(doc: object, layer: Layer | None = None) -> JsonResponse:
    response = JsonResponse(doc, json_dumps_params={"ensure_ascii": False})
    if layer is None or layer.public:
        response["Access-Control-Allow-Origin"] = "*"
    else:
        response["Cache-Control"] = "private, no-cache"
        response["Vary"] = "Cookie, Authorization"
    return response


@require_safe
def tile_matrix_sets(request: HttpRequest) -> HttpResponse:
    _check_format(request, "json")
    return _json(ogcapi.tile_matrix_sets(_ogc_base()))


@require_safe
def tile_matrix_set(request: HttpRequest, tms: str) -> HttpResponse:
    _check_format(request, "json")
    _check_tms(tms)
    return _json(ogcapi.tile_matrix_set(_ogc_base()))


@require_safe
def tileset_list(request: HttpRequest, collection_id: str) -> HttpResponse:
    _check_format(request, "json")
    layer = _visible_layer(request, collection_id)
    return _json(ogcapi.tileset_list(layer, _ogc_base(), _lang(request)), layer)


@require_safe
def tileset(request: HttpRequest, collection_id: str, tms: str) -> HttpResponse:
    _check_format(request, "json")
    layer = _visible_layer(request, collection_id)
    _check_tms(tms)
    return _json(ogcapi.tileset(layer, _ogc_base(), _lang(request)), layer)


@require_safe
def tile(
    request: HttpRequest, collection_id: str, tms: str, level: str, row: str, col: str
) -> HttpResponse:
    """A tile through the OGC template: ``/tiles/{id}/{tileMatrix}/{tileCol}/{tileRow}.mvt``.
    A tile outside the tileset's ``tileMatrixSetLimits`` is a 404."""
    _check_format(request, "mvt")
    layer = _visible_layer(request, collection_id)
    _check_tms(tms)
    z, y, x = int(level), int(row), int(col)
    if not ogcapi.within_limits(layer, z, y, x):
        raise NotFound(
            _("tile %(z)s/%(y)s/%(x)s is outside the limits of the tileset of %(layer)r")
            % {"z": z, "y": y, "x": x, "layer": layer.slug}
        )
    return views.vector_tile(request, layer.slug, z, x, y)


@require_safe
def layer_style(request: HttpRequest, slug: str) -> HttpResponse:
    (layer,) = resolve_layers(slug, request.user)
    return _json(styles.layer_style(layer, _lang(request)), layer)


@require_safe
def default_style(request: HttpRequest) -> HttpResponse:
    return _json(styles.default_style(_lang(request)))
