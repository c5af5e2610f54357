"""WGS 84 and Web Mercator pages written from the publication views' Web Mercator copy
(``tile_geom``, ``ogc.publication.MERCATOR_COPY``): the coordinates placed by hand come back in
each CRS, the same as from the stored geometry on every kind of page, and the copy is never
published: not a property, a queryable, a sort key or a filter's property."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client
from pyproj import Transformer

from ogc import provider, stream
from ogc.publication import MERCATOR_COPY
from tests.factories import (
    ORIGIN,
    SRID,
    ParcelFactory,
    RoadSegmentFactory,
    StreetLightFactory,
    line,
    point,
    rect,
)
from tests.ogc.conftest import statements_run

pytestmark = pytest.mark.django_db(transaction=True)
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
ITEMS = "/ogc/collections/{}/items"


def get(client: Client, url: str, **params):
    response = client.get(url, params, HTTP_HOST="127.0.0.1")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


@pytest.fixture
def city() -> dict[str, list[int]]:
    """Six 10 m parcels 20 m apart, three roads and three street lights, placed by hand."""
    return {
        "parcels": [ParcelFactory(geom=rect(20 * i, 0, 10, 10)).pk for i in range(6)],
        "roads": [
            RoadSegmentFactory(geom=line((0, -10 - 30 * i), (200, -10 - 30 * i), (260, 40))).pk
            for i in range(3)
        ],
        "street-lights": [StreetLightFactory(geom=point(10 + 7 * i, -5)).pk for i in range(3)],
    }


def _statements(client: Client, url: str, **params) -> tuple[bytes, list[str]]:
    """The body of an items request, and the statements it ran that write a geometry."""
    get(client, url, limit=1)  # the collection's provider and its engine exist from here on
    with statements_run("st_asgeojson") as seen:
        response, body = get(client, url, **params)
    assert response.status_code == 200, body[:300]
    return body, [statement for statement, _ in seen]


@pytest.mark.parametrize(
    ("crs", "target", "first", "places"),
    [
        (CRS84, 4326, "lon", 7),
        (f"{EPSG}4326", 4326, "lat", 7),
        (f"{EPSG}3857", 3857, "x", 3),
    ],
)
def test_each_crs_is_written_from_the_copy_with_the_corners_placed_by_hand(
    client, city, crs, target, first, places
):
    """The page's geometry is read from ``tile_geom``, with no transform of the stored geometry;
    the square's corners come back where pyproj puts the hand-made ones (from the storage CRS),
    in the CRS's axis order, to the decimals written."""
    body, statements = _statements(client, ITEMS.format("parcels"), limit=2, crs=crs)
    assert statements and all(MERCATOR_COPY in s for s in statements)
    assert not any("ST_Transform(ogc.parcels.geom" in s for s in statements)
    ring = json.loads(body)["features"][0]["geometry"]["coordinates"][0][0]
    to_target = Transformer.from_crs(SRID, target, always_xy=True)
    corners = [to_target.transform(ORIGIN[0] + dx, ORIGIN[1] + dy) for dx, dy in [(0, 0), (10, 0)]]
    if first == "lat":
        corners = [(b, a) for a, b in corners]
    tolerance = 1e-6 if target == 4326 else 1e-3  # the datum shift of pyproj against PostGIS's
    assert ring[0] == pytest.approx(list(corners[0]), abs=tolerance)
    assert ring[1] == pytest.approx(list(corners[1]), abs=tolerance)
    for value in ring[0] + ring[1]:
        assert round(value, places) == value  # written to so many decimals


def _features(client: Client, slug: str, **params) -> list[dict]:
    response, body = get(client, ITEMS.format(slug), **params)
    assert response.status_code == 200, body[:300]
    return json.loads(body)["features"]


def _coordinates(geometry: dict) -> list[float]:
    """Every coordinate of a geometry, flattened."""
    out: list[float] = []

    def walk(value: object) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item)
        else:
            out.append(float(value))  # type: ignore[arg-type]

    walk(geometry["coordinates"])
    return out


def _page_params(kind: str, crs: str, limit: int) -> dict[str, object]:
    """The query of a page of that kind: the first, past an offset, in a bbox around ORIGIN, or
    with ``properties`` (pygeoapi's writer, out of the stream)."""
    params: dict[str, object] = {"limit": limit, "crs": crs}
    if kind == "offset":
        params["offset"] = 1
    elif kind == "bbox":
        lon0, lat0 = Transformer.from_crs(SRID, 4326, always_xy=True).transform(*ORIGIN)
        params["bbox"] = f"{lon0 - 0.01},{lat0 - 0.01},{lon0 + 0.01},{lat0 + 0.01}"
    elif kind == "properties":
        params["properties"] = "id"
    return params


