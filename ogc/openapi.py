"""The OpenAPI document made self-contained: every ``$ref`` points inside it.

pygeoapi's document refers to the OGC's schema servers (schemas.opengis.net, raw GitHub) for the
Part 1 responses, ``datetime``, ``featureId``, ``sortby``, the CQL2 schema and the exception
schema: a client or a validator without access to those hosts (a municipal network, an offline
machine) cannot read it. :func:`self_contained` replaces each of them by a definition of its own
under ``#/components``, written here from OGC API - Features Part 1 (17-069r4) and Part 3
(19-079r2) and kept small: no network is used at any time.

It also:

- declares ``limit`` once, under ``#/components/parameters/limit``, with ``default`` and
  ``maximum`` from ``OGC["DEFAULT_LIMIT"]`` and ``OGC["MAX_LIMIT"]``, and makes every items path
  refer to it (QGIS takes its page size from that parameter, GDAL from its schema; pygeoapi writes
  it inline on each path);
- declares ``datetime`` on every collection's items (Part 1, /req/core/fc-time-definition;
  pygeoapi declares it only for collections with a time field);
- removes pygeoapi's ``vendorSpecificParameters`` (free-form parameters): an unknown parameter is
  refused (:mod:`ogc.params`), so the document does not promise otherwise.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

LOGGER = logging.getLogger(__name__)

LOCAL = "#/components/"

# -- Part 1 and Part 3 building blocks ------------------------------------------------------------

LINK: dict[str, Any] = {
    "type": "object",
    "required": ["href", "rel"],
    "properties": {
        "href": {"type": "string"},
        "rel": {"type": "string"},
        "type": {"type": "string"},
        "hreflang": {"type": "string"},
        "title": {"type": "string"},
        "length": {"type": "integer"},
    },
}

EXCEPTION: dict[str, Any] = {
    "type": "object",
    "description": "Information about the exception: an error code and a description.",
    "required": ["code"],
    "properties": {"code": {"type": "string"}, "description": {"type": "string"}},
}

GEOMETRY: dict[str, Any] = {
    "type": "object",
    "nullable": True,
    "description": "A GeoJSON geometry (RFC 7946).",
    "required": ["type"],
    "properties": {
        "type": {
            "type": "string",
            "enum": [
                "Point",
                "MultiPoint",
                "LineString",
                "MultiLineString",
                "Polygon",
                "MultiPolygon",
                "GeometryCollection",
            ],
        },
        "coordinates": {"type": "array", "items": {}},
        "geometries": {"type": "array", "items": {"$ref": f"{LOCAL}schemas/geometryGeoJSON"}},
    },
}

FEATURE: dict[str, Any] = {
    "type": "object",
    "required": ["type", "geometry", "properties"],
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "geometry": {"$ref": f"{LOCAL}schemas/geometryGeoJSON"},
        "properties": {"type": "object", "nullable": True},
        "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "links": {"type": "array", "items": {"$ref": f"{LOCAL}schemas/link"}},
    },
}

FEATURE_COLLECTION: dict[str, Any] = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"$ref": f"{LOCAL}schemas/featureGeoJSON"}},
        "links": {"type": "array", "items": {"$ref": f"{LOCAL}schemas/link"}},
        "timeStamp": {"type": "string", "format": "date-time"},
        "numberMatched": {"type": "integer", "minimum": 0},
        "numberReturned": {"type": "integer", "minimum": 0},
    },
}

LANDING_PAGE: dict[str, Any] = {
    "type": "object",
    "required": ["links"],
    "properties": {
        "title": {"type": "string"},
        "description": {"type": "string"},
        "links": {"type": "array", "items": {"$ref": f"{LOCAL}schemas/link"}},
    },
}

CONFORMANCE: dict[str, Any] = {
    "type": "object",
    "required": ["conformsTo"],
    "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
}

EXTENT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spatial": {
            "type": "object",
            "properties": {
                "bbox": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "array",
                        "minItems": 4,
                        "maxItems": 6,
                        "items": {"type": "number"},
                    },
                },
                "crs": {"type": "string"},
            },
        },
        "temporal": {
            "type": "object",
            "properties": {
                "interval": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "array",
                        "minItems": 2,
                        "maxItems": 2,
                        "items": {"type": "string", "format": "date-time", "nullable": True},
                    },
                },
                "trs": {"type": "string"},
            },
        },
    },
}

COLLECTION: dict[str, Any] = {
    "type": "object",
    "required": ["id", "links"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "links": {"type": "array", "items": {"$ref": f"{LOCAL}schemas/link"}},
        "extent": {"$ref": f"{LOCAL}schemas/extent"},
        "itemType": {"type": "string", "default": "feature"},
        "crs": {"type": "array", "items": {"type": "string"}},
    },
}

COLLECTIONS: dict[str, Any] = {
    "type": "object",
    "required": ["links", "collections"],
    "properties": {
        "links": {"type": "array", "items": {"$ref": f"{LOCAL}schemas/link"}},
        "collections": {"type": "array", "items": {"$ref": f"{LOCAL}schemas/collectionInfo"}},
    },
}

# CQL2-JSON (Part 3 with CQL2, OGC 21-065): an expression is a JSON object; its grammar is not
# repeated here.
CQL2: dict[str, Any] = {
    "type": "object",
    "description": "A CQL2-JSON filter expression (OGC 21-065).",
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "link": LINK,
    "exception": EXCEPTION,
    "geometryGeoJSON": GEOMETRY,
    "featureGeoJSON": FEATURE,
    "featureCollectionGeoJSON": FEATURE_COLLECTION,
    "landingPage": LANDING_PAGE,
    "confClasses": CONFORMANCE,
    "extent": EXTENT,
    "collectionInfo": COLLECTION,
    "collections": COLLECTIONS,
    "cql2": CQL2,
}


def _json(schema: str, *media_types: str) -> dict[str, Any]:
    return {t: {"schema": {"$ref": f"{LOCAL}schemas/{schema}"}} for t in media_types}


HTML = {"text/html": {"schema": {"type": "string"}}}

RESPONSES: dict[str, dict[str, Any]] = {
    "LandingPage": {
        "description": "The landing page: links to the API definition, the conformance "
        "declaration and the collections.",
        "content": {**_json("landingPage", "application/json"), **HTML},
    },
    "ConformanceDeclaration": {
        "description": "The conformance classes this API implements.",
        "content": {**_json("confClasses", "application/json"), **HTML},
    },
    "Collections": {
        "description": "The feature collections of this API.",
        "content": {**_json("collections", "application/json"), **HTML},
    },
    "Collection": {
        "description": "The description of one feature collection.",
        "content": {**_json("collectionInfo", "application/json"), **HTML},
    },
    "Features": {
        "description": "The features of the collection that match the parameters, one page.",
        "content": {**_json("featureCollectionGeoJSON", "application/geo+json"), **HTML},
    },
    "Feature": {
        "description": "One feature.",
        "content": {**_json("featureGeoJSON", "application/geo+json"), **HTML},
    },
    "InvalidParameter": {
        "description": "A query parameter is unknown or has an invalid value.",
        "content": _json("exception", "application/json"),
    },
    "NotFound": {
        "description": "The requested resource does not exist on the server.",
        "content": _json("exception", "application/json"),
    },
    "ServerError": {
        "description": "A server error occurred.",
        "content": _json("exception", "application/json"),
    },
}

PARAMETERS: dict[str, dict[str, Any]] = {
    "datetime": {
        "name": "datetime",
        "in": "query",
        "description": "Either a date-time or an interval (RFC 3339; open ends written '..'). "
        "Only features whose temporal property intersects the value are selected.",
        "required": False,
        "style": "form",
        "explode": False,
        "schema": {"type": "string"},
    },
    "featureId": {
        "name": "featureId",
        "in": "path",
        "description": "The id of a feature.",
        "required": True,
        "schema": {"type": "string"},
    },
    "sortby": {
        "name": "sortby",
        "in": "query",
        "description": "Comma-separated property names to sort by, each optionally preceded by "
        "'+' (ascending, the default) or '-' (descending).",
        "required": False,
        "style": "form",
        "explode": False,
        "schema": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": r"[+|-]?[A-Za-z_].*"},
        },
    },
    "filter": {
        "name": "filter",
        "in": "query",
        "description": "A filter expression (Part 3), in the language of 'filter-lang'.",
        "required": False,
        "schema": {"type": "string"},
    },
    "filter-lang": {
        "name": "filter-lang",
        "in": "query",
        "description": "The language of 'filter'.",
        "required": False,
        "schema": {"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"},
    },
    "filter-crs": {
        "name": "filter-crs",
        "in": "query",
        "description": "The CRS of the coordinates in 'filter' (default CRS84).",
        "required": False,
        "schema": {"type": "string", "format": "uri"},
    },
}

# Outside references pygeoapi 0.24 writes that carry no ``#/components/...`` fragment, and the
# local definition each becomes.
OUTSIDE_FILES: dict[str, str] = {
    "https://raw.githubusercontent.com/opengeospatial/ogcapi-records/master/core/openapi/"
    "parameters/sortby.yaml": f"{LOCAL}parameters/sortby",
    "https://schemas.opengis.net/cql2/1.0/cql2.json": f"{LOCAL}schemas/cql2",
    "https://schemas.opengis.net/ogcapi/processes/part1/1.0/openapi/schemas/exception.yaml": (
        f"{LOCAL}schemas/exception"
    ),
}

# What an unknown outside reference becomes (a release of pygeoapi adding one): the document stays
# self-contained; tests/ogc/test_openapi.py lists the outside references it expects.
FALLBACK: dict[str, str] = {
    "schemas": f"{LOCAL}schemas/any",
    "responses": f"{LOCAL}responses/default",
    "parameters": f"{LOCAL}parameters/unused",
}


def limit_parameter(default: int, maximum: int) -> dict[str, Any]:
    """``limit`` (Part 1, /req/core/fc-limit-definition) with the server's page sizes."""
    return {
        "name": "limit",
        "in": "query",
        "description": f"The number of items in a page (default {default}, at most {maximum}; "
        "a larger value is cut to the maximum).",
        "required": False,
        "style": "form",
        "explode": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
    }


