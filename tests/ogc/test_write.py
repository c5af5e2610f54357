"""Part 4 writes: only for users holding the layer's change permission (session or token),
attributed in the history, validated with reasons, and guarded by ETag / If-Match."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from layers.common.models import HistoryEntry
from layers.parcels.models import Parcel
from tests.factories import ORIGIN, ParcelFactory, rect

pytestmark = pytest.mark.django_db(transaction=True)
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
ITEMS = "/ogc/collections/parcels/items"


def square(x: float, y: float, side: float) -> dict:
    """A GeoJSON square in EPSG:26191, ``(x, y)`` metres from ORIGIN."""
    x0, y0 = ORIGIN[0] + x, ORIGIN[1] + y
    ring = [[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(geometry: dict, **props) -> str:
    return json.dumps({"type": "Feature", "geometry": geometry, "properties": props})


LOCAL = {"HTTP_CONTENT_CRS": f"<{EPSG}26191>"}


def send(client: Client, method: str, url: str, body: str = "", **headers):
    return getattr(client, method)(
        url, body, content_type="application/geo+json", HTTP_HOST="127.0.0.1", **headers
    )


def test_anonymous_and_unauthorised_writes_change_nothing(viewer):
    parcel = ParcelFactory()
    body = feature(square(0, 0, 50), reference="TF 9/C", land_status="titled")
    assert send(Client(), "post", ITEMS, body, **LOCAL).status_code == 401
    assert send(Client(), "delete", f"{ITEMS}/{parcel.pk}").status_code == 401
    c = Client()
    c.force_login(viewer)
    assert send(c, "post", ITEMS, body, **LOCAL).status_code == 403
    assert send(c, "put", f"{ITEMS}/{parcel.pk}", body, **LOCAL).status_code == 403
    assert send(c, "delete", f"{ITEMS}/{parcel.pk}").status_code == 403
    assert list(Parcel.objects.values_list("reference", flat=True)) == [parcel.reference]
    bad = send(Client(), "post", ITEMS, body, HTTP_AUTHORIZATION="Token nope", **LOCAL)
    assert bad.status_code == 401


def test_create_with_a_token_is_attributed_and_reprojected(token):
    c = Client()
    body = feature(square(0, 0, 50), reference="TF 9/C", land_status="titled", address="1 rue X")
    response = send(c, "post", ITEMS, body, HTTP_AUTHORIZATION=f"Token {token}", **LOCAL)
    assert response.status_code == 201, response.content
    location = response["Location"]
    assert location.startswith(f"{settings.PUBLIC_URL}/ogc/collections/parcels/items/")
    pk = int(location.rsplit("/", 1)[1])
    parcel = Parcel.objects.get(pk=pk)
    assert parcel.geom.area == pytest.approx(2500)  # a 50 m square
    assert parcel.geom.geom_type == "MultiPolygon"  # promoted from Polygon
    entry = HistoryEntry.objects.get(table_name="parcels_parcel", row_id=pk)
    assert (entry.op, entry.actor) == ("I", "planner")
    assert response["ETag"] == c.get(f"{ITEMS}/{pk}", HTTP_HOST="127.0.0.1")["ETag"]


def test_create_in_crs84_by_default(planner):
    c = Client()
    c.force_login(planner)
    # About 7.6186 W, 33.5936 N: Place Mohammed V, within metres of ORIGIN.
    d = 0.0005
    lon0, lat0 = -7.6186, 33.5936
    ring = [[lon0, lat0], [lon0 + d, lat0], [lon0 + d, lat0 + d], [lon0, lat0 + d], [lon0, lat0]]
    polygon = {"type": "Polygon", "coordinates": [ring]}
    body = feature(polygon, reference="TF 8/C", land_status="titled")
    response = send(c, "post", ITEMS, body)
    assert response.status_code == 201, response.content
    geom = Parcel.objects.get(reference="TF 8/C").geom
    # 0.0005 degree is about 46 m of longitude and 55 m of latitude at 33.6 N
    assert 2000 < geom.area < 3000
    assert abs(geom.centroid.x - ORIGIN[0]) < 500 and abs(geom.centroid.y - ORIGIN[1]) < 500


def test_invalid_geometry_gets_422_and_invalid_attributes_400_with_the_reason(planner):
    c = Client(HTTP_ACCEPT_LANGUAGE="en")  # the reasons checked are the English ones
    c.force_login(planner)
    x0, y0 = ORIGIN
    crossed = [[x0, y0], [x0 + 10, y0 + 10], [x0 + 10, y0], [x0, y0 + 10], [x0, y0]]
    bowtie = {"type": "Polygon", "coordinates": [crossed]}
    body = feature(bowtie, reference="TF 7/C", land_status="titled")
    response = send(c, "post", ITEMS, body, **LOCAL)
    assert response.status_code == 422 and b"Self-intersection" in response.content
    point = {"type": "Point", "coordinates": [x0, y0]}
    response = send(c, "post", ITEMS, feature(point, reference="TF 7/C"), **LOCAL)
    assert response.status_code == 422 and b"MultiPolygon" in response.content
    far = square(500000, 0, 10)
    response = send(c, "post", ITEMS, feature(far, reference="TF 7/C"), **LOCAL)
    assert response.status_code == 422 and b"extent" in response.content
    no_geometry = json.dumps({"type": "Feature", "properties": {"reference": "TF 7/C"}})
    response = send(c, "post", ITEMS, no_geometry, **LOCAL)
    assert response.status_code == 422 and b"geometry is required" in response.content
    body = feature(square(0, 0, 10), reference="TF 7/C", owner="someone")
    response = send(c, "post", ITEMS, body, **LOCAL)
    assert response.status_code == 400 and b"owner" in response.content
    body = feature(square(0, 0, 10), reference="TF 7/C", official_area_m2="lots")
    response = send(c, "post", ITEMS, body, **LOCAL)
    assert response.status_code == 400 and b"official_area_m2" in response.content
    assert not Parcel.objects.exists()


def test_malformed_bodies_get_400(planner):
    parcel = ParcelFactory()
    c = Client(HTTP_ACCEPT_LANGUAGE="en")  # the reasons checked are the English ones
    c.force_login(planner)
    for body in ('{"type": "Feature", "geometry": ', "[1, 2]", '"Feature"'):
        response = send(c, "post", ITEMS, body, **LOCAL)
        assert response.status_code == 400, (body, response.content)
        assert json.loads(response.content)["code"] == "InvalidParameterValue"
    response = send(c, "put", f"{ITEMS}/{parcel.pk}", '{"type": "FeatureCollection"}', **LOCAL)
    assert response.status_code == 400 and b"GeoJSON Feature" in response.content
    body = json.dumps({"type": "Feature", "geometry": square(0, 0, 10), "properties": [1]})
    response = send(c, "post", ITEMS, body, **LOCAL)
    assert response.status_code == 400 and b"properties must be an object" in response.content
    assert list(Parcel.objects.values_list("pk", flat=True)) == [parcel.pk]


def test_a_new_feature_with_an_existing_id_or_reference_is_a_conflict(planner):
    parcel = ParcelFactory(reference="TF 6/C", address="kept", geom=rect(0, 0, 100, 100))
    c = Client(HTTP_ACCEPT_LANGUAGE="en")  # the reasons checked are the English ones
    c.force_login(planner)
    before = HistoryEntry.objects.count()
    # beside the parcel, not on it (parcels may not overlap)
    doc = json.loads(feature(square(200, 0, 20), reference="TF 66/C", land_status="titled"))
    for carried in ({"id": parcel.pk}, {"id": str(parcel.pk)}):
        response = send(c, "post", ITEMS, json.dumps({**doc, **carried}), **LOCAL)
        assert response.status_code == 409, response.content
        assert f"feature {parcel.pk} already exists".encode() in response.content
    in_properties = {**doc, "properties": {**doc["properties"], "id": parcel.pk}}
    assert send(c, "post", ITEMS, json.dumps(in_properties), **LOCAL).status_code == 409
    same_reference = feature(square(200, 0, 20), reference="TF 6/C", land_status="titled")
    response = send(c, "post", ITEMS, same_reference, **LOCAL)
    assert response.status_code == 409 and b"TF 6/C" in response.content
    assert list(Parcel.objects.values_list("pk", "address")) == [(parcel.pk, "kept")]
    assert HistoryEntry.objects.count() == before
    # an id that names no feature is the client's guess: the server assigns its own
    response = send(c, "post", ITEMS, json.dumps({**doc, "id": parcel.pk + 1000}), **LOCAL)
    assert response.status_code == 201, response.content
    new_pk = int(response["Location"].rsplit("/", 1)[1])
    assert Parcel.objects.get(pk=new_pk).reference == "TF 66/C"


def test_replace_update_delete_with_if_match(planner):
    parcel = ParcelFactory(reference="TF 5/C", address="old", geom=rect(0, 0, 100, 100))
    c = Client()
    c.force_login(planner)
    url = f"{ITEMS}/{parcel.pk}"
    etag = c.get(url, HTTP_HOST="127.0.0.1")["ETag"]
    body = feature(square(0, 0, 20), reference="TF 5/C", land_status="titled", address="new")
    response = send(c, "put", url, body, HTTP_IF_MATCH=etag, **LOCAL)
    assert response.status_code == 204, response.content
    parcel.refresh_from_db()
    assert (parcel.address, round(parcel.geom.area)) == ("new", 400)
    # a second client still holding the first ETag is refused and changes nothing
    body = feature(square(0, 0, 30), reference="TF 5/C")
    stale = send(c, "put", url, body, HTTP_IF_MATCH=etag, **LOCAL)
    assert stale.status_code == 412, stale.content
    parcel.refresh_from_db()
    assert round(parcel.geom.area) == 400
    change = json.dumps({"properties": {"current_use": "commerce"}})
    patch = send(c, "patch", url, change, HTTP_IF_MATCH=response["ETag"])
    assert patch.status_code == 204, patch.content
    parcel.refresh_from_db()
    assert (parcel.current_use, parcel.address, round(parcel.geom.area)) == ("commerce", "new", 400)
    assert send(c, "delete", url, HTTP_IF_MATCH=etag).status_code == 412
    assert send(c, "delete", url, HTTP_IF_MATCH=patch["ETag"]).status_code == 204
    assert not Parcel.objects.filter(pk=parcel.pk).exists()
    history = HistoryEntry.objects.filter(row_id=parcel.pk, table_name="parcels_parcel")
    ops = list(history.values_list("op", "actor"))
    assert ops == [("I", None), ("U", "planner"), ("U", "planner"), ("D", "planner")]
    assert send(c, "delete", url).status_code == 404


def test_session_writes_need_the_csrf_token(planner):
    c = Client(enforce_csrf_checks=True)
    c.force_login(planner)
    response = send(c, "post", ITEMS, feature(square(0, 0, 10), reference="TF 4/C"), **LOCAL)
    assert response.status_code == 403 and b"CSRF" in response.content
    assert not Parcel.objects.exists()


def test_internal_layer_writes(token, viewer):
    from layers.facilities.models import CitizenReport

    x0, y0 = ORIGIN
    point = {"type": "Point", "coordinates": [x0 + 5, y0 + 5]}
    body = feature(point, kind="pothole", description="Trou", status="new")
    url = "/ogc/collections/citizen-reports/items"
    response = send(Client(), "post", url, body, HTTP_AUTHORIZATION=f"Token {token}", **LOCAL)
    assert response.status_code == 201, response.content
    c = Client()
    c.force_login(viewer)  # may not see the layer: it does not exist for them
    assert send(c, "post", url, body, **LOCAL).status_code == 404
    assert send(Client(), "post", url, body, **LOCAL).status_code == 404
    assert CitizenReport.objects.count() == 1


def test_content_crs_epsg_4326_is_latitude_first(planner):
    c = Client()
    c.force_login(planner)
    d = 0.0005
    lon0, lat0 = -7.6186, 33.5936
    lonlat = [[lon0, lat0], [lon0 + d, lat0], [lon0 + d, lat0 + d], [lon0, lat0 + d], [lon0, lat0]]
    latlon = [[lat, lon] for lon, lat in lonlat]
    stored = []
    for ref, ring, crs in (("TF 10/C", lonlat, None), ("TF 11/C", latlon, f"<{EPSG}4326>")):
        headers = {"HTTP_CONTENT_CRS": crs} if crs else {}
        polygon = {"type": "Polygon", "coordinates": [ring]}
        body = feature(polygon, reference=ref, land_status="titled")
        assert send(c, "post", ITEMS, body, **headers).status_code == 201
        # read and removed: two parcels in the same place would overlap (a layer rule)
        stored.append(Parcel.objects.get(reference=ref).geom)
        Parcel.objects.filter(reference=ref).delete()
    a, b = stored
    assert a.equals_exact(b, tolerance=0.001)  # the same place, to the millimetre
    body = feature({"type": "Polygon", "coordinates": [lonlat]})
    bad = send(c, "post", ITEMS, body, HTTP_CONTENT_CRS=f"<{EPSG}2154>")
    assert bad.status_code == 400 and b"2154" in bad.content


def test_if_match_can_be_required_and_bodies_are_bounded(planner, settings):
    parcel = ParcelFactory()
    c = Client()
    c.force_login(planner)
    url = f"{ITEMS}/{parcel.pk}"
    settings.OGC = {**settings.OGC, "REQUIRE_IF_MATCH": True, "MAX_BODY_BYTES": 2000}
    assert send(c, "delete", url).status_code == 428
    patch = json.dumps({"properties": {"address": "x" * 3000}})
    etag = c.get(url, HTTP_HOST="127.0.0.1")["ETag"]
    assert send(c, "patch", url, patch, HTTP_IF_MATCH=etag).status_code == 413
    assert send(c, "delete", url, HTTP_IF_MATCH=etag).status_code == 204
