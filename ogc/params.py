"""The query parameters each OGC API endpoint accepts; any other is refused with 400
(OGC API - Features - Part 1, /req/core/query-param-unknown), in the OGC exception format.

A client that misspells a parameter (``?limt=10``, ``?bbx=...``) is told so instead of silently
getting an unfiltered answer. What is accepted is what pygeoapi reads on each endpoint, what the
platform adds (``cursor``, keyset paging: :mod:`ogc.paging`), every parameter that GDAL's OAPIF
driver and QGIS's OAPIF provider send, and, on the items, the collection's published properties
(property filters such as ``?land_status=titled``, /rec/core/fc-filters).

Extra parameters a user writes into a connection URL (GDAL and QGIS append them to every request)
are not known here and are refused like any other unknown parameter.

Only ``GET`` and ``HEAD`` are checked: a write carries its content in the body, and a ``POST`` of a
CQL2-JSON query is read by pygeoapi from the body too.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _

from layers.common.errors import InvalidRequest, UnknownLayer
from layers.common.registry import get_layer
from ogc.paging import CURSOR
from ogc.views_registry import read_only_collection

Endpoint = Literal[
    "landing", "conformance", "api", "collections", "collection", "items", "item", "queryables",
    "schema",
]  # fmt: skip

# Every endpoint: the format and the language (pygeoapi's APIRequest reads both everywhere).
COMMON = frozenset({"f", "lang"})

# The items (pygeoapi 0.24, ``pygeoapi.api.itemtypes.get_collection_items``, its
# ``reserved_fieldnames``): Part 1 (``bbox``, ``datetime``, ``limit``), Part 2 (``crs``,
# ``bbox-crs``), Part 3 (``filter``, ``filter-lang``, ``filter-crs``), sorting (``sortby``),
# ``properties``, ``skipGeometry``, ``offset``, ``resulttype``, ``q``.
PYGEOAPI_ITEMS = frozenset({
    "bbox", "bbox-crs", "crs", "datetime", "limit", "offset", "resulttype", "sortby",
    "properties", "skipGeometry", "q", "filter", "filter-lang", "filter-crs",
})  # fmt: skip

# What GDAL's OAPIF driver sends on the items (ogr/ogrsf_frmts/wfs/ogroapifdriver.cpp):
# ``limit`` (ResetReading, the PAGE_SIZE open option), ``bbox`` (AddFilters, from a spatial
# filter), ``bbox-crs`` and ``crs`` (GDAL 3.7 and later, a layer read in another CRS), ``datetime``
# (BuildFilter, from a date comparison), ``filter`` and ``filter-lang`` (BuildFilterCQLText,
# BuildFilterJSONFilterExpr), ``resultType=hits`` (GetFeatureCount, spelled so when the OpenAPI
# document declares it), and property equality filters (BuildFilter) on the properties below.
GDAL_ITEMS = frozenset({
    "limit", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang", "resultType",
})  # fmt: skip

# What QGIS's OAPIF provider sends on the items (src/providers/wfs/oapif/):
# ``limit`` (qgsoapifprovider.cpp: init ``?limit=10`` and featureCount ``?limit=1``;
# qgsoapiffeaturedownloaderimpl.cpp: the page size), ``bbox``, ``bbox-crs``, ``crs``
# (qgsoapiffeaturedownloaderimpl.cpp: the view's rectangle and the layer's CRS), ``datetime``
# (qgsoapifshareddata.cpp: compileExpressionNodeUsingPart1), ``filter``, ``filter-lang``,
# ``filter-crs`` (qgsoapifshareddata.cpp: computeFilter, CQL2 text), property equality filters on
# the simple queryables of the OpenAPI document (qgsoapifapirequest.cpp).
QGIS_ITEMS = frozenset({
    "limit", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang", "filter-crs",
})  # fmt: skip

ITEMS = COMMON | PYGEOAPI_ITEMS | GDAL_ITEMS | QGIS_ITEMS | {CURSOR}

# One item: pygeoapi reads ``crs`` (Part 2); ``properties`` and ``skipGeometry`` are accepted as on
# the items, so that a client that sends the same parameters to both is not refused.
ITEM = COMMON | {"crs", "properties", "skipGeometry"}

ACCEPTED: dict[Endpoint, frozenset[str]] = {
    "landing": COMMON,
    "conformance": COMMON,
    "api": COMMON | {"ui"},  # pygeoapi: ``ui=swagger`` or ``ui=redoc`` for the HTML page
    "collections": COMMON,
    "collection": COMMON,
    "items": ITEMS,
    "item": ITEM,
    # pygeoapi: ``profile`` (actual-domain / valid-domain) and ``properties``, declared in its
    # OpenAPI document for the queryables
    "queryables": COMMON | {"profile", "properties"},
    "schema": COMMON,
}

CHECKED_METHODS = ("GET", "HEAD")


def accepted(endpoint: Endpoint, collection_id: str | None = None) -> frozenset[str]:
    """The parameters ``endpoint`` accepts; on the items, the collection's published properties
    too (none for a collection that does not exist: the view answers 404)."""
    names = ACCEPTED[endpoint]
    if endpoint == "items" and collection_id is not None:
        derived = read_only_collection(collection_id)
        if derived is not None:
            return names | set(derived.fields)
        try:
            layer = get_layer(collection_id)
        except UnknownLayer:
            return names
        names = names | set(layer.options.fields)
    return names


def check_query(request: HttpRequest, endpoint: Endpoint, collection_id: str | None = None) -> None:
    """Refuse (400, ``InvalidParameterValue``) a ``GET`` or ``HEAD`` whose query string names a
    parameter ``endpoint`` does not accept. A collection that does not exist is left to the view
    (404)."""
    if request.method not in CHECKED_METHODS:
        return
    sent = set(request.GET.keys())
    if not sent:
        return
    unknown = sorted(sent - accepted(endpoint, collection_id))
    if unknown and collection_id is not None and not _exists(collection_id):
        return
    if unknown:
        raise InvalidRequest(
            _("unknown query parameter: %(names)s") % {"names": ", ".join(unknown)}
        )


def _exists(collection_id: str) -> bool:
    if read_only_collection(collection_id) is not None:
        return True
    try:
        get_layer(collection_id)
    except UnknownLayer:
        return False
    return True
