"""Vector tiles through Django's test client against real PostGIS: positions worked out by hand
(pyproj + Mercator formulas), attributes, zoom ranges, caps, permissions and errors."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User

from tests.factories import (
    CitizenReportFactory,
    ParcelFactory,
    RoadSegmentFactory,
    line,
    rect,
)
from tests.tiles.conftest import decode, lonlat, origin_tile, tile_pixel

pytestmark = pytest.mark.django_db

MVT = "application/vnd.mapbox-vector-tile"


def url(slugs: str, z: int, x: int, y: int) -> str:
    return f"/tiles/{slugs}/{z}/{x}/{y}.mvt"


def test_a_parcel_lands_where_its_coordinates_say(client):
    parcel = ParcelFactory(reference="TF 4242/C", geom=rect(0, 0, 100, 100))
    z, x, y = origin_tile(16)
    response = client.get(url("parcels", z, x, y))
    assert response.status_code == 200
    assert response["Content-Type"] == MVT
    layer = decode(response.content)["parcels"]
    assert layer["extent"] == 4096
    (feature,) = layer["features"]
    assert feature["id"] == parcel.pk
    # The id is written once, as the feature id: not as an attribute too.
    assert feature["properties"] == {
        "reference": "TF 4242/C",
        "land_status": "titled",
    }
    ring = feature["geometry"]["coordinates"][0]
    for corner in [(0, 0), (100, 0), (100, 100), (0, 100)]:
        ex, ey = tile_pixel(*lonlat(*corner), z, x, y)
        assert min(abs(px - ex) + abs(py - ey) for px, py in ring) < 3, corner


def test_the_envelope_is_densified_and_the_neighbour_tile_is_empty(client):
    ParcelFactory(geom=rect(0, 0, 100, 100))
    z, x, y = origin_tile(16)
    # The parcel lies about 40 m east of the tile's west edge and well inside vertically, so the
    # tile two columns west has nothing, even with its buffer.
    assert client.get(url("parcels", z, x - 2, y)).status_code == 204


def test_several_layers_in_one_tile_and_zoom_ranges(client):
    ParcelFactory(geom=rect(0, 0, 100, 100))
    road = RoadSegmentFactory(
        name_fr="Boulevard de Paris", road_class="primary", geom=line((0, -10), (200, -10))
    )
    z, x, y = origin_tile(16)
    layers = decode(client.get(url("roads,parcels", z, x, y)).content)
    assert set(layers) == {"roads", "parcels"}
    (feature,) = layers["roads"]["features"]
    assert feature["properties"]["name_fr"] == "Boulevard de Paris"
    assert set(feature["properties"]) == {
        "name_fr",
        "name_ar",
        "road_class",
        "width_m",
        "condition_grade",
    }
    assert feature["id"] == road.pk
    # Parcels start at zoom 14: at 12 only the roads are drawn; alone, the parcels are empty.
    z, x, y = origin_tile(12)
    assert set(decode(client.get(url("roads,parcels", z, x, y)).content)) == {"roads"}
    assert client.get(url("parcels", z, x, y)).status_code == 204


def test_feature_cap_bounds_a_crowded_tile_and_keeps_the_largest(client, settings):
    settings.TILES = {**settings.TILES, "MAX_FEATURES_PER_TILE": 3}
    # Five parallel roads 40, 80, ... 200 m long, made in an order that is not their length's.
    lengths = [120, 40, 200, 80, 160]
    made = {
        n: RoadSegmentFactory(geom=line((0, 10 * i), (n, 10 * i))) for i, n in enumerate(lengths)
    }
    z, x, y = origin_tile(16)
    kept = decode(client.get(url("roads", z, x, y)).content)["roads"]["features"]
    assert {f["id"] for f in kept} == {made[200].pk, made[160].pk, made[120].pk}


def test_roads_up_to_zoom_12_are_the_arteries_of_the_band(client):
    artery = RoadSegmentFactory(road_class="secondary", geom=line((0, 0), (300, 0)))
    street = RoadSegmentFactory(road_class="residential", geom=line((0, 50), (300, 50)))
    for zoom, expected in ((12, {artery.pk}), (13, {artery.pk, street.pk})):
        z, x, y = origin_tile(zoom)
        features = decode(client.get(url("roads", z, x, y)).content)["roads"]["features"]
        assert {f["id"] for f in features} == expected, zoom


def test_parcels_smaller_than_a_pixel_are_left_out_at_the_band_zooms(client):
    # A pixel at zoom 14 is about 8 m on the ground at Casablanca's latitude (64 m²): a 5 m
    # square (25 m²) is below it, a 20 m square (400 m²) above. At 15 a pixel is about 4 m
    # (16 m²): both are drawn, as past the band at 16.
    small = ParcelFactory(geom=rect(0, 0, 5, 5))
    large = ParcelFactory(geom=rect(50, 0, 20, 20))
    both = {small.pk, large.pk}
    for zoom, expected in ((14, {large.pk}), (15, both), (16, both)):
        z, x, y = origin_tile(zoom)
        features = decode(client.get(url("parcels", z, x, y)).content)["parcels"]["features"]
        assert {f["id"] for f in features} == expected, zoom


def test_low_zooms_are_simplified(client):
    # A 2 km road zigzagging 5 m either side every 10 m: 201 vertices.
    zigzag = [(10 * i, 5 if i % 2 else -5) for i in range(201)]
    RoadSegmentFactory(road_class="primary", geom=line(*zigzag))
    z, x, y = origin_tile(18)
    deep = decode(client.get(url("roads", z, x, y)).content)["roads"]["features"][0]
    z, x, y = origin_tile(12)
    low = decode(client.get(url("roads", z, x, y)).content)["roads"]["features"][0]

    def vertices(geometry):
        coords = geometry["coordinates"]
        return len(coords) if geometry["type"] == "LineString" else sum(map(len, coords))

    # At zoom 12 (drawn from the generalised copy of the roads' band, half a pixel) a pixel is
    # about 32 m on the ground: the 5 m zigzag is gone (2 to 4 vertices
    # remain); at zoom 18 (0.5 m pixels) every vertex inside the buffered tile is kept, plus
    # at most the two points where the line is clipped.
    assert vertices(low["geometry"]) <= 4
    z, x, y = origin_tile(18)
    inside = [
        (vx, vy) for vx, vy in zigzag if -256 < tile_pixel(*lonlat(vx, vy), z, x, y)[0] < 4096 + 256
    ]
    assert len(inside) >= 8
    assert len(inside) <= vertices(deep["geometry"]) <= len(inside) + 2


def test_internal_layer_needs_the_view_permission(client):
    CitizenReportFactory()
    z, x, y = origin_tile(16)
    assert client.get(url("citizen-reports", z, x, y)).status_code == 404
    assert client.get(url("roads,citizen-reports", z, x, y)).status_code == 404
    user = User.objects.create_user("agent", password="pw")
    client.force_login(user)
    assert client.get(url("citizen-reports", z, x, y)).status_code == 404
    user.user_permissions.add(Permission.objects.get(codename="view_citizenreport"))
    client.force_login(User.objects.get(pk=user.pk))
    response = client.get(url("citizen-reports", z, x, y))
    assert response.status_code == 200
    assert len(decode(response.content)["citizen-reports"]["features"]) == 1
    assert response["Cache-Control"] == "private, no-cache"
    assert "Cookie" in response["Vary"]
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/tiles/no-such-layer/16/0/0.mvt", 404),
        ("/tiles/roads/3/8/0.mvt", 404),  # x beyond 2^3 - 1
        ("/tiles/roads/3/0/8.mvt", 404),
        ("/tiles/roads/25/0/0.mvt", 404),  # deeper than TILES["MAX_ZOOM"]
        ("/tiles/roads,roads/16/0/0.mvt", 400),
        ("/tiles/roads/-1/0/0.mvt", 404),  # not a tile URL at all
        ("/tiles/roads/16/0/0.png", 404),
        ("/tiles/../etc/16/0/0.mvt", 404),
    ],
)
def test_bad_requests(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    if response["Content-Type"] == "application/problem+json":
        assert response.json()["detail"]


def test_only_safe_methods(client):
    z, x, y = origin_tile(16)
    assert client.post(url("roads", z, x, y)).status_code == 405
    assert client.head(url("roads", z, x, y)).status_code == 204


def test_an_empty_tile_is_204_with_an_etag(client):
    response = client.get(url("roads", 16, 0, 0))
    assert response.status_code == 204
    assert response.content == b""
    assert response["ETag"]
