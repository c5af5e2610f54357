"""The move from the city's local frame to the storage SRID: every geometry valid as written."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from layers.demo.frame import CityFrame

# The frame of the demo city as read from the boundaries (Place Mohammed V in EPSG:26191, the
# coast's direction), typed here so that the test needs no database.
FRAME = CityFrame(
    centre=(294004.4124259626, 335030.5674048178),
    angle=0.28924302772576405,
    city=shapely.Polygon(),
    coast=shapely.LineString(),
)
# Four vertices of a zone of the city size (local frame) where a park clipped by the city's edge
# was cut out of the zone: the first vertex, on the park's edge, lies 5e-13 m off the city's edge
# from the second vertex to the third, on its inner side. Valid here; rotated, the vertex falls on
# the other side and the ring crosses itself.
SLIVER = [
    (-8431.482796961505, 890.0),
    (-8535.524192473747, 760.2221739466931),
    (-8402.042902409978, 926.7223593582653),
    (-8364.141999434936, 939.462398930182),
]


def test_a_polygon_valid_by_less_than_a_rounding_error_stays_valid_in_the_storage_srid():
    local = shapely.MultiPolygon([shapely.Polygon(SLIVER)])
    assert local.is_valid
    moved = FRAME.to_world(np.array([local], dtype=object))
    for world in (moved[0], FRAME.to_world(local)):  # an array of geometries, or one
        assert world.geom_type == "MultiPolygon"
        assert world.is_valid, shapely.is_valid_reason(world)
        # the same ground, less the sliver of no width between the vertex and the edge
        assert world.area == pytest.approx(local.area, abs=1e-3)
        assert shapely.symmetric_difference(FRAME.to_local(world), local).area < 1e-3


def test_geometries_the_move_keeps_valid_are_only_moved():
    local = np.array(
        [
            shapely.Point(120.0, -35.5),
            shapely.MultiLineString([[(0.0, 0.0), (200.0, 0.0), (200.0, 150.0)]]),
            shapely.MultiPolygon([shapely.box(-75.0, -60.0, 0.0, 0.0)]),
            None,
        ],
        dtype=object,
    )
    c, s = np.cos(FRAME.angle), np.sin(FRAME.angle)
    rotated = shapely.transform(
        local,
        lambda xy: (
            np.column_stack([xy[:, 0] * c - xy[:, 1] * s, xy[:, 0] * s + xy[:, 1] * c])
            + np.array(FRAME.centre)
        ),
    )
    world = FRAME.to_world(local)
    assert world[3] is None
    assert shapely.equals_exact(world[:3], rotated[:3], tolerance=0.0).all()
