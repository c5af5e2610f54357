"""OGC API - Tiles (OGC 20-057) documents of the registry's vector layers, beside ``/ogc``.

pygeoapi serves tiles only from its own tile providers, not from the platform's tile statement,
so the tileset documents are written here and the tiles themselves are the ones ``/tiles`` serves
(same statement, cache, ETag and permissions): ``/ogc/collections/{id}/tiles/WebMercatorQuad/
{tileMatrix}/{tileRow}/{tileCol}`` is ``/tiles/{id}/{z}/{x}/{y}.mvt`` with ``z = tileMatrix``,
``y = tileRow``, ``x = tileCol``.

The only tile matrix set is WebMercatorQuad, written from OGC 17-083r4 (Two Dimensional Tile
Matrix Set and Tile Set Metadata), Annex D.1: EPSG:3857, 256-pixel tiles, origin at the top left
corner of the world, ``2^z`` tiles a side at level ``z``.

:func:`conformance_classes` and :func:`collection_links` are what the ``/ogc`` conformance and
collection documents add to pygeoapi's."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings

from layers.common.registry import Layer
from tiles.mvt import tile_columns

TILES_CONFORMANCE = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf"
TMS_CONFORMANCE = "http://www.opengis.net/spec/tms/2.0/conf"

TMS_ID = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
TMS_CRS = "http://www.opengis.net/def/crs/EPSG/0/3857"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
WELL_KNOWN_SCALE_SET = "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible"

REL_TILESETS_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
REL_TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
REL_TILING_SCHEMES = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"

MVT = "application/vnd.mapbox-vector-tile"
JSON = "application/json"
STYLE_JSON = "application/vnd.mapbox.style+json"

# OGC 17-083r4 Annex D.1: the world is 2 * 20037508.3427892 m wide (EPSG:3857 with a sphere of
# radius 6378137 m); level 0 is one 256-pixel tile, and a pixel is 0.28 mm (the standardized
# rendering pixel size), hence the scale denominators.
TMS_HALF_WIDTH = 20037508.3427892
TMS_TILE_SIZE = 256
TMS_LEVELS = 25  # 0..24
PIXEL_SIZE_M = 0.00028

GEOMETRY_DIMENSION = {"Point": 0, "LineString": 1, "Polygon": 2}
JSON_SCHEMA_TYPES = {
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "date": "string",
    "datetime": "string",
    "string": "string",
}


def conformance_classes() -> list[str]:
    """The OGC API - Tiles and TMS requirement classes these documents meet, for the ``/ogc``
    conformance document."""
    return [
        f"{TILES_CONFORMANCE}/core",
        f"{TILES_CONFORMANCE}/tileset",
        f"{TILES_CONFORMANCE}/tilesets-list",
        f"{TILES_CONFORMANCE}/geodata-tilesets",
        f"{TILES_CONFORMANCE}/mvt",
        f"{TMS_CONFORMANCE}/tilematrixset",
        f"{TMS_CONFORMANCE}/json-tilematrixset",
    ]


def collection_links(slug: str, base_url: str) -> list[dict[str, Any]]:
    """The links a collection document of ``/ogc`` (``base_url``, e.g. ``PUBLIC_URL + "/ogc"``)
    adds for layer ``slug``: its vector tilesets and its style."""
    base = base_url.rstrip("/")
    root = base.removesuffix("/ogc")
    return [
        {
            "rel": REL_TILESETS_VECTOR,
            "type": JSON,
            "title": "Vector tilesets",
            "href": f"{base}/collections/{slug}/tiles",
        },
        {
            "rel": "stylesheet",
            "type": STYLE_JSON,
            "title": "Style (MapLibre / Mapbox GL, version 8)",
            "href": f"{root}/tiles/{slug}/style.json",
        },
    ]


def landing_links(base_url: str) -> list[dict[str, Any]]:
    """The link the ``/ogc`` landing page adds: the tile matrix sets."""
    return [
        {
            "rel": REL_TILING_SCHEMES,
            "type": JSON,
            "title": "Tile matrix sets",
            "href": f"{base_url.rstrip('/')}/tileMatrixSets",
        }
    ]


# --- tile matrix set ------------------------------------------------------------------------


def tile_matrix(level: int) -> dict[str, Any]:
    """Level ``level`` of WebMercatorQuad (OGC 17-083r4, Table D.1)."""
    cell_size = 2 * TMS_HALF_WIDTH / TMS_TILE_SIZE / 2**level
    return {
        "id": str(level),
        "scaleDenominator": cell_size / PIXEL_SIZE_M,
        "cellSize": cell_size,
        "cornerOfOrigin": "topLeft",
        "pointOfOrigin": [-TMS_HALF_WIDTH, TMS_HALF_WIDTH],
        "tileWidth": TMS_TILE_SIZE,
        "tileHeight": TMS_TILE_SIZE,
        "matrixWidth": 2**level,
        "matrixHeight": 2**level,
    }


def web_mercator_quad() -> dict[str, Any]:
    """The WebMercatorQuad tile matrix set in the JSON encoding of OGC 17-083r4 (TMS 2.0)."""
    return {
        "id": TMS_ID,
        "title": "Google Maps Compatible for the World",
        "uri": TMS_URI,
        "crs": TMS_CRS,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": WELL_KNOWN_SCALE_SET,
        "boundingBox": {
            "lowerLeft": [-TMS_HALF_WIDTH, -TMS_HALF_WIDTH],
            "upperRight": [TMS_HALF_WIDTH, TMS_HALF_WIDTH],
            "crs": TMS_CRS,
            "orderedAxes": ["X", "Y"],
        },
        "tileMatrices": [tile_matrix(level) for level in range(TMS_LEVELS)],
    }


def tile_matrix_sets(base_url: str) -> dict[str, Any]:
    """``/tileMatrixSets``: the list of the sets served (one)."""
    base = base_url.rstrip("/")
    href = f"{base}/tileMatrixSets/{TMS_ID}"
    return {
        "links": [{"rel": "self", "type": JSON, "href": f"{base}/tileMatrixSets"}],
        "tileMatrixSets": [
            {
                "id": TMS_ID,
                "title": "Google Maps Compatible for the World",
                "uri": TMS_URI,
                "crs": TMS_CRS,
                "links": [{"rel": "self", "type": JSON, "href": href}],
            }
        ],
    }


def tile_matrix_set(base_url: str) -> dict[str, Any]:
    href = f"{base_url.rstrip('/')}/tileMatrixSets/{TMS_ID}"
    return {**web_mercator_quad(), "links": [{"rel": "self", "type": JSON, "href": href}]}


# --- tilesets ---------------------------------------------------------------------------------


def tile_col_row(lon: float, lat: float, level: int) -> tuple[int, int]:
    """(tileCol, tileRow) of WebMercatorQuad level ``level`` holding the point."""
    n = 2**level
    col = math.floor((lon + 180.0) / 360.0 * n)
    row = math.floor((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(max(col, 0), n - 1), min(max(row, 0), n - 1)


def tile_matrix_set_limits(layer: Layer) -> list[dict[str, Any]]:
    """The tiles of the city's extent at each level of the layer's zoom range: the tiles a
    client may ask; any other tile of the layer's tileset is a 404."""
    west, south, east, north = settings.GIS_EXTENT_LONLAT
    limits = []
    for level in range(layer.options.min_zoom, layer.options.max_zoom + 1):
        min_col, min_row = tile_col_row(west, north, level)
        max_col, max_row = tile_col_row(east, south, level)
        limits.append(
            {
                "tileMatrix": str(level),
                "minTileRow": min_row,
                "maxTileRow": max_row,
                "minTileCol": min_col,
                "maxTileCol": max_col,
            }
        )
    return limits


