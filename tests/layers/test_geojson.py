"""Reading request GeoJSON into the storage SRID (layers.common.geojson), on hand-made geometries:
a 100 m square drawn in the storage CRS and given in longitude/latitude, axis orders, bad rings
and bodies that are not geometries."""

from __future__ import annotations

import json

import pytest
from pyproj import Transformer

from layers.common.errors import InvalidGeometry
from layers.common.geojson import CRS84, MESSAGES, parse_geometry
from tests.factories import ORIGIN, SRID

# The messages are checked by their English source text.
pytestmark = pytest.mark.usefixtures("english")
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
TO_LONLAT = Transformer.from_crs(SRID, 4326, always_xy=True)


def square_lonlat(x: float, y: float, side: float) -> list[list[float]]:
    """The ring of a ``side`` metre square whose south-west corner is ``(x, y)`` metres from
    ORIGIN in the storage CRS, each corner in longitude, latitude (by pyproj, not the code
    under test)."""
    x0, y0 = ORIGIN[0] + x, ORIGIN[1] + y
    corners = [(x0, y0), (x0 + side, y0), (x0 + side, y0 + side), (x0, y0 + side), (x0, y0)]
    return [list(TO_LONLAT.transform(cx, cy)) for cx, cy in corners]


def polygon(ring: list[list[float]]) -> dict:
    return {"type": "Polygon", "coordinates": [ring]}


def test_a_100_m_square_given_in_lonlat_is_10000_m2_in_the_storage_srid():
    geom = parse_geometry(polygon(square_lonlat(0, 0, 100)), CRS84)
    assert geom.srid == SRID
    # The square's sides are straight lines between its corners in both CRS: over 100 m the
    # curvature of a projected straight line is far below a millimetre.
    assert geom.area == pytest.approx(10_000, abs=0.01)
    # Its south-west corner comes back where it was drawn, to the centimetre (pyproj's
    # transformations there and back differ by a few millimetres).
    x, y = geom.coords[0][0]
    assert (x, y) == pytest.approx(ORIGIN, abs=0.01)


def test_the_same_body_as_bytes_text_dict_or_feature():
    ring = square_lonlat(0, 0, 100)
    as_dict = parse_geometry(polygon(ring))
    for data in (
        json.dumps(polygon(ring)).encode(),
        json.dumps(polygon(ring)),
        {"type": "Feature", "geometry": polygon(ring), "properties": {}},
    ):
        assert parse_geometry(data).equals_exact(as_dict, tolerance=1e-6)


def test_epsg_4326_is_latitude_first_and_crs84_longitude_first():
    lonlat = square_lonlat(0, 0, 100)
    latlon = [[lat, lon] for lon, lat in lonlat]
    in_crs84 = parse_geometry(polygon(lonlat), CRS84)
    in_4326 = parse_geometry(polygon(latlon), EPSG + "4326")
    assert in_4326.equals_exact(in_crs84, tolerance=0.001)  # the same place, to the millimetre
    # Longitude first in EPSG:4326 reads the city's longitude (about 7 or 8 degrees west) as a
    # latitude south of the equator: a valid position, thousands of kilometres away.
    elsewhere = parse_geometry(polygon(lonlat), EPSG + "4326")
    assert elsewhere.centroid.distance(in_crs84.centroid) > 2_000_000


def test_coordinates_in_the_storage_crs_are_kept_as_given():
    x0, y0 = ORIGIN
    ring = [[x0, y0], [x0 + 100, y0], [x0 + 100, y0 + 50], [x0, y0 + 50], [x0, y0]]
    geom = parse_geometry(polygon(ring), f"{EPSG}{SRID}")
    assert geom.coords[0] == tuple(tuple(p) for p in ring)
    assert geom.area == 5000


def test_a_single_geometry_is_given_the_multi_type_asked_for_and_made_2d():
    lon, lat = TO_LONLAT.transform(*ORIGIN)
    geom = parse_geometry(polygon(square_lonlat(0, 0, 100)), geometry_type="MultiPolygon")
    assert geom.geom_type == "MultiPolygon" and len(geom) == 1
    point = parse_geometry({"type": "Point", "coordinates": [lon, lat, 55.0]})
    assert point.geom_type == "Point" and not point.hasz
    assert (point.x, point.y) == pytest.approx(ORIGIN, abs=0.01)


