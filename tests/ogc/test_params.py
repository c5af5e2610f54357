"""Unknown query parameters are refused (400, OGC exception format) on every OGC endpoint, while
every parameter GDAL's and QGIS's OAPIF clients send, and property filters, still work."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from pyproj import Transformer

from tests.factories import ORIGIN, SRID, ParcelFactory, RoadSegmentFactory, line, rect

pytestmark = pytest.mark.django_db(transaction=True)

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
LOCAL = f"http://www.opengis.net/def/crs/EPSG/0/{SRID}"
LON0, LAT0 = Transformer.from_crs(SRID, 4326, always_xy=True).transform(*ORIGIN)


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def parcels():
    """Two titled parcels and one under requisition, 100 m squares 1 km apart."""
    return [
        ParcelFactory(reference="TF 1/P", land_status="titled", geom=rect(0, 0, 100, 100)),
        ParcelFactory(reference="TF 2/P", land_status="requisition", geom=rect(1000, 0, 100, 100)),
        ParcelFactory(reference="TF 3/P", land_status="titled", geom=rect(2000, 0, 100, 100)),
    ]


def get(client: Client, url: str, query: str = ""):
    response = client.get(f"{url}?{query}" if query else url, HTTP_HOST="127.0.0.1")
    return response, json.loads(response.content) if response.content else None


def endpoints(parcel_id: int) -> list[str]:
    return [
        "/ogc",
        "/ogc/openapi",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/parcels",
        "/ogc/collections/parcels/items",
        f"/ogc/collections/parcels/items/{parcel_id}",
        "/ogc/collections/parcels/queryables",
        "/ogc/collections/parcels/schema",
    ]


def test_an_unknown_parameter_is_refused_on_every_endpoint(client, parcels):
    for url in endpoints(parcels[0].pk):
        response, doc = get(client, url, "f=json&foo=1")
        assert response.status_code == 400, url
        assert doc == {
            "code": "InvalidParameterValue",
            "type": "InvalidParameterValue",
            "description": "paramètre de requête inconnu : foo",
            "error": "invalid-request",  # the platform's own code, beside OGC's
        }, url


def test_the_same_endpoints_answer_without_it(client, parcels):
    for url in endpoints(parcels[0].pk):
        assert get(client, url, "f=json")[0].status_code == 200, url


def test_a_misspelt_parameter_is_named(client, parcels):
    response, doc = get(client, "/ogc/collections/parcels/items", "limt=1&bbx=1,2,3,4")
    assert response.status_code == 400
    assert doc["description"] == "paramètre de requête inconnu : bbx, limt"


def test_a_property_of_another_layer_is_not_a_filter_here(client, parcels):
    # road_class is a property of roads, not of parcels
    response, doc = get(client, "/ogc/collections/parcels/items", "road_class=primary")
    assert response.status_code == 400
    assert doc["description"] == "paramètre de requête inconnu : road_class"


def test_an_unknown_collection_is_still_not_found(client):
    response, _ = get(client, "/ogc/collections/nowhere/items", "foo=1")
    assert response.status_code == 404


def test_property_filters_still_work(client, parcels):
    response, doc = get(client, "/ogc/collections/parcels/items", "land_status=titled")
    assert response.status_code == 200
    assert sorted(f["properties"]["reference"] for f in doc["features"]) == ["TF 1/P", "TF 3/P"]
    response, doc = get(client, "/ogc/collections/parcels/items", "reference=TF%202/P")
    assert [f["properties"]["land_status"] for f in doc["features"]] == ["requisition"]


# Each request below is one that GDAL's OAPIF driver or QGIS's OAPIF provider sends (the source
# each comes from is named in ogc/params.py), on the roads: a layer with a date (datetime filters).
# Three segments along the x axis 1 km apart, inspected in 2020, 2022 and never.
CLIENT_QUERIES = {
    # GDAL: PAGE_SIZE, spatial filter, a date range, property equality, CQL text, hits
    "gdal limit": ("limit=1000", {"R0", "R1", "R2"}),
    "gdal bbox": ("limit=10&bbox={west},{south},{east},{north}", {"R0"}),
    "gdal datetime": ("datetime=2021-01-01T00:00:00Z%2F2023-01-01T00:00:00Z", {"R1"}),
    "gdal property": ("road_class=primary", {"R0"}),
    "gdal filter": ("filter=road_class%3D'primary'&filter-lang=cql2-text", {"R0"}),
    "gdal resultType": ("resultType=hits", {"R0", "R1", "R2"}),
    # QGIS: first page, count, page with view rectangle in the layer's CRS, CQL2 with filter-crs
    "qgis first page": ("limit=10", {"R0", "R1", "R2"}),
    "qgis count": ("limit=1", None),
    "qgis bbox-crs crs": (
        "limit=1000&bbox={lx0},{ly0},{lx1},{ly1}&bbox-crs={local}&crs={local}",
        {"R0"},
    ),
    "qgis datetime open": ("datetime=0000-01-01T00:00:00Z%2F2021-01-01T00:00:00Z", {"R0"}),
    "qgis filter-crs": (
        "filter=S_INTERSECTS(geom,POINT({px} {py}))&filter-lang=cql2-text&filter-crs={local}",
        {"R0"},
    ),
    # pygeoapi's own and the platform's: sortby, properties, skipGeometry, offset, q
    "sortby": ("sortby=-name_fr&limit=1", {"R2"}),
    "properties": ("properties=name_fr&skipGeometry=true", {"R0", "R1", "R2"}),
    "offset": ("offset=2&sortby=name_fr", {"R2"}),
}


@pytest.fixture
def roads():
    return [
        RoadSegmentFactory(
            name_fr="R0", road_class="primary", last_inspection=dt.date(2020, 5, 1),
            geom=line((0, -10), (200, -10)),
        ),
        RoadSegmentFactory(
            name_fr="R1", road_class="residential", last_inspection=dt.date(2022, 5, 1),
            geom=line((1000, -10), (1200, -10)),
        ),
        RoadSegmentFactory(
            name_fr="R2", road_class="residential", last_inspection=None,
            geom=line((2000, -10), (2200, -10)),
        ),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    list(CLIENT_QUERIES.values()),
    ids=list(CLIENT_QUERIES),
)
def test_every_parameter_gdal_and_qgis_send_is_accepted(client, roads, query, expected):
    name = query
    # a box about 280 m around ORIGIN in longitude/latitude: holds R0 only (R1 starts 1 km east)
    query = query.format(
        west=round(LON0 - 0.003, 5),
        south=round(LAT0 - 0.003, 5),
        east=round(LON0 + 0.003, 5),
        north=round(LAT0 + 0.003, 5),
        local=LOCAL,
        # in the storage CRS: a box from 10 m west to 150 m east of ORIGIN, 50 m north and south
        lx0=ORIGIN[0] - 10,
        ly0=ORIGIN[1] - 50,
        lx1=ORIGIN[0] + 150,
        ly1=ORIGIN[1] + 50,
        # a point on R0, 100 m east of ORIGIN
        px=ORIGIN[0] + 100,
        py=ORIGIN[1] - 10,
    )
    response, doc = get(client, "/ogc/collections/roads/items", query)
    assert response.status_code == 200, (name, doc)
    if expected is not None:
        assert {f["properties"]["name_fr"] for f in doc["features"]} == expected, name
    else:
        assert doc["numberReturned"] == 1
        assert doc["numberMatched"] == 3


def test_a_cursor_from_a_next_link_is_accepted(client, roads):
    response, doc = get(client, "/ogc/collections/roads/items", "limit=1&sortby=name_fr")
    assert response.status_code == 200
    href = next(link["href"] for link in doc["links"] if link["rel"] == "next")
    assert "cursor=" in href
    query = href.split("?", 1)[1]
    response, doc = get(client, "/ogc/collections/roads/items", query)
    assert response.status_code == 200
    # the rest: the next link asks for a larger page (OGC["NEXT_LIMIT_GROWTH"])
    assert [f["properties"]["name_fr"] for f in doc["features"]] == ["R1", "R2"]


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        ("2021-01-01T00:00:00Z", {"R0"}),
        ("2023-01-01T00:00:00Z", {"R0", "R1"}),
        ("..", {"R0", "R1", "R2"}),  # no bound at all: no filter, the undated R2 too
    ],
)
def test_qgis_year_zero_start_is_an_open_start(client, roads, end, expected):
    """QGIS writes an open start as year 0000: the same features as ``../end``."""
    url = "/ogc/collections/roads/items"
    response, year_zero = get(client, url, f"datetime=0000-01-01T00:00:00Z%2F{end}")
    assert response.status_code == 200, year_zero
    _, open_start = get(client, url, f"datetime=..%2F{end}")
    names = {f["properties"]["name_fr"] for f in year_zero["features"]}
    assert names == {f["properties"]["name_fr"] for f in open_start["features"]} == expected
    assert year_zero["numberMatched"] == open_start["numberMatched"] == len(expected)