def within_limits(layer: Layer, level: int, row: int, col: int) -> bool:
    """Whether tile ``level/row/col`` lies in the layer's ``tileMatrixSetLimits``."""
    if not layer.options.min_zoom <= level <= layer.options.max_zoom:
        return False
    west, south, east, north = settings.GIS_EXTENT_LONLAT
    min_col, min_row = tile_col_row(west, north, level)
    max_col, max_row = tile_col_row(east, south, level)
    return min_row <= row <= max_row and min_col <= col <= max_col


def _geometry_dimension(layer: Layer) -> int:
    kind = layer.geometry_type.removeprefix("Multi")
    return GEOMETRY_DIMENSION.get(kind, 2)


def _properties_schema(layer: Layer) -> dict[str, Any]:
    types = layer.field_types()
    properties = {}
    for _, name in tile_columns(layer):  # the id travels as the feature id, not a property
        kind = types.get(name) or "string"
        entry: dict[str, Any] = {"type": JSON_SCHEMA_TYPES[kind]}
        if kind in ("date", "datetime"):
            entry["format"] = "date-time" if kind == "datetime" else "date"
        properties[name] = entry
    return {"type": "object", "properties": properties}


def _tileset_summary_links(layer: Layer, base: str) -> list[dict[str, Any]]:
    return [
        {
            "rel": "self",
            "type": JSON,
            "title": f"{layer.slug} in {TMS_ID}",
            "href": f"{base}/collections/{layer.slug}/tiles/{TMS_ID}",
        },
        {
            "rel": REL_TILING_SCHEME,
            "type": JSON,
            "title": TMS_ID,
            "href": f"{base}/tileMatrixSets/{TMS_ID}",
        },
    ]


