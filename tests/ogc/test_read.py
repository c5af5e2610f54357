"""Reads through /ogc on the real test database: collections from the registry, internal layers
hidden, bbox in several CRS, paging, filters, CRS of the answers and the capped count."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.test import Client, override_settings
from pyproj import Transformer

from layers.common.registry import layers
from ogc import provider
from ogc.api import reset_apis
from ogc.views_registry import read_only_collections
from tests.factories import ORIGIN, SRID, CitizenReportFactory, ParcelFactory, rect

pytestmark = pytest.mark.django_db(transaction=True)
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
LOCAL = f"{EPSG}{SRID}"
# ORIGIN in longitude/latitude by pyproj (in the default city Place Mohammed V, about 7.6186 W,
# 33.5936 N). A box 0.003 degrees west, south and north of it and 0.004 east (about 280 m and
# 370 m of longitude) holds parcel A (a 100 m square at ORIGIN) but not B, 1 km east.
LON0, LAT0 = Transformer.from_crs(SRID, 4326, always_xy=True).transform(*ORIGIN)
WEST, SOUTH, EAST, NORTH = (
    round(v, 4) for v in (LON0 - 0.003, LAT0 - 0.003, LON0 + 0.004, LAT0 + 0.003)
)


def mercator(lon: float, lat: float) -> tuple[float, float]:
    """Spherical Mercator (EPSG:3857) by its formula."""
    r = 6378137.0
    return math.radians(lon) * r, math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * r


def get(client: Client, url: str, **params):
    response = client.get(url, params, HTTP_HOST="127.0.0.1")
    return response, (json.loads(response.content) if response.status_code < 500 else None)


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def parcels():
    """A at ORIGIN, B 1 km east of it, C 5 km north-east; each a 100 m square."""
    return [
        ParcelFactory(reference="TF 1/C", land_status="titled", geom=rect(0, 0, 100, 100)),
        ParcelFactory(reference="TF 2/C", land_status="requisition", geom=rect(1000, 0, 100, 100)),
        ParcelFactory(reference="TF 3/C", land_status="titled", geom=rect(5000, 5000, 100, 100)),
    ]


def test_every_public_layer_is_a_collection_and_internal_ones_are_hidden(client):
    response, doc = get(client, "/ogc/collections")
    assert response.status_code == 200
    listed = {c["id"] for c in doc["collections"]}
    derived = {c.slug for c in read_only_collections()}  # arrondissement-indicators
    assert listed == {layer.slug for layer in layers(public_only=True)} | derived
    assert "citizen-reports" not in listed
    report = CitizenReportFactory()
    for url in (
        "/ogc/collections/citizen-reports",
        "/ogc/collections/citizen-reports/items",
        f"/ogc/collections/citizen-reports/items/{report.pk}",
    ):
        assert get(client, url)[0].status_code == 404


def test_internal_layer_for_a_user_with_the_permission_only(client, planner, viewer):
    CitizenReportFactory(reporter_contact="0600000000")
    client.force_login(viewer)
    assert get(client, "/ogc/collections/citizen-reports")[0].status_code == 404
    client.force_login(planner)
    response, doc = get(client, "/ogc/collections/citizen-reports/items")
    assert response.status_code == 200
    assert doc["numberReturned"] == 1
    props = doc["features"][0]["properties"]
    assert props["kind"] == "pothole"
    assert "reporter_contact" not in props  # never published, not even to staff


def test_landing_conformance_queryables_and_html(client, parcels):
    assert get(client, "/ogc")[0].status_code == 200  # no redirect: QGIS does not follow it
    assert get(client, "/ogc/")[0].status_code == 200
    assert client.get("/ogc/static/css/default.css", HTTP_HOST="127.0.0.1").status_code == 200
    _, openapi = get(client, "/ogc/openapi", f="json")
    assert "/collections/parcels/items" in openapi["paths"]
    assert not [p for p in openapi["paths"] if "citizen-reports" in p]
    _, conf = get(client, "/ogc/conformance")
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conf["conformsTo"]
    _, q = get(client, "/ogc/collections/parcels/queryables")
    assert {"reference", "land_status", "computed_area_m2"} <= set(q["properties"])
    html = client.get("/ogc/collections/parcels/items", {"f": "html"}, HTTP_HOST="127.0.0.1")
    assert html.status_code == 200 and b"TF 1/C" in html.content
    _, coll = get(client, "/ogc/collections/parcels")
    assert coll["storageCrs"] == LOCAL
    assert {CRS84, f"{EPSG}4326", f"{EPSG}3857", LOCAL} <= set(coll["crs"])


def test_bbox_in_storage_crs_and_in_crs84(client, parcels):
    x, y = ORIGIN
    items = "/ogc/collections/parcels/items"
    in_local = {"bbox-crs": LOCAL}
    in_4326 = {"bbox-crs": f"{EPSG}4326"}
    in_3857 = {"bbox-crs": f"{EPSG}3857"}
    _, doc = get(client, items, bbox=f"{x - 10},{y - 10},{x + 1110},{y + 110}", **in_local)
    assert sorted(f["properties"]["reference"] for f in doc["features"]) == ["TF 1/C", "TF 2/C"]
    _, doc = get(client, items, bbox=f"{WEST},{SOUTH},{EAST},{NORTH}")
    assert [f["properties"]["reference"] for f in doc["features"]] == ["TF 1/C"]
    # the same box in EPSG:4326 is written latitude first
    _, doc = get(client, items, bbox=f"{SOUTH},{WEST},{NORTH},{EAST}", **in_4326)
    assert [f["properties"]["reference"] for f in doc["features"]] == ["TF 1/C"]
    _, doc = get(client, items, bbox=f"{WEST},{SOUTH},{EAST},{NORTH}", **in_4326)
    assert doc["features"] == []  # longitude first is somewhere else entirely
    # ... and in EPSG:3857 (metres; in the default city about 850 km west and 3,970 km north of
    # 0,0): 300 m west and 400 m south, north and east of ORIGIN, where 100 m of ground is 120 m
    mx, my = mercator(LON0, LAT0)
    merc_box = f"{mx - 300:.0f},{my - 400:.0f},{mx + 400:.0f},{my + 400:.0f}"
    _, doc = get(client, items, bbox=merc_box, **in_3857)
    assert [f["properties"]["reference"] for f in doc["features"]] == ["TF 1/C"]


@pytest.mark.parametrize("filtered", [False, True], ids=["kept", "built"])
def test_a_bbox_with_heights_is_read_as_its_plane_part(client, parcels, filtered):
    """Part 1 allows a bbox of six numbers (with heights). The layers are two-dimensional: such
    a bbox finds what its four plane numbers find, in CRS84 (transformed) as in the storage CRS
    (not transformed); it used to be a 500."""
    x, y = ORIGIN
    items = "/ogc/collections/parcels/items"
    extra = {"land_status": "titled"} if filtered else {}
    _, doc = get(client, items, bbox=f"{WEST},{SOUTH},-100,{EAST},{NORTH},2500", **extra)
    assert [f["properties"]["reference"] for f in doc["features"]] == ["TF 1/C"]
    local = f"{x - 10},{y - 10},0,{x + 1110},{y + 110},10"
    response, doc = get(client, items, bbox=local, **{"bbox-crs": LOCAL}, **extra)
    assert response.status_code == 200
    expected = ["TF 1/C"] if filtered else ["TF 1/C", "TF 2/C"]  # B is a requisition
    assert sorted(f["properties"]["reference"] for f in doc["features"]) == expected


def _polygon(*corners: tuple[float, float]) -> MultiPolygon:
    """A polygon through ``corners`` in the storage CRS (closed here)."""
    return MultiPolygon(Polygon((*corners, corners[0]), srid=SRID), srid=SRID)


@pytest.mark.parametrize("filtered", [False, True], ids=["kept", "built"])
def test_a_bbox_finds_exactly_the_features_that_meet_it(client, filtered):
    """Only the features on a bbox's edges get the exact test; the others are found from their
    boxes. Hand-made, in the storage CRS, around a bbox whose east edge ``east`` falls between
    two single-precision floats (PostGIS keeps boxes in single precision, rounded outwards):
    a square inside and one across the east edge meet it; an L whose box covers the bbox's
    north-east corner, and a 5 mm square just east of ``east`` (inside the single-precision
    box of the bbox), do not. With and without a filter (the kept statements and those built
    for the page)."""
    x0, y0 = ORIGIN
    east = float(x0) + 100.01
    rounded_up = float(np.nextafter(np.float32(east), np.float32(np.inf)))
    if rounded_up < east:  # the float nearest to east was below it
        rounded_up = float(np.nextafter(np.float32(rounded_up), np.float32(np.inf)))
    assert rounded_up - east > 0.01  # room for the sliver between the two
    sliver_x = east + (rounded_up - east) / 4
    make = ParcelFactory
    inside = make(reference="TF 1/E", land_status="titled", geom=rect(10, 10, 20, 20))
    across = make(reference="TF 2/E", land_status="titled", geom=rect(90, 40, 20, 20))
    make(
        reference="TF 3/E",
        land_status="titled",
        geom=_polygon(
            (x0 + 110, y0 + 90),
            (x0 + 130, y0 + 90),
            (x0 + 130, y0 + 130),
            (x0 + 90, y0 + 130),
            (x0 + 90, y0 + 110),
            (x0 + 110, y0 + 110),
        ),
    )
    make(
        reference="TF 4/E",
        land_status="titled",
        geom=_polygon(
            (sliver_x, y0 + 50),
            (sliver_x + 0.005, y0 + 50),
            (sliver_x + 0.005, y0 + 50.005),
            (sliver_x, y0 + 50.005),
        ),
    )
    params = {"bbox": f"{x0},{y0},{east!r},{y0 + 100}", "bbox-crs": LOCAL}
    if filtered:
        params["land_status"] = "titled"
    provider._TEMPLATES.clear()
    _, doc = get(client, "/ogc/collections/parcels/items", **params)
    assert sorted(f["id"] for f in doc["features"]) == sorted([inside.pk, across.pk])
    assert doc["numberMatched"] == 2


@pytest.mark.parametrize("filtered", [False, True], ids=["kept", "built"])
def test_a_bbox_too_narrow_for_an_inner_box_tests_every_feature_exactly(client, filtered):
    """A bbox 20 cm wide (narrower than twice the inner box's margin, about 60 cm here) has no
    inner box: the square it crosses is found by the exact test alone, the one beside it is
    not."""
    x0, y0 = ORIGIN
    crossed = ParcelFactory(reference="TF 1/N", land_status="titled", geom=rect(0, 0, 10, 10))
    ParcelFactory(reference="TF 2/N", land_status="titled", geom=rect(20, 0, 10, 10))
    bbox = [float(x0) + 5, float(y0) + 5, float(x0) + 5.2, float(y0) + 5.2]
    assert provider.inner_box(bbox) == [None] * 4
    params = {"bbox": ",".join(map(repr, bbox)), "bbox-crs": LOCAL}
    if filtered:
        params["land_status"] = "titled"
    provider._TEMPLATES.clear()
    _, doc = get(client, "/ogc/collections/parcels/items", **params)
    assert [f["id"] for f in doc["features"]] == [crossed.pk]
    assert doc["numberMatched"] == 1


def test_paging_with_next_links(client, parcels):
    _, page1 = get(client, "/ogc/collections/parcels/items", limit=2, sortby="reference")
    assert [f["properties"]["reference"] for f in page1["features"]] == ["TF 1/C", "TF 2/C"]
    assert page1["numberMatched"] == 3
    nxt = next(link["href"] for link in page1["links"] if link["rel"] == "next")
    _, page2 = get(client, nxt.replace("http://127.0.0.1:8000", ""))
    assert [f["properties"]["reference"] for f in page2["features"]] == ["TF 3/C"]
    assert not [link for link in page2["links"] if link["rel"] == "next"]


def test_property_filter_sortby_and_cql2(client, parcels):
    _, doc = get(
        client, "/ogc/collections/parcels/items", land_status="titled", sortby="-reference"
    )
    assert [f["properties"]["reference"] for f in doc["features"]] == ["TF 3/C", "TF 1/C"]
    cql2 = "land_status = 'requisition' OR reference = 'TF 3/C'"
    _, doc = get(
        client, "/ogc/collections/parcels/items", filter=cql2, **{"filter-lang": "cql2-text"}
    )
    assert sorted(f["properties"]["reference"] for f in doc["features"]) == ["TF 2/C", "TF 3/C"]
    body = {"op": "=", "args": [{"property": "reference"}, "TF 2/C"]}
    response = Client().post(
        "/ogc/collections/parcels/items",
        json.dumps(body),
        content_type="application/query-cql-json",
        HTTP_HOST="127.0.0.1",
    )
    assert [f["properties"]["reference"] for f in json.loads(response.content)["features"]] == [
        "TF 2/C"
    ]
    # spatial CQL2, the literal in CRS84 (the default filter-crs): the box near ORIGIN holds A
    box = f"POLYGON(({WEST} {SOUTH},{EAST} {SOUTH},{EAST} {NORTH},{WEST} {NORTH},{WEST} {SOUTH}))"
    _, doc = get(client, "/ogc/collections/parcels/items", filter=f"S_INTERSECTS(geom,{box})")
    assert [f["properties"]["reference"] for f in doc["features"]] == ["TF 1/C"]
    # computed_area_m2 is the database's ST_Area: each square is 10,000 m2
    _, doc = get(client, "/ogc/collections/parcels/items", filter="computed_area_m2 > 9999")
    assert doc["numberReturned"] == 3


def test_crs_of_the_answer_and_axis_order(client, parcels):
    pk = parcels[0].pk
    url = f"/ogc/collections/parcels/items/{pk}"
    response, local = get(client, url, crs=LOCAL)
    assert response["Content-Crs"] == f"<{LOCAL}>"
    ring = local["geometry"]["coordinates"][0][0]
    assert ring[0] == pytest.approx([ORIGIN[0], ORIGIN[1]])
    _, lonlat = get(client, url)  # CRS84 by default: longitude first
    lon, lat = lonlat["geometry"]["coordinates"][0][0][0]
    assert lon == pytest.approx(LON0, abs=0.01) and lat == pytest.approx(LAT0, abs=0.01)
    _, latlon = get(client, url, crs=f"{EPSG}4326")  # EPSG:4326 is latitude first
    assert latlon["geometry"]["coordinates"][0][0][0] == pytest.approx([lat, lon])
    _, merc = get(client, url, crs=f"{EPSG}3857")
    mx, my = merc["geometry"]["coordinates"][0][0][0]
    mx0, my0 = mercator(LON0, LAT0)  # in the default city about -848100, 3974000
    assert mx == pytest.approx(mx0, abs=2000) and my == pytest.approx(my0, abs=3000)
    # pages are reprojected by PostGIS, single items by pyproj: both agree to the centimetre
    for crs, one, tol in (
        (None, lonlat, 1e-7),
        (f"{EPSG}4326", latlon, 1e-7),
        (f"{EPSG}3857", merc, 0.01),
        (LOCAL, local, 0.001),
    ):
        params = {"crs": crs} if crs else {}
        response, page = get(client, "/ogc/collections/parcels/items", reference="TF 1/C", **params)
        assert response["Content-Crs"] == f"<{crs or CRS84}>"
        ring = page["features"][0]["geometry"]["coordinates"][0][0]
        assert ring == [pytest.approx(c, abs=tol) for c in one["geometry"]["coordinates"][0][0]]


def test_count_is_capped(client, parcels):
    with override_settings(OGC={**__import__("django.conf").conf.settings.OGC, "COUNT_CAP": 1}):
        reset_apis()
        _, doc = get(client, "/ogc/collections/parcels/items", limit=1, land_status="titled")
        assert "numberMatched" not in doc  # 2 matches, more than the cap
        assert [link for link in doc["links"] if link["rel"] == "next"]
        _, hits = get(client, "/ogc/collections/parcels/items", resulttype="hits")
        assert hits["numberMatched"] == 3
        _, doc = get(client, "/ogc/collections/parcels/items", land_status="requisition")
        assert doc["numberMatched"] == 1
        # without a filter the count is exact (kept per version of the layer), past the cap
        _, doc = get(client, "/ogc/collections/parcels/items", limit=1)
        assert doc["numberMatched"] == 3
    reset_apis()


def test_datetime_filter_on_a_layer_with_dates(client, planner):
    from tests.factories import StreetLightFactory

    StreetLightFactory(install_date="2020-05-01")
    StreetLightFactory(install_date="2024-05-01")
    _, doc = get(client, "/ogc/collections/street-lights/items", datetime="2023-01-01/..")
    assert [f["properties"]["install_date"] for f in doc["features"]] == ["2024-05-01"]


def test_values_are_escaped_in_html(client):
    parcel = ParcelFactory(address="<script>alert(1)</script>")
    for url in ("/ogc/collections/parcels/items", f"/ogc/collections/parcels/items/{parcel.pk}"):
        page = client.get(url, {"f": "html"}, HTTP_HOST="127.0.0.1")
        assert page.status_code == 200
        assert b"<script>alert(1)" not in page.content


def test_bad_queries_get_400(client, parcels):
    items = "/ogc/collections/parcels/items"
    for params in (
        {"datetime": "2020-01-01"},
        {"sortby": "nope"},
        {"bbox": "1,2,3"},
        {"filter": "reference = "},
        {"limit": "-1"},
        {"crs": "http://www.opengis.net/def/crs/EPSG/0/2154"},
    ):
        assert get(client, items, **params)[0].status_code == 400, params
    assert get(client, f"{items}/not-a-number")[0].status_code == 404


def test_no_document_shows_the_database_credentials(client, parcels):
    from django.db import connection

    password = connection.settings_dict["PASSWORD"]
    assert password  # the private cluster's role has one
    for url in (
        "/ogc",
        "/ogc/collections",
        "/ogc/collections/parcels",
        "/ogc/openapi",
        "/ogc/collections/parcels/items",
        f"/ogc/collections/parcels/items/{parcels[0].pk}",
        "/ogc/collections/parcels/queryables",
    ):
        for f in ("json", "html", "jsonld"):
            body = client.get(url, {"f": f}, HTTP_HOST="127.0.0.1").content.decode()
            assert password not in body, (url, f)


def test_one_api_object_serves_every_request(client, parcels, planner, monkeypatch):
    from ogc import api

    built = []
    original = api.CasaAPI.__init__

    def counting_init(self, config):
        built.append(sorted(config["resources"]))
        original(self, config)

    monkeypatch.setattr(api.CasaAPI, "__init__", counting_init)
    for _ in range(5):
        assert get(client, "/ogc/collections/parcels/items")[0].status_code == 200
        assert get(client, "/ogc/collections")[0].status_code == 200
    assert len(built) == 1 and "citizen-reports" not in built[0]
    client.force_login(planner)  # may see citizen reports: a second object, built once
    for _ in range(3):
        assert get(client, "/ogc/collections/citizen-reports/items")[0].status_code == 200
    assert len(built) == 2 and "citizen-reports" in built[1]


def test_pygeoapi_sessions_run_without_parallel_workers(client, parcels):
    """No parallel workers, and cursors planned for all their rows (a streamed page is read
    whole: see ``ogc.config.SESSION_OPTIONS``)."""
    from sqlalchemy import text

    from ogc.provider import ENGINES

    assert get(client, "/ogc/collections/parcels/items")[0].status_code == 200
    assert ENGINES
    for engine in ENGINES:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW max_parallel_workers_per_gather")).scalar() == "0"
            assert conn.execute(text("SHOW cursor_tuple_fraction")).scalar() == "1"


def test_json_answers_keep_the_text_as_stored(client):
    """Markup-like text comes back exactly as stored in JSON (decoded), yet never as raw markup in
    the bytes, so the JSON is safe to place in a page."""
    stored = "2 rue <b>Tahar</b> Sebti & fils"
    parcel = ParcelFactory(address=stored, geom=rect(0, 0, 10, 10))
    one = client.get(
        f"/ogc/collections/parcels/items/{parcel.pk}", {"f": "json"}, HTTP_HOST="127.0.0.1"
    )
    page = client.get("/ogc/collections/parcels/items", {"f": "json"}, HTTP_HOST="127.0.0.1")
    assert json.loads(one.content)["properties"]["address"] == stored
    assert json.loads(page.content)["features"][0]["properties"]["address"] == stored
    assert b"<b>" not in one.content and b"<b>" not in page.content


def test_answers_in_crs84_leave_the_servers_log_clean(client, parcels):
    """OGC:CRS84 has no EPSG code: the provider finds its SRID through the PROJ string, which
    pyproj warns about once per server process. The answer is lon/lat at 4326 all the same."""
    provider._output.cache_clear()  # as in a process that just started
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, doc = get(
            client, "/ogc/collections/parcels/items", bbox=f"{WEST},{SOUTH},{EAST},{NORTH}"
        )
    assert [f["properties"]["reference"] for f in doc["features"]] == ["TF 1/C"]
    x0, y0 = doc["features"][0]["geometry"]["coordinates"][0][0][0]
    assert (round(x0, 4), round(y0, 4)) == (round(LON0, 4), round(LAT0, 4))  # longitude first
    assert [str(w.message) for w in caught if "lose" in str(w.message)] == []
