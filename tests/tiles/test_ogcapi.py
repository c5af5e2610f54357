"""OGC API - Tiles documents (OGC 20-057, tile matrix sets of OGC 17-083r4) through Django's test
client against real PostGIS: the WebMercatorQuad definition against the values of the standard's
Annex D table, the tileset list and tileset of a collection (link relations, template variables,
limits worked out with the slippy-map formulas), a tile through the template equal to the
``/tiles`` tile, and internal layers hidden from anyone without the view permission."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission, User

from tests.factories import CitizenReportFactory, ParcelFactory, rect
from tests.tiles.conftest import decode, origin_tile, tile_of
from tiles.ogcapi import collection_links, conformance_classes

pytestmark = pytest.mark.django_db

TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
MVT = "application/vnd.mapbox-vector-tile"
TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
TILES_CONF = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"

# OGC 17-083r4, Table D.1 (WebMercatorQuad): scale denominator and cell size of some levels.
ANNEX_D = {
    0: (559082264.0287178, 156543.0339280410),
    1: (279541132.0143589, 78271.51696402048),
    10: (545978.7734655447, 152.8740565703525),
    18: (2132.729583849784, 0.5971642834779395),
}
HALF_WORLD = 20037508.3427892  # Annex D: the point of origin, top left


def ogc(client, path: str, **headers):
    return client.get(path.removeprefix(settings.PUBLIC_URL), **headers)


def test_tile_matrix_sets_list_names_web_mercator_quad(client):
    response = client.get("/ogc/tileMatrixSets")
    assert response.status_code == 200
    doc = response.json()
    assert [t["id"] for t in doc["tileMatrixSets"]] == ["WebMercatorQuad"]
    entry = doc["tileMatrixSets"][0]
    assert entry["uri"] == TMS_URI
    self_link = next(link for link in entry["links"] if link["rel"] == "self")
    assert self_link["href"] == f"{settings.PUBLIC_URL}/ogc/tileMatrixSets/WebMercatorQuad"
    assert any(link["rel"] == "self" for link in doc["links"])


def test_web_mercator_quad_is_the_standard_definition(client):
    doc = client.get("/ogc/tileMatrixSets/WebMercatorQuad").json()
    assert doc["id"] == "WebMercatorQuad"
    assert doc["uri"] == TMS_URI
    assert doc["crs"] == EPSG_3857
    assert doc["orderedAxes"] == ["X", "Y"]
    assert (
        doc["wellKnownScaleSet"] == "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible"
    )
    matrices = doc["tileMatrices"]
    assert [m["id"] for m in matrices] == [str(z) for z in range(25)]
    for z, m in enumerate(matrices):
        assert m["matrixWidth"] == m["matrixHeight"] == 2**z
        assert m["tileWidth"] == m["tileHeight"] == 256
        assert m["cornerOfOrigin"] == "topLeft"
        assert m["pointOfOrigin"] == pytest.approx([-HALF_WORLD, HALF_WORLD], abs=1e-6)
        # the matrix covers the world exactly, whatever the level
        assert m["cellSize"] * 256 * 2**z == pytest.approx(2 * HALF_WORLD, rel=1e-12)
        # 0.28 mm pixels
        assert m["scaleDenominator"] * 0.00028 == pytest.approx(m["cellSize"], rel=1e-12)
    for z, (scale, cell) in ANNEX_D.items():
        assert matrices[z]["scaleDenominator"] == pytest.approx(scale, rel=1e-12)
        assert matrices[z]["cellSize"] == pytest.approx(cell, rel=1e-12)


def test_unknown_tile_matrix_set_is_404_in_ogc_form(client):
    response = client.get("/ogc/tileMatrixSets/WorldCRS84Quad")
    assert response.status_code == 404
    assert response.json()["code"] == "NotFound"
    assert client.get("/ogc/collections/parcels/tiles/WorldCRS84Quad").status_code == 404


def test_tileset_list_of_a_collection(client):
    response = client.get("/ogc/collections/parcels/tiles")
    assert response.status_code == 200
    doc = response.json()
    base = f"{settings.PUBLIC_URL}/ogc/collections/parcels"
    rels = {link["rel"]: link["href"] for link in doc["links"]}
    assert rels["self"] == f"{base}/tiles"
    (entry,) = doc["tilesets"]
    assert entry["dataType"] == "vector"
    assert entry["tileMatrixSetURI"] == TMS_URI
    assert entry["crs"] == EPSG_3857
    links = {link["rel"]: link["href"] for link in entry["links"]}
    assert links["self"] == f"{base}/tiles/WebMercatorQuad"
    assert links[TILING_SCHEME] == f"{settings.PUBLIC_URL}/ogc/tileMatrixSets/WebMercatorQuad"


def test_tileset_describes_zooms_limits_and_fields(client):
    doc = client.get("/ogc/collections/parcels/tiles/WebMercatorQuad").json()
    assert doc["dataType"] == "vector"
    assert doc["tileMatrixSetURI"] == TMS_URI
    # parcels: min_zoom 14, max_zoom 22 (layers/parcels/layers.py)
    limits = {lim["tileMatrix"]: lim for lim in doc["tileMatrixSetLimits"]}
    assert list(limits) == [str(z) for z in range(14, 23)]
    west, south, east, north = settings.GIS_EXTENT_LONLAT
    for z in (14, 16, 22):
        min_col, min_row = tile_of(west, north, z)
        max_col, max_row = tile_of(east, south, z)
        assert limits[str(z)] == {
            "tileMatrix": str(z),
            "minTileRow": min_row,
            "maxTileRow": max_row,
            "minTileCol": min_col,
            "maxTileCol": max_col,
        }
    assert doc["boundingBox"]["crs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert doc["boundingBox"]["lowerLeft"] == pytest.approx([west, south])
    (layer,) = doc["layers"]
    assert layer["id"] == "parcels"
    assert layer["geometryDimension"] == 2
    assert (layer["minTileMatrix"], layer["maxTileMatrix"]) == ("14", "22")
    # The id is the feature id, not a property.
    assert layer["propertiesSchema"]["properties"] == {
        "reference": {"type": "string"},
        "land_status": {"type": "string"},
    }
    rels = {link["rel"] for link in doc["links"]}
    assert {"self", TILING_SCHEME, "item", "stylesheet", "describedby"} <= rels


def test_a_tile_through_the_template_is_the_tiles_tile(client):
    ParcelFactory(reference="TF 77/C", geom=rect(0, 0, 100, 100))
    doc = client.get("/ogc/collections/parcels/tiles/WebMercatorQuad").json()
    (item,) = [link for link in doc["links"] if link["rel"] == "item"]
    assert item["type"] == MVT
    assert item["templated"] is True
    template = item["href"]
    for variable in ("{tileMatrix}", "{tileRow}", "{tileCol}"):
        assert template.count(variable) == 1
    z, x, y = origin_tile(16)
    href = (
        template.replace("{tileMatrix}", str(z))
        .replace("{tileRow}", str(y))
        .replace("{tileCol}", str(x))
    )
    assert href.startswith(settings.PUBLIC_URL + "/ogc/collections/parcels/tiles/WebMercatorQuad/")
    through_ogc = ogc(client, href)
    direct = client.get(f"/tiles/parcels/{z}/{x}/{y}.mvt")
    assert through_ogc.status_code == direct.status_code == 200
    assert through_ogc["Content-Type"] == MVT
    assert through_ogc.content == direct.content
    refs = [
        f["properties"]["reference"] for f in decode(through_ogc.content)["parcels"]["features"]
    ]
    assert refs == ["TF 77/C"]
    assert through_ogc["ETag"] == direct["ETag"]
    again = ogc(client, href, HTTP_IF_NONE_MATCH=through_ogc["ETag"])
    assert again.status_code == 304
    # the same tile without ?f=mvt
    assert ogc(client, href.removesuffix("?f=mvt")).content == direct.content


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/ogc/collections/parcels/tiles/WebMercatorQuad/13/{y13}/{x13}", 404),  # below min_zoom
        ("/ogc/collections/parcels/tiles/WebMercatorQuad/23/{y23}/{x23}", 404),  # above max_zoom
        ("/ogc/collections/parcels/tiles/WebMercatorQuad/16/0/0", 404),  # outside the limits
        ("/ogc/collections/parcels/tiles/WebMercatorQuad/16/{y16}/{x16}?f=png", 400),
        ("/ogc/collections/no-such-layer/tiles", 404),
        ("/ogc/collections/no-such-layer/tiles/WebMercatorQuad/16/{y16}/{x16}", 404),
        ("/ogc/collections/parcels/tiles?f=html", 400),
    ],
)
def test_tile_errors_are_ogc_exceptions(client, path, status):
    coords = {}
    for z in (13, 16, 23):
        _, x, y = origin_tile(z)
        coords |= {f"x{z}": x, f"y{z}": y}
    response = client.get(path.format(**coords))
    assert response.status_code == status
    body = response.json()
    assert body["code"] and body["description"]


def test_internal_layer_tilesets_need_the_view_permission(client):
    CitizenReportFactory()
    z, x, y = origin_tile(16)
    paths = [
        "/ogc/collections/citizen-reports/tiles",
        "/ogc/collections/citizen-reports/tiles/WebMercatorQuad",
        f"/ogc/collections/citizen-reports/tiles/WebMercatorQuad/{z}/{y}/{x}?f=mvt",
        "/tiles/citizen-reports/style.json",
    ]
    unknown = client.get("/ogc/collections/no-such-layer/tiles").json()["description"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 404, path
    # an internal layer is described exactly as a layer that does not exist
    hidden = client.get("/ogc/collections/citizen-reports/tiles").json()["description"]
    assert hidden == unknown.replace("no-such-layer", "citizen-reports")
    user = User.objects.create_user("agent", password="pw")
    client.force_login(user)
    assert all(client.get(path).status_code == 404 for path in paths)
    user.user_permissions.add(Permission.objects.get(codename="view_citizenreport"))
    client.force_login(User.objects.get(pk=user.pk))
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "private, no-cache"
        assert "Access-Control-Allow-Origin" not in response
    tile = client.get(paths[2])
    assert len(decode(tile.content)["citizen-reports"]["features"]) == 1


def test_conformance_classes_and_collection_links_for_the_ogc_documents():
    classes = conformance_classes()
    for name in ("core", "tileset", "tilesets-list", "geodata-tilesets", "mvt"):
        assert TILES_CONF + name in classes
    assert len(set(classes)) == len(classes)
    links = collection_links("parcels", "https://geo.example.ma/ogc")
    hrefs = {link["rel"]: link["href"] for link in links}
    assert hrefs["http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"] == (
        "https://geo.example.ma/ogc/collections/parcels/tiles"
    )
    assert hrefs["stylesheet"] == "https://geo.example.ma/tiles/parcels/style.json"


def test_every_tileset_link_answers(client):
    """Following every link of the documents from the tileset list (templates filled) leads to
    a 200 answer on this server."""
    ParcelFactory()
    z, x, y = origin_tile(16)
    seen: set[str] = set()
    todo = ["/ogc/collections/parcels/tiles"]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code == 200, path
        if response["Content-Type"] != "application/json":
            continue
        doc = response.json()
        links = [*doc.get("links", [])]
        for entry in doc.get("tilesets", []) + doc.get("tileMatrixSets", []):
            links += entry.get("links", [])
        for link in links:
            href = link["href"].removeprefix(settings.PUBLIC_URL)
            href = href.replace("{tileMatrix}", str(z)).replace("{tileRow}", str(y))
            href = href.replace("{tileCol}", str(x))
            if href.startswith(("/ogc/collections/parcels/tiles", "/ogc/tileMatrixSets", "/tiles")):
                todo.append(href)
    assert "/ogc/tileMatrixSets/WebMercatorQuad" in seen
    assert "/tiles/parcels/style.json" in seen
