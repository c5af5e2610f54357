"""GeoJSON geometries sent by clients, read into GEOS geometries in the storage SRID.

One reading for every request that carries a geometry (an OGC API Features write, the outline
drawn for an e-renseignement note). The geometry is read by GEOS's own GeoJSON reader, which is
strict: an unclosed ring or a coordinate that is not a number is refused, never repaired. Its
coordinates are then transformed by pyproj in the axis order of the CRS they are given in
(longitude first in CRS84, the CRS of RFC 7946 GeoJSON; latitude first in EPSG:4326), made 2D,
and the result must be valid in the storage SRID.

Each refusal is an ``InvalidGeometry`` with the message of its reason (:data:`MESSAGES`), which a
caller may word in its own way. Two limits stay with the caller: the size of the request body, and
whether the geometry lies in the municipal extent (``layers.common.extent``).

The other way, the text of the features that PostgreSQL writes for OGC pages and open-data
downloads is laid out once, by :func:`feature_text_parts`.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import shapely
from django.contrib.gis.geos import GEOSGeometry, MultiLineString, MultiPoint, MultiPolygon
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from layers.common.conf import gis_settings
from layers.common.errors import InvalidGeometry

StrOrPromise = str | Promise  # a message, or a lazy one translated when shown

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOMETRY_TYPES = frozenset(
    {
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    }
)
MULTI: dict[str, type[GEOSGeometry]] = {
    "Point": MultiPoint,
    "LineString": MultiLineString,
    "Polygon": MultiPolygon,
}

Reason = Literal[
    "not_json",  # the text is not JSON
    "not_geometry",  # not a GeoJSON geometry object (nor a Feature holding one)
    "wrong_type",  # a geometry of another type than the one asked for
    "unreadable",  # a geometry object GEOS cannot read (an unclosed ring, a text coordinate)
    "empty",
    "too_many_vertices",
    "coordinates",  # outside the range of the CRS (a longitude of 700 degrees)
    "invalid",  # read, but not a valid geometry in the storage SRID (a ring crossing itself)
]

# The message of each refusal. A caller may word any of them its own way (``messages``), with
# the facts in braces: {detail} (the words of GEOS or of the parser), {found}, {expected},
# {max_vertices}, {crs}.
MESSAGES: dict[Reason, StrOrPromise] = {
    "not_json": gettext_lazy("the geometry is not JSON: {detail}"),
    "not_geometry": gettext_lazy("geometry is not valid GeoJSON: {found!r} is not a geometry type"),
    "wrong_type": gettext_lazy("expected a {expected} geometry, got {found}"),
    "unreadable": gettext_lazy("geometry is not valid GeoJSON: {detail}"),
    "empty": gettext_lazy("geometry is empty"),
    "too_many_vertices": gettext_lazy("geometry has more than {max_vertices} vertices"),
    "coordinates": gettext_lazy("geometry has coordinates out of the range of {crs}: {detail}"),
    "invalid": gettext_lazy("invalid geometry: {detail}"),
}


def parse_geometry(
    data: object,
    crs: str = CRS84,
    *,
    geometry_type: str | None = None,
    max_vertices: int | None = None,
    messages: Mapping[Reason, StrOrPromise] | None = None,
) -> GEOSGeometry:
    """A GeoJSON geometry (JSON text or bytes, or the decoded object; a Feature gives its
    geometry) with coordinates in ``crs`` (an OGC CRS URI) -> a valid 2D GEOS geometry in the
    storage SRID, or ``InvalidGeometry`` with the message of the reason (:data:`MESSAGES`).

    ``geometry_type``: the type wanted; for a ``Multi...`` type the single type is accepted too
    and returned as a one-part multi-geometry. ``max_vertices``: refused above that many."""
    words = {**MESSAGES, **(messages or {})}

    def refused(reason: Reason, detail: str = "", found: object = None) -> InvalidGeometry:
        facts = {"expected": geometry_type, "max_vertices": max_vertices, "crs": crs}
        return InvalidGeometry(str(words[reason]).format(detail=detail, found=found, **facts))

    if isinstance(data, bytes | bytearray | str):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise refused("not_json", str(exc)) from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in GEOMETRY_TYPES:
        found = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise refused("not_geometry", found=found)
    found_type = str(data["type"])
    if geometry_type is not None and found_type not in _accepted(geometry_type):
        raise refused("wrong_type", found=found_type)
    try:
        shape = shapely.from_geojson(json.dumps(data))
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        raise refused("unreadable", str(exc).removeprefix("ParseException: ")) from None
    if shape.is_empty:
        raise refused("empty")
    if max_vertices is not None and shapely.get_num_coordinates(shape) > max_vertices:
        raise refused("too_many_vertices")
    source = _source_crs(crs)
    if source is None:
        raise refused("coordinates", "unknown CRS")
    out_of_range = _out_of_range(shape.bounds, source)
    if out_of_range:
        raise refused("coordinates", out_of_range)
    srid = gis_settings()["STORAGE_SRID"]
    moved = shapely.transform(shape, _to_storage(crs, srid), interleaved=False)
    if not all(math.isfinite(v) for v in moved.bounds):
        raise refused("coordinates", "a position cannot be transformed to the storage CRS")
    geom = GEOSGeometry(memoryview(shapely.to_wkb(moved)), srid=srid)
    if geometry_type is not None and geom.geom_type != geometry_type:
        geom = MULTI[geom.geom_type](geom, srid=srid)
    if not geom.valid:
        raise refused("invalid", geom.valid_reason)
    return geom


def _accepted(geometry_type: str) -> set[str]:
    single = geometry_type.removeprefix("Multi")
    return {geometry_type, single} if single in MULTI else {geometry_type}


@functools.lru_cache(maxsize=16)
def _source_crs(crs: str) -> CRS | None:
    try:
        return CRS.from_user_input(crs)
    except CRSError:
        return None


def _out_of_range(bounds: tuple[float, float, float, float], source: CRS) -> str:
    """Why coordinates of a geographic CRS are not degrees (at most 180 of longitude, 90 of
    latitude, in the CRS's order of axes), or ``""``."""
    if not source.is_geographic:
        return ""
    xmin, ymin, xmax, ymax = bounds
    limits = [180.0 if a.direction in ("east", "west") else 90.0 for a in source.axis_info[:2]]
    if max(-xmin, xmax) <= limits[0] and max(-ymin, ymax) <= limits[1]:
        return ""
    first, second = ("longitude" if limit == 180.0 else "latitude" for limit in limits)
    return f"each position is a {first} then a {second}, in degrees"


@functools.lru_cache(maxsize=16)
def _to_storage(crs: str, srid: int) -> Callable[..., Any]:
    """Coordinates in ``crs``, in that CRS's order of axes -> the storage SRID."""
    return Transformer.from_crs(CRS.from_user_input(crs), CRS.from_epsg(srid)).transform


def feature_text_parts[T](
    id_: T, geometry: T, properties: Sequence[tuple[str, T]]
) -> list[str | T]:
    """The parts of a GeoJSON Feature's text, in order: fixed texts (``str``) and the caller's SQL
    expressions (``T``) of the JSON text of the id, the geometry and each property, ``null`` for a
    missing value. Joined with ``||`` by PostgreSQL, they are the Feature with no space between
    tokens (``ogc.provider`` for OGC pages, ``geoportal.portal.downloads`` for downloads)."""
    parts: list[str | T] = ['{"type":"Feature","id":', id_, ',"geometry":', geometry]
    parts.append(',"properties":{')
    for i, (name, value) in enumerate(properties):
        parts += [("," if i else "") + json.dumps(name) + ":", value]
    parts.append("}}")
    return parts
