"""The query builder: pure, bound parameters, quoted identifiers, per-zoom settings."""

from __future__ import annotations

import math

import pytest

from layers.common.registry import get_layer
from tiles.mvt import build_tile_query, feature_cap, layers_at_zoom


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
    assert params["margin"] == settings.TILES["BUFFER"] / settings.TILES["EXTENT"]
    # Features are found and drawn from the stored Web Mercator copy: nothing is transformed.
    assert "WHERE tile_geom && (SELECT search FROM tile_envelope)" in statement
    assert "ST_Transform" not in statement
    # A full tile keeps the largest features; the id is the feature id and no attribute.
    assert statement.count('ORDER BY "tile_size" DESC') == 2
    assert 'AS "id"' not in statement and "'__fid'" in statement
    assert statement.count("ST_AsMVT(") == 2


def test_each_zoom_draws_what_its_band_declares(settings):
    roads, parcels = get_layer("roads"), get_layer("parcels")
    # Roads up to zoom 12: the arterial classes, from the copy generalised for zoom 12.
    statement, params = build_tile_query([roads], 12, 1961, 1641)
    assert params["classes_0"] == ["motorway", "trunk", "primary", "secondary", "tertiary"]
    assert '"road_class" = ANY(%(classes_0)s)' in statement
    assert 't."tile_geom_z12"' in statement
    # From zoom 13 every road, from the full copy; nothing is generalised per request.
    statement, params = build_tile_query([roads], 13, 3922, 3282)
    assert "classes_0" not in params and 't."tile_geom"' in statement
    assert "ST_Simplify" not in statement
    # Parcels at 14 and 15: one square pixel at least, no attributes.
    y14 = 6568  # a row at Casablanca's latitude
    statement, params = build_tile_query([parcels], 14, 7846, y14)
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y14 + 0.5) / 2**14))))
    pixel = 2 * 20037508.342789244 / 2**14 / 256 * math.cos(math.radians(lat))  # ground metres
    assert params["size_0"] == pytest.approx(pixel**2)
    assert 'AS "reference"' not in statement and 'AS "land_status"' not in statement
    # At 16 every parcel, with its tile attributes.
    statement, params = build_tile_query([parcels], 16, 31386, 4 * y14)
    assert "size_0" not in params
    assert 'AS "reference"' in statement and 'AS "land_status"' in statement


def test_builder_refuses_an_empty_layer_list():
    with pytest.raises(ValueError):
        build_tile_query([], 10, 0, 0)


def test_zoom_range_and_caps_come_from_the_registry(settings):
    parcels, roads = get_layer("parcels"), get_layer("roads")
    assert layers_at_zoom([parcels, roads], 12) == [roads]  # parcels start at 14
    assert layers_at_zoom([parcels, roads], 14) == [parcels, roads]
    settings.TILES = {**settings.TILES, "MAX_FEATURES_PER_TILE": 7}
    assert feature_cap(roads) == 7 and feature_cap(parcels) == 20000


def test_a_zoom_keeps_one_statement_text_and_each_tile_binds_its_own_values():
    import dataclasses

    parcels = get_layer("parcels")
    # Two rows of zoom 14 far apart: the same text, each its own least size (a pixel's ground
    # area shrinks with the cosine of the latitude, squared).
    north, north_params = build_tile_query([parcels], 14, 7846, 6000)
    south, south_params = build_tile_query([parcels], 14, 7846, 8000)
    assert north == south and north is south  # kept, not built again
    assert north_params["size_0"] < south_params["size_0"]
    assert (north_params["y"], south_params["y"]) == (6000, 8000)
    # Another zoom, another text; the same layers in another order, another text.
    assert build_tile_query([parcels], 16, 31386, 26272)[0] != north
    roads = get_layer("roads")
    assert (
        build_tile_query([parcels, roads], 16, 1, 1)[0]
        != build_tile_query([roads, parcels], 16, 1, 1)[0]
    )
    # A layer object with other tile attributes (a registry built again) gets its own text.
    other = dataclasses.replace(
        parcels, options=dataclasses.replace(parcels.options, tile_fields=("reference",))
    )
    text16 = build_tile_query([parcels], 16, 31386, 26272)[0]
    other16 = build_tile_query([other], 16, 31386, 26272)[0]
    assert 'AS "land_status"' in text16 and 'AS "land_status"' not in other16