def local_ref(ref: str, components: dict[str, dict[str, Any]]) -> str:
    """The local reference that stands for ``ref`` (itself when already local)."""
    if ref.startswith("#"):
        return ref
    if ref in OUTSIDE_FILES:
        return OUTSIDE_FILES[ref]
    _, _, fragment = ref.partition("#/components/")
    kind, _, name = fragment.partition("/")
    if kind in components and name in components[kind]:
        return f"{LOCAL}{kind}/{name}"
    LOGGER.warning("OpenAPI: no local definition for %s", ref)
    kind = kind if kind in FALLBACK else "schemas"
    return FALLBACK[kind]


def _rewrite(node: Any, components: dict[str, dict[str, Any]]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and len(node) == 1:
            return {"$ref": local_ref(ref, components)}
        return {k: _rewrite(v, components) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite(v, components) for v in node]
    return node


def _is_items_path(path: str) -> bool:
    parts = path.strip("/").split("/")
    return len(parts) == 3 and parts[0] == "collections" and parts[2] == "items"


def _items_parameters(parameters: list[Any]) -> list[Any]:
    """The items' GET parameters with ``limit`` by reference, ``datetime`` declared and no
    free-form parameters."""
    out: list[Any] = []
    names: set[str] = set()
    for parameter in parameters:
        ref = parameter.get("$ref", "")
        name = ref.rsplit("/", 1)[-1] if ref else parameter.get("name")
        if name == "vendorSpecificParameters":
            continue
        if name == "limit":
            parameter = {"$ref": f"{LOCAL}parameters/limit"}
        if name in names:
            continue
        names.add(str(name))
        out.append(parameter)
    for name in ("limit", "datetime"):
        if name not in names:
            out.append({"$ref": f"{LOCAL}parameters/{name}"})
    return out


def self_contained(doc: dict[str, Any], *, default_limit: int, max_limit: int) -> dict[str, Any]:
    """A copy of pygeoapi's OpenAPI document ``doc`` with no outside reference (see the
    module)."""
    doc = copy.deepcopy(doc)
    components = doc.setdefault("components", {})
    for kind in ("schemas", "responses", "parameters"):
        components.setdefault(kind, {})
    for name, schema in SCHEMAS.items():
        components["schemas"].setdefault(name, schema)
    components["schemas"].setdefault("any", {})
    for name, response in RESPONSES.items():
        components["responses"].setdefault(name, response)
    components["responses"].setdefault("default", {"description": "Unexpected error"})
    for name, parameter in PARAMETERS.items():
        components["parameters"].setdefault(name, parameter)
    components["parameters"]["limit"] = limit_parameter(default_limit, max_limit)
    components["parameters"].pop("vendorSpecificParameters", None)
    components["parameters"].setdefault(
        "unused", {"name": "unused", "in": "query", "required": False, "schema": {}}
    )
    for path, item in doc.get("paths", {}).items():
        if not _is_items_path(path):
            continue
        get = item.get("get")
        if get is not None:
            get["parameters"] = _items_parameters(get.get("parameters", []))
    # pygeoapi answers these two with the landing page's response
    for path, name in (
        ("/conformance", "ConformanceDeclaration"),
        ("/collections", "Collections"),
    ):
        operation = doc.get("paths", {}).get(path, {}).get("get")
        if operation is not None and "200" in operation.get("responses", {}):
            operation["responses"]["200"] = {"$ref": f"{LOCAL}responses/{name}"}
    rewritten: dict[str, Any] = _rewrite(doc, components)
    return rewritten