def tileset_list(layer: Layer, base_url: str, lang: str = "fr") -> dict[str, Any]:
    """``/collections/{id}/tiles``: the layer's vector tilesets (one, in WebMercatorQuad)."""
    base = base_url.rstrip("/")
    return {
        "links": [
            {"rel": "self", "type": JSON, "href": f"{base}/collections/{layer.slug}/tiles"},
            {"rel": "collection", "type": JSON, "href": f"{base}/collections/{layer.slug}"},
        ],
        "tilesets": [
            {
                "title": layer.title(lang),
                "dataType": "vector",
                "crs": TMS_CRS,
                "tileMatrixSetURI": TMS_URI,
                "links": _tileset_summary_links(layer, base),
            }
        ],
    }


def tileset(layer: Layer, base_url: str, lang: str = "fr") -> dict[str, Any]:
    """``/collections/{id}/tiles/WebMercatorQuad``: the tileset metadata (OGC 17-083r4, clause
    10), with the tile URL template, the zoom range, the extent and the layer's attributes."""
    base = base_url.rstrip("/")
    root = base.removesuffix("/ogc")
    opts = layer.options
    west, south, east, north = settings.GIS_EXTENT_LONLAT
    template = (
        f"{base}/collections/{layer.slug}/tiles/{TMS_ID}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"
    )
    description = opts.description.get(lang) or opts.description["fr"]
    center_level = max(opts.min_zoom, min(14, opts.max_zoom))
    return {
        "title": layer.title(lang),
        "description": description,
        "dataType": "vector",
        "crs": TMS_CRS,
        "tileMatrixSetURI": TMS_URI,
        "tileMatrixSetLimits": tile_matrix_set_limits(layer),
        "boundingBox": {
            "lowerLeft": [west, south],
            "upperRight": [east, north],
            "crs": CRS84,
        },
        "centerPoint": {
            "coordinates": [round((west + east) / 2, 6), round((south + north) / 2, 6)],
            "crs": CRS84,
            "tileMatrix": str(center_level),
        },
        "attribution": opts.attribution,
        "license": opts.licence,
        "layers": [
            {
                "id": layer.slug,
                "title": layer.title(lang),
                "description": description,
                "dataType": "vector",
                "geometryDimension": _geometry_dimension(layer),
                "minTileMatrix": str(opts.min_zoom),
                "maxTileMatrix": str(opts.max_zoom),
                "propertiesSchema": _properties_schema(layer),
            }
        ],
        "links": [
            *_tileset_summary_links(layer, base),
            {"rel": "collection", "type": JSON, "href": f"{base}/collections/{layer.slug}"},
            {
                "rel": "item",
                "type": MVT,
                "title": "Vector tiles (URL template)",
                "href": f"{template}?f=mvt",
                "templated": True,
            },
            {
                "rel": "describedby",
                "type": JSON,
                "title": "TileJSON",
                "href": f"{root}/tiles/{layer.slug}.json",
            },
            {
                "rel": "stylesheet",
                "type": STYLE_JSON,
                "title": "Style (MapLibre / Mapbox GL, version 8)",
                "href": f"{root}/tiles/{layer.slug}/style.json",
            },
        ],
    }
