"""The query builder: pure, bound parameters, quoted identifiers, per-zoom settings."""

from __future__ import annotations

import math

import pytest

from layers.common.registry import get_layer
from tiles.mvt import build_tile_query, feature_cap, layers_at_zoom, simplify_tolerance


def test_builder_is_pure_and_binds_every_value(settings):
    # No database fixture: any query here would fail the test.
    statement, params = build_tile_query(
        [get_layer("parcels"), get_layer("roads")], 16, 31381, 26268
    )
    assert '"parcels_parcel"' in statement and '"roads_roadsegment"' in statement
    # Slugs, coordinates and caps are parameters, not text of the statement.
    assert "'parcels'" not in statement and "31381" not in statement and "20000" not in statement
    assert params["name_0"] == "parcels" and params["name_1"] == "roads"
    assert (params["z"], params["x"], params["y"]) == (16, 31381, 26268)
    assert params["cap_0"] == 20000  # the parcels layer's own cap
    assert params["cap_1"] == settings.TILES["MAX_FEATURES_PER_TILE"]
    assert params["storage_srid"] == settings.GIS["STORAGE_SRID"]
    assert params["tile_srid"] == settings.GIS["TILE_SRID"]
    # The envelope is densified: the buffered tile side cut into DENSIFY_SEGMENTS pieces.
    side = 2 * 20037508.342789244 / 2**16 * (1 + 2 * 256 / 4096)
    assert params["segment"] == pytest.approx(side / settings.TILES["DENSIFY_SEGMENTS"])
    # The column is never transformed in the WHERE clause: the envelope is.
    assert "WHERE geom && (SELECT envelope FROM tile_envelope)" in statement
    assert statement.count("ST_AsMVT(") == 2


def test_builder_refuses_an_empty_layer_list():
    with pytest.raises(ValueError):
        build_tile_query([], 10, 0, 0)


def test_zoom_range_and_caps_come_from_the_registry(settings):
    parcels, roads = get_layer("parcels"), get_layer("roads")
    assert layers_at_zoom([parcels, roads], 12) == [roads]  # parcels start at 14
    assert layers_at_zoom([parcels, roads], 14) == [parcels, roads]
    settings.TILES = {**settings.TILES, "MAX_FEATURES_PER_TILE": 7}
    assert feature_cap(roads) == 7 and feature_cap(parcels) == 20000


def test_simplification_shrinks_with_zoom_and_spares_points(settings):
    roads, lights = get_layer("roads"), get_layer("street-lights")
    y12 = 1641  # a row at Casablanca's latitude (about 33.6 N)
    # Half a pixel of a 256-pixel tile at zoom 12, in ground metres at that latitude.
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y12 + 0.5) / 2**12))))
    expected = 2 * 20037508.342789244 / 2**12 / 256 * math.cos(math.radians(lat)) * 0.5
    settings.TILES = {**settings.TILES, "SIMPLIFY_PIXELS": 0.5}
    assert simplify_tolerance(roads, 12, y12) == pytest.approx(expected)
    assert simplify_tolerance(roads, 13, 2 * y12) == pytest.approx(expected / 2, rel=1e-3)
    assert simplify_tolerance(roads, settings.TILES["SIMPLIFY_BELOW_ZOOM"], 0) == 0
    assert simplify_tolerance(lights, 12, y12) == 0
