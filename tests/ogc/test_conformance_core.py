"""OGC API - Features - Part 1: Core (OGC 17-069r4), checked test by test against the abstract
test suite (Annex A): one test per abstract test of the Core conformance class and of the GeoJSON
conformance class, named after its id (``/conf/core/fc-bbox-response`` is
``test_conf_core_fc_bbox_response``), each asserting what the abstract test says.

The layers are hand-made in PostGIS: three 100 m parcels and three road segments with inspection
dates; expected answers come from their geometry and dates, not from the server."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import re
import urllib.parse
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from pyproj import Transformer

from tests.factories import ORIGIN, SRID, ParcelFactory, RoadSegmentFactory, line, rect

pytestmark = pytest.mark.django_db(transaction=True)

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
OPENAPI_MEDIA = "application/vnd.oai.openapi+json;version=3.0"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
TO_LONLAT = Transformer.from_crs(SRID, 4326, always_xy=True)
LON0, LAT0 = TO_LONLAT.transform(*ORIGIN)
# about 280 m around ORIGIN in longitude/latitude: holds parcel A (at ORIGIN) and road R0 only
NEAR_ORIGIN = f"{LON0 - 0.003:.5f},{LAT0 - 0.003:.5f},{LON0 + 0.003:.5f},{LAT0 + 0.003:.5f}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def parcels():
    """A at ORIGIN, B 1 km east, C 2 km east; 100 m squares."""
    return {
        "A": ParcelFactory(reference="TF 1/K", land_status="titled", geom=rect(0, 0, 100, 100)),
        "B": ParcelFactory(reference="TF 2/K", land_status="titled", geom=rect(1000, 0, 100, 100)),
        "C": ParcelFactory(reference="TF 3/K", land_status="titled", geom=rect(2000, 0, 100, 100)),
    }


@pytest.fixture
def roads():
    """R0 at ORIGIN inspected 2020-05-01, R1 1 km east on 2022-05-01, R2 2 km east never."""
    return {
        "R0": RoadSegmentFactory(
            name_fr="R0", last_inspection=dt.date(2020, 5, 1), geom=line((0, 10), (200, 10))
        ),
        "R1": RoadSegmentFactory(
            name_fr="R1", last_inspection=dt.date(2022, 5, 1), geom=line((1000, 10), (1200, 10))
        ),
        "R2": RoadSegmentFactory(
            name_fr="R2", last_inspection=None, geom=line((2000, 10), (2200, 10))
        ),
    }


def get(client: Client, url: str, **headers: str):
    response = client.get(url, HTTP_HOST="127.0.0.1", **headers)
    content_type = response.get("Content-Type", "")
    doc = json.loads(response.content) if "json" in content_type else None
    return response, doc


def path_of(href: str) -> str:
    """The path and query of a link (the documents' links are absolute)."""
    parts = urllib.parse.urlsplit(href)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def rels(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for link in doc["links"]:
        assert {"href", "rel"} <= set(link), link
        out.setdefault(link["rel"], []).append(link)
    return out


def openapi(client: Client) -> dict[str, Any]:
    _, doc = get(client, "/ogc/openapi?f=json")
    return doc


def items_parameter(api: dict[str, Any], slug: str, name: str) -> dict[str, Any]:
    for parameter in api["paths"][f"/collections/{slug}/items"]["get"]["parameters"]:
        if "$ref" in parameter:
            node: Any = api
            for part in parameter["$ref"][2:].split("/"):
                node = node[part]
            parameter = node
        if parameter.get("name") == name:
            return parameter
    raise AssertionError(f"{name} is not a parameter of {slug}'s items")


def names(doc: dict[str, Any], key: str = "name_fr") -> set[str]:
    return {f["properties"][key] for f in doc["features"]}


# -- landing page, API definition, conformance ---------------------------------------------------


def test_conf_core_root_op(client):
    """The landing page answers GET at the root path with 200."""
    response, _ = get(client, "/ogc")
    assert response.status_code == 200


def test_conf_core_root_success(client):
    """The landing page links to the API definition (service-desc or service-doc), the
    conformance declaration (conformance) and the collections (data)."""
    _, doc = get(client, "/ogc?f=json")
    links = rels(doc)
    assert links.get("service-desc") or links.get("service-doc")
    assert any(
        path_of(link["href"]).startswith("/ogc/conformance") for link in links["conformance"]
    )
    assert any(path_of(link["href"]).startswith("/ogc/collections") for link in links["data"])


def test_conf_core_api_definition_op(client):
    """Every API definition link of the landing page answers GET with 200."""
    _, doc = get(client, "/ogc?f=json")
    links = rels(doc)
    for link in links.get("service-desc", []) + links.get("service-doc", []):
        assert get(client, path_of(link["href"]))[0].status_code == 200, link


def test_conf_core_api_definition_success(client):
    """The service-desc link in OpenAPI 3.0 gives an OpenAPI 3.0 document in its media type."""
    _, doc = get(client, "/ogc?f=json")
    link = next(link for link in rels(doc)["service-desc"] if link.get("type") == OPENAPI_MEDIA)
    response, _ = get(client, path_of(link["href"]))
    assert response["Content-Type"].replace(" ", "").startswith(OPENAPI_MEDIA)
    api = json.loads(response.content)
    assert api["openapi"].startswith("3.0")
    assert "/collections/parcels/items" in api["paths"]


def test_conf_core_conformance_op(client):
    """The conformance declaration answers GET with 200."""
    assert get(client, "/ogc/conformance")[0].status_code == 200


def test_conf_core_conformance_success(client):
    """conformsTo lists the Core class (and the GeoJSON class this server implements)."""
    _, doc = get(client, "/ogc/conformance?f=json")
    assert CORE in doc["conformsTo"]
    assert GEOJSON in doc["conformsTo"]


def test_conf_core_http(ogc_server, parcels):
    """The server speaks HTTP 1.1 (checked over a real socket, against gunicorn)."""
    parts = urllib.parse.urlsplit(ogc_server)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        for path in ("/ogc", "/ogc/conformance", "/ogc/collections/parcels/items?limit=1"):
            connection.request("GET", path, headers={"Accept": "application/json"})
            response = connection.getresponse()
            response.read()
            assert response.status == 200, path
            assert response.version == 11, path
    finally:
        connection.close()


# -- collections ----------------------------------------------------------------------------------


def test_conf_core_fc_md_op(client):
    """/collections answers GET with 200."""
    assert get(client, "/ogc/collections")[0].status_code == 200


def test_conf_core_fc_md_success(client):
    """/collections is a document with links and a collections array."""
    _, doc = get(client, "/ogc/collections?f=json")
    assert isinstance(doc["links"], list)
    assert isinstance(doc["collections"], list)
    assert "parcels" in {c["id"] for c in doc["collections"]}


def test_conf_core_fc_md_links(client):
    """/collections links to itself (self) and to its other encodings (alternate)."""
    _, doc = get(client, "/ogc/collections?f=json")
    links = rels(doc)
    assert path_of(links["self"][0]["href"]).startswith("/ogc/collections")
    assert {link.get("type") for link in links["alternate"]} & {"text/html"}


def test_conf_core_fc_md_items(client):
    """Each collection has an id and links; each is one that the server serves."""
    _, doc = get(client, "/ogc/collections?f=json")
    for collection in doc["collections"]:
        assert collection["id"]
        assert isinstance(collection["links"], list)
        assert get(client, f"/ogc/collections/{collection['id']}")[0].status_code == 200


def test_conf_core_fc_md_items_links(client):
    """Each collection links to its features (rel items, in GeoJSON)."""
    _, doc = get(client, "/ogc/collections?f=json")
    for collection in doc["collections"]:
        items = rels(collection)["items"]
        geojson = [link for link in items if link.get("type") == "application/geo+json"]
        assert geojson, collection["id"]
        assert path_of(geojson[0]["href"]).startswith(f"/ogc/collections/{collection['id']}/items")


def test_conf_core_fc_md_extent(client):
    """A spatial extent is a list of boxes of four or six numbers in CRS84 (longitude and
    latitude within range, west before east); the municipal extent holds the test origin."""
    _, doc = get(client, "/ogc/collections?f=json")
    for collection in doc["collections"]:
        spatial = collection["extent"]["spatial"]
        assert spatial.get("crs", CRS84) == CRS84
        for box in spatial["bbox"]:
            assert len(box) in (4, 6)
            west, south, east, north = (box[0], box[1], box[-3], box[-2]) if len(box) == 6 else box
            assert -180 <= west <= 180 and -180 <= east <= 180
            assert -90 <= south <= north <= 90
        west, south, east, north = spatial["bbox"][0]
        assert west <= LON0 <= east and south <= LAT0 <= north
        temporal = collection["extent"].get("temporal")
        if temporal and temporal.get("interval"):
            for interval in temporal["interval"]:
                assert len(interval) == 2


def test_conf_core_sfc_md_op(client):
    """/collections/{collectionId} answers GET with 200 for every collection listed."""
    _, doc = get(client, "/ogc/collections?f=json")
    for collection in doc["collections"]:
        assert get(client, f"/ogc/collections/{collection['id']}")[0].status_code == 200


def test_conf_core_sfc_md_success(client):
    """/collections/{collectionId} is the same description as its entry in /collections."""
    _, doc = get(client, "/ogc/collections?f=json")
    listed = next(c for c in doc["collections"] if c["id"] == "parcels")
    _, one = get(client, "/ogc/collections/parcels?f=json")
    assert one["id"] == listed["id"] == "parcels"
    assert one["title"] == listed["title"]
    assert one["extent"] == listed["extent"]
    assert {link["rel"] for link in listed["links"]} <= {link["rel"] for link in one["links"]}


# -- features -------------------------------------------------------------------------------------


def test_conf_core_fc_op(client, parcels):
    """/collections/{collectionId}/items answers GET with 200."""
    assert get(client, "/ogc/collections/parcels/items")[0].status_code == 200


def test_conf_core_fc_bbox_definition(client):
    """Each items operation declares bbox as Part 1 defines it."""
    bbox = items_parameter(openapi(client), "parcels", "bbox")
    assert bbox["in"] == "query"
    assert bbox.get("required", False) is False
    assert bbox["schema"]["type"] == "array"
    assert bbox["schema"]["minItems"] == 4
    assert bbox["schema"]["maxItems"] == 6
    assert bbox["schema"]["items"]["type"] == "number"
    assert bbox.get("style", "form") == "form"
    assert bbox.get("explode") is False


def test_conf_core_fc_bbox_response(client, parcels):
    """Only features whose geometry intersects bbox are returned."""
    _, doc = get(client, f"/ogc/collections/parcels/items?bbox={NEAR_ORIGIN}")
    assert names(doc, "reference") == {"TF 1/K"}
    # a box between the parcels holds none
    lon, lat = TO_LONLAT.transform(ORIGIN[0] + 500, ORIGIN[1] + 50)
    empty = f"{lon - 0.001:.5f},{lat - 0.0001:.5f},{lon + 0.001:.5f},{lat + 0.0001:.5f}"
    _, doc = get(client, f"/ogc/collections/parcels/items?bbox={empty}")
    assert doc["features"] == []


def test_conf_core_fc_limit_definition(client):
    """Each items operation declares limit: an integer of at least 1, with its default and
    maximum (those of the settings)."""
    limit = items_parameter(openapi(client), "parcels", "limit")
    assert limit["in"] == "query"
    assert limit.get("required", False) is False
    assert limit["schema"]["type"] == "integer"
    assert limit["schema"]["minimum"] == 1
    assert limit["schema"]["maximum"] == settings.OGC["MAX_LIMIT"]
    assert limit["schema"]["default"] == settings.OGC["DEFAULT_LIMIT"]
    assert limit.get("explode") is False


@override_settings(OGC={**settings.OGC, "DEFAULT_LIMIT": 2, "MAX_LIMIT": 2})
def test_conf_core_fc_limit_response(client, parcels):
    """No more features than limit; the default applies without it; a limit above the maximum
    is cut to the maximum."""
    _, doc = get(client, "/ogc/collections/parcels/items?limit=1")
    assert doc["numberReturned"] == len(doc["features"]) == 1
    _, doc = get(client, "/ogc/collections/parcels/items")
    assert len(doc["features"]) == 2
    response, doc = get(client, "/ogc/collections/parcels/items?limit=1000")
    assert response.status_code == 200
    assert len(doc["features"]) == 2


def test_conf_core_fc_time_definition(client):
    """Each collection's items operation declares datetime, a string."""
    api = openapi(client)
    for path in api["paths"]:
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "collections" and parts[2] == "items":
            datetime = items_parameter(api, parts[1], "datetime")
            assert datetime["in"] == "query", path
            assert datetime.get("required", False) is False, path
            assert datetime["schema"]["type"] == "string", path
            assert datetime.get("explode") is False, path


def test_conf_core_fc_time_response(client, roads):
    """Only features whose time intersects datetime: an instant, a closed interval, intervals
    open at either end."""
    url = "/ogc/collections/roads/items?datetime="
    assert names(get(client, url + "2020-05-01")[1]) == {"R0"}
    assert names(get(client, url + "2020-01-01T00:00:00Z/2021-01-01T00:00:00Z")[1]) == {"R0"}
    assert names(get(client, url + "2021-01-01T00:00:00Z/..")[1]) == {"R1"}
    assert names(get(client, url + "../2021-01-01T00:00:00Z")[1]) == {"R0"}
    assert names(get(client, url + "2019-01-01T00:00:00Z/2023-01-01T00:00:00Z")[1]) == {
        "R0",
        "R1",
    }


def test_conf_core_query_param_invalid(client, parcels):
    """A parameter with an invalid value gets 400."""
    for query in ("limit=0", "limit=abc", "bbox=1,2,3", "bbox=a,b,c,d", "datetime=yesterday"):
        response, doc = get(client, f"/ogc/collections/parcels/items?{query}")
        assert response.status_code == 400, query
        assert doc["code"], query


def test_conf_core_query_param_unknown(client, parcels):
    """An unknown parameter gets 400."""
    for url in ("/ogc", "/ogc/collections", "/ogc/collections/parcels/items"):
        response, doc = get(client, f"{url}?unknown_parameter=1")
        assert response.status_code == 400, url
        assert "unknown_parameter" in doc["description"], url


def test_conf_core_fc_response(client, parcels):
    """The items are a GeoJSON FeatureCollection of features."""
    _, doc = get(client, "/ogc/collections/parcels/items")
    assert doc["type"] == "FeatureCollection"
    assert {f["type"] for f in doc["features"]} == {"Feature"}
    assert names(doc, "reference") == {"TF 1/K", "TF 2/K", "TF 3/K"}


def test_conf_core_fc_links(client, parcels):
    """The items link to themselves (self), to their other encodings (alternate) and, when there
    are more, to the next page (next), which gives the rest."""
    _, doc = get(client, "/ogc/collections/parcels/items?limit=2")
    links = rels(doc)
    assert path_of(links["self"][0]["href"]).startswith("/ogc/collections/parcels/items")
    assert links["alternate"]
    seen = names(doc, "reference")
    next_href = path_of(links["next"][0]["href"])
    _, page = get(client, next_href)
    assert seen | names(page, "reference") == {"TF 1/K", "TF 2/K", "TF 3/K"}
    assert not seen & names(page, "reference")
    assert "next" not in rels(page)


def test_conf_core_fc_timeStamp(client, parcels):
    """timeStamp is the time of the answer, in RFC 3339."""
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    _, doc = get(client, "/ogc/collections/parcels/items")
    after = dt.datetime.now(dt.UTC)
    assert RFC3339.match(doc["timeStamp"]), doc["timeStamp"]
    stamp = dt.datetime.fromisoformat(doc["timeStamp"].replace("Z", "+00:00"))
    assert before <= stamp <= after


def test_conf_core_fc_numberMatched(client, parcels):
    """numberMatched is the number of features matching the selection, whatever the page."""
    _, doc = get(client, "/ogc/collections/parcels/items?limit=1")
    assert doc["numberMatched"] == 3
    _, doc = get(client, f"/ogc/collections/parcels/items?limit=1&bbox={NEAR_ORIGIN}")
    assert doc["numberMatched"] == 1


def test_conf_core_fc_numberReturned(client, parcels):
    """numberReturned is the number of features in the answer."""
    for limit in (1, 2, 10):
        _, doc = get(client, f"/ogc/collections/parcels/items?limit={limit}")
        assert doc["numberReturned"] == len(doc["features"]) == min(limit, 3)


# -- one feature ----------------------------------------------------------------------------------


def test_conf_core_f_op(client, parcels):
    """/collections/{collectionId}/items/{featureId} answers GET with 200, and 404 for an id
    that does not exist."""
    assert get(client, f"/ogc/collections/parcels/items/{parcels['A'].pk}")[0].status_code == 200
    missing = max(p.pk for p in parcels.values()) + 1000
    assert get(client, f"/ogc/collections/parcels/items/{missing}")[0].status_code == 404


def test_conf_core_f_success(client, parcels):
    """The answer is the feature asked for."""
    _, doc = get(client, f"/ogc/collections/parcels/items/{parcels['B'].pk}")
    assert doc["type"] == "Feature"
    assert str(doc["id"]) == str(parcels["B"].pk)
    assert doc["properties"]["reference"] == "TF 2/K"


def test_conf_core_f_links(client, parcels):
    """A feature links to itself (self), its other encodings (alternate) and its collection
    (collection)."""
    _, doc = get(client, f"/ogc/collections/parcels/items/{parcels['A'].pk}")
    links = rels(doc)
    assert path_of(links["self"][0]["href"]).startswith(
        f"/ogc/collections/parcels/items/{parcels['A'].pk}"
    )
    assert links["alternate"]
    assert path_of(links["collection"][0]["href"]).startswith("/ogc/collections/parcels")


# -- GeoJSON --------------------------------------------------------------------------------------


def test_conf_geojson_definition(client, parcels):
    """Features and feature collections are offered as application/geo+json."""
    headers = {"HTTP_ACCEPT": "application/geo+json"}
    response, _ = get(client, "/ogc/collections/parcels/items", **headers)
    assert response["Content-Type"].startswith("application/geo+json")
    response, _ = get(client, f"/ogc/collections/parcels/items/{parcels['A'].pk}", **headers)
    assert response["Content-Type"].startswith("application/geo+json")


def test_conf_geojson_content(client, parcels):
    """The GeoJSON is RFC 7946: a MultiPolygon in longitude/latitude (WGS 84) whose corners are
    those of the square stored in the local CRS."""
    _, doc = get(client, f"/ogc/collections/parcels/items/{parcels['A'].pk}")
    geometry = doc["geometry"]
    assert geometry["type"] == "MultiPolygon"
    ring = geometry["coordinates"][0][0]
    assert ring[0] == ring[-1]
    assert len(ring) == 5
    expected = {
        TO_LONLAT.transform(ORIGIN[0] + dx, ORIGIN[1] + dy)
        for dx, dy in ((0, 0), (100, 0), (100, 100), (0, 100))
    }
    for lon, lat in ring:
        assert min(abs(lon - x) + abs(lat - y) for x, y in expected) < 1e-6
    _, collection = get(client, "/ogc/collections/parcels/items")
    for feature in collection["features"]:
        assert {"type", "geometry", "properties"} <= set(feature)
        assert "id" in feature