@pytest.mark.parametrize(
    ("ring", "reason", "words"),
    [
        # Four positions, the last not back at the first: GEOS's reader refuses it, never closes it.
        ([[0, 0], [100, 0], [100, 100], [0, 100]], "unreadable", "closed"),
        # Closed, but three positions: a ring needs four.
        ([[0, 0], [100, 0], [0, 0]], "invalid", "Too few points"),
        # A bow-tie: the ring crosses itself at (50, 50).
        ([[0, 0], [100, 100], [100, 0], [0, 100], [0, 0]], "invalid", "Self-intersection"),
    ],
)
def test_bad_rings_are_refused_with_the_reason(ring, reason, words):
    x0, y0 = ORIGIN
    shifted = [[x0 + x, y0 + y] for x, y in ring]
    with pytest.raises(InvalidGeometry, match=words) as refused:
        parse_geometry(polygon(shifted), f"{EPSG}{SRID}")
    assert str(refused.value).startswith(str(MESSAGES[reason]).split("{")[0])


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not_json"),
        (b"\xff\xfe", "not_json"),
        (b"[1, 2]", "not_geometry"),
        (b'"Polygon"', "not_geometry"),
        (b'{"type": "FeatureCollection", "features": []}', "not_geometry"),
        (b'{"type": "Feature", "geometry": null, "properties": {}}', "not_geometry"),
        (b'{"type": "Polygonz", "coordinates": []}', "not_geometry"),
        (b'{"type": "Point", "coordinates": ["-7.6", "33.6"]}', "unreadable"),
        (b'{"type": "Point", "coordinates": [-7.6]}', "unreadable"),
        (b'{"type": "Point", "coordinates": [NaN, 33.6]}', "unreadable"),
        (b'{"type": "Polygon"}', "unreadable"),
        (b'{"type": "Polygon", "coordinates": []}', "empty"),
        (b'{"type": "Point", "coordinates": [700, 33.6]}', "coordinates"),
        (b'{"type": "Point", "coordinates": [-7.6, 95]}', "coordinates"),
    ],
)
def test_bodies_that_are_not_a_geometry_in_range_are_refused(body, reason):
    with pytest.raises(InvalidGeometry) as refused:
        parse_geometry(body, CRS84)
    assert str(refused.value).startswith(str(MESSAGES[reason]).split("{")[0])


def test_latitude_range_follows_the_axis_order():
    # (-7.6, 95) is out of range in CRS84 (latitude 95) and in range in EPSG:4326, where 95 is a
    # longitude and -7.6 a latitude.
    point = {"type": "Point", "coordinates": [-7.6, 95]}
    with pytest.raises(InvalidGeometry, match="longitude then a latitude"):
        parse_geometry(point, CRS84)
    assert parse_geometry(point, EPSG + "4326").srid == SRID


def test_wrong_type_and_vertex_limit():
    square = polygon(square_lonlat(0, 0, 100))
    with pytest.raises(InvalidGeometry, match="expected a MultiLineString geometry, got Polygon"):
        parse_geometry(square, geometry_type="MultiLineString")
    with pytest.raises(InvalidGeometry, match="expected a Polygon geometry, got MultiPolygon"):
        parse_geometry(
            {"type": "MultiPolygon", "coordinates": [[square_lonlat(0, 0, 100)]]},
            geometry_type="Polygon",
        )
    assert parse_geometry(square, max_vertices=5).num_coords == 5
    with pytest.raises(InvalidGeometry, match="more than 4 vertices"):
        parse_geometry(square, max_vertices=4)


def test_a_caller_words_the_refusals_its_own_way():
    words = {"invalid": "Le contour n'est pas valide : {detail}.", "empty": "Vide."}
    x0, y0 = ORIGIN
    bowtie = [[x0, y0], [x0 + 10, y0 + 10], [x0 + 10, y0], [x0, y0 + 10], [x0, y0]]
    with pytest.raises(InvalidGeometry, match=r"^Le contour n'est pas valide : Self-intersection"):
        parse_geometry(polygon(bowtie), f"{EPSG}{SRID}", messages=words)
    with pytest.raises(InvalidGeometry, match=r"^Vide\.$"):
        parse_geometry({"type": "Polygon", "coordinates": []}, messages=words)
    with pytest.raises(InvalidGeometry, match="^geometry is not valid GeoJSON"):  # not reworded
        parse_geometry({"type": "Polygon"}, messages=words)


def test_an_unknown_crs_is_refused():
    with pytest.raises(InvalidGeometry, match="unknown CRS"):
        parse_geometry(polygon(square_lonlat(0, 0, 100)), EPSG + "999999")