@pytest.mark.parametrize("slug", ["parcels", "roads", "street-lights"])
@pytest.mark.parametrize("crs", [CRS84, f"{EPSG}4326", f"{EPSG}3857"])
@pytest.mark.parametrize(
    "kind",
    ["first", "offset", "bbox", "cursor", "properties", "html-writer"],
)
def test_the_copy_writes_the_stored_geometrys_coordinates(
    client, city, monkeypatch, slug, crs, kind
):
    """Every kind of page (first, past an offset, in a bbox, by a next link, through pygeoapi's
    own writer) gives the same features from the copy as from the stored geometry: the same ids,
    properties and types, and each coordinate the same to the last decimal written (one unit of
    it: a value on a rounding edge may round either way)."""
    params = _page_params(kind, crs, limit=2)
    if kind == "html-writer":
        monkeypatch.setattr(stream, "STREAM", False)

    def page() -> list[dict]:
        if kind != "cursor":
            return _features(client, slug, **params)
        _, body = get(client, ITEMS.format(slug), **params)
        href = next(link["href"] for link in json.loads(body)["links"] if link["rel"] == "next")
        return _features(client, slug, **dict(parse_qsl(urlsplit(href).query)))

    from_copy = page()
    monkeypatch.setattr(provider, "USE_MERCATOR_COPY", False)
    from_stored = page()
    assert [f["id"] for f in from_copy] == [f["id"] for f in from_stored]
    assert from_copy
    unit = 1e-7 if "3857" not in crs else 1e-3
    for a, b in zip(from_copy, from_stored, strict=True):
        assert a["properties"] == b["properties"]
        assert a["geometry"]["type"] == b["geometry"]["type"]
        assert set(a["geometry"]) == set(b["geometry"]) == {"type", "coordinates"}  # no "crs"
        assert _coordinates(a["geometry"]) == pytest.approx(
            _coordinates(b["geometry"]), abs=unit * 1.01
        )


def test_the_copy_is_not_published(client, city):
    """Not a property of a page or of one feature, not a queryable or a field of the schema, and
    a sort key, a property filter, a ``properties`` choice or a CQL2 filter naming it is refused
    with a 400 naming what is wrong (a filter on a name the collection does not have, too)."""
    base = ITEMS.format("parcels")
    for params in ({"limit": 2}, {"limit": 2, "properties": "id,reference"}):
        for feature in _features(client, "parcels", **params):
            assert MERCATOR_COPY not in feature["properties"]
    response, body = get(client, f"{base}/{city['parcels'][0]}", f="json")
    assert response.status_code == 200
    assert MERCATOR_COPY not in json.loads(body)["properties"]
    for document in ("queryables", "schema"):
        response, body = get(client, f"/ogc/collections/parcels/{document}", f="json")
        assert response.status_code == 200
        assert MERCATOR_COPY not in json.loads(body)["properties"]
    refused = {
        "sortby": MERCATOR_COPY,
        "properties": MERCATOR_COPY,
        MERCATOR_COPY: "1",
        "filter": f"{MERCATOR_COPY} IS NULL",
    }
    for name, value in refused.items():
        response, body = get(client, base, **{name: value})
        assert response.status_code == 400, (name, body[:300])
    for name in (MERCATOR_COPY, "no_such_field"):
        for text in (f"{name} IS NULL", f"S_INTERSECTS({name},POINT(0 0))"):
            response, body = get(client, base, filter=text)
            assert response.status_code == 400, (text, body[:300])
            assert name in json.loads(body)["description"]


def test_pygeoapis_own_provider_publishes_the_fields_alone(tmp_path, city, settings):
    """``ogc_config --plain-provider`` (pygeoapi standalone, without this code) lists each
    layer's fields as the provider's ``properties``: pygeoapi's own PostgreSQL provider then
    writes them and not the view's Web Mercator copy."""
    import yaml
    from django.core.management import call_command
    from pygeoapi.provider.sql import PostgreSQLProvider

    from layers.common.registry import get_layer
    from ogc.config import database_params

    call_command("ogc_config", output_dir=str(tmp_path), plain_provider=True, no_openapi=True)
    config = yaml.safe_load((tmp_path / "pygeoapi-config.yml").read_text())
    definition = config["resources"]["parcels"]["providers"][0]
    assert definition["name"] == "PostgreSQL"
    assert definition["properties"] == list(get_layer("parcels").options.fields)
    plain = PostgreSQLProvider({**definition, "data": database_params()})
    try:
        features = plain.query(limit=2)["features"]
        single = plain.get(city["parcels"][0])
    finally:
        plain._engine.dispose()
    assert len(features) == 2
    for feature in [*features, single]:
        assert set(feature["properties"]) == set(get_layer("parcels").options.fields)


@pytest.mark.parametrize("crs", [f"{EPSG}3857", f"{EPSG}{SRID}"])
@pytest.mark.parametrize("kind", ["first", "offset", "bbox", "properties"])
def test_a_projected_crs_is_named_by_the_header_not_in_each_geometry(client, city, crs, kind):
    """GeoJSON (RFC 7946) has no ``crs`` member: in a projected CRS (Web Mercator, the storage
    CRS) the page names it once, in ``Content-Crs``, and each geometry holds its type and
    coordinates alone, as in WGS 84."""
    response, body = get(client, ITEMS.format("parcels"), **_page_params(kind, crs, limit=3))
    assert response.status_code == 200, body[:300]
    assert response["Content-Crs"] == f"<{crs}>"
    features = json.loads(body)["features"]
    assert features
    assert all(set(f["geometry"]) == {"type", "coordinates"} for f in features)
