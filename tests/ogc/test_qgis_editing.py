"""Editing from QGIS, replayed over plain HTTP against the production server (gunicorn).

The sequence is QGIS's OAPIF provider's (src/providers/wfs/oapif/, QGIS 3.32 and later):

- opening the layer: the landing page, the API document, the collection, the conformance classes,
  the first items (``limit=10``), then the schema found in the collection's links (Part 5);
- ``OPTIONS`` on ``/items``: ``POST`` in ``Allow`` enables adding; then ``OPTIONS`` on the first
  item's address (``unknown_id`` when the layer is empty): ``PUT`` enables changing attributes
  and geometries, ``DELETE`` deleting, ``PATCH`` makes QGIS send changes as merge patches;
- adding: ``POST /items`` with ``Content-Type: application/geo+json`` and ``Content-Crs`` (the
  layer's CRS URI as QGIS writes it, without angle brackets), the feature without its id; the
  new id is what follows ``/items/`` in ``Location``; then ``GET /items/{id}`` again, to show the
  values the server filled in;
- changing: ``PUT`` of the whole feature (with ``id``), or ``PATCH`` with
  ``application/merge-patch+json`` of ``{"geometry": ...}`` (with ``Content-Crs``) or
  ``{"properties": {...}}`` (without); no ``If-Match``;
- deleting: ``DELETE /items/{id}``.

Credentials go as HTTP Basic (a QGIS authentication configuration of the Basic kind)."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import Permission
from django.test import Client

from layers.common.models import HistoryEntry
from layers.parcels.models import Parcel
from tests.factories import ORIGIN, ParcelFactory, rect

pytestmark = pytest.mark.django_db(transaction=True)

EPSG_26191 = "http://www.opengis.net/def/crs/EPSG/0/26191"
SCHEMA_REL = "http://www.opengis.net/def/rel/ogc/1.0/schema"
PART5 = "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas"
READ_ONLY_ALLOW = ["GET", "HEAD", "OPTIONS"]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


def http(method: str, url: str, body: dict | None = None, **headers: str) -> Answer:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as r:
            return Answer(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
    except urllib.error.HTTPError as e:
        return Answer(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def allow(answer: Answer) -> list[str]:
    """The methods of ``Allow``, read as QGIS reads them (split on commas, trimmed)."""
    return [m.strip() for m in answer.headers.get("allow", "").split(",") if m.strip()]


def _user(django_user_model, name: str, *perms: str):
    """A user whose password the server can check: hashed with its own default algorithm (the
    test settings' fast hasher is unknown to it), with few rounds."""
    user = django_user_model.objects.create_user(name)
    user.password = PBKDF2PasswordHasher().encode("secret", "saltsalt", iterations=1000)
    user.save()
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def square(x: float, y: float, side: float) -> dict:
    """A GeoJSON polygon in EPSG:26191: a square of ``side`` metres, ``(x, y)`` from ORIGIN."""
    x0, y0 = ORIGIN[0] + x, ORIGIN[1] + y
    ring = [[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def qgis_feature(geometry: dict, **props) -> dict:
    """A feature as QGIS's JSON exporter writes it for a POST: every field of the schema, the
    read-only ones null, no ``id``, no ``bbox``."""
    fields = dict.fromkeys(
        ["reference", "land_status", "official_area_m2", "computed_area_m2", "current_use"]
    )
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {**fields, "address": None, **props},
    }


def open_layer(base: str, auth: dict[str, str]) -> tuple[dict, list[str], list[str]]:
    """QGIS opening ``parcels``: the documents it reads, then its two OPTIONS requests. Returns
    the schema and the ``Allow`` of the items and of the first item."""
    accept = {"Accept": "application/json", **auth}
    landing = http("GET", f"{base}/ogc", **accept)
    assert landing.status == 200, landing.body
    links = {link["rel"]: link["href"] for link in landing.json()["links"]}
    api_path = links["service-desc"].split("/ogc", 1)[1]
    assert http("GET", f"{base}/ogc{api_path}", **auth).status == 200
    collection = http("GET", f"{base}/ogc/collections/parcels", **accept)
    assert collection.status == 200
    conformance = http("GET", f"{base}/ogc/conformance", **accept).json()["conformsTo"]
    assert PART5 in conformance
    items = http("GET", f"{base}/ogc/collections/parcels/items?limit=10", **accept)
    assert items.status == 200
    schema_links = [
        link
        for link in collection.json()["links"]
        if link["rel"] == SCHEMA_REL and link["type"] == "application/schema+json"
    ]
    schema_path = schema_links[0]["href"].split("/ogc", 1)[1]
    schema = http("GET", f"{base}/ogc{schema_path}", Accept="application/schema+json", **auth)
    assert schema.status == 200
    on_items = http("OPTIONS", f"{base}/ogc/collections/parcels/items", **auth)
    features = items.json()["features"]
    first = str(features[0]["id"]) if features else "unknown_id"
    on_item = http("OPTIONS", f"{base}/ogc/collections/parcels/items/{first}", **auth)
    assert on_items.status in (200, 204) and on_item.status in (200, 204)
    return schema.json(), allow(on_items), allow(on_item)


def test_a_planner_edits_from_qgis_and_everyone_else_is_refused(live_gunicorn, django_user_model):
    base = live_gunicorn
    planner = _user(django_user_model, "planner", "change_parcel")
    _user(django_user_model, "citizen")
    items = f"{base}/ogc/collections/parcels/items"

    # -- the empty layer: QGIS asks OPTIONS on unknown_id, the schema gives the fields
    schema, on_items, on_item = open_layer(base, basic("planner", "secret"))
    assert on_items == ["GET", "HEAD", "POST", "OPTIONS"]
    assert on_item == ["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"]
    assert schema["properties"]["geometry"]["format"] == "geometry-multipolygon"
    assert schema["properties"]["computed_area_m2"]["readOnly"] is True

    # -- adding a 50 m square (2500 m2), in the layer's CRS as QGIS names it
    auth = basic("planner", "secret")
    write = {"Content-Type": "application/geo+json", "Content-Crs": EPSG_26191, **auth}
    body = qgis_feature(square(0, 0, 50), reference="TF 501/C", land_status="titled")
    created = http("POST", items, body, **write)
    assert created.status == 201, created.body
    location = created.headers["location"]
    new_id = location[location.rindex("/items/") + len("/items/") :]
    assert location.endswith(f"/ogc/collections/parcels/items/{new_id}")
    again = http("GET", f"{items}/{new_id}", Accept="application/geo+json", **auth)
    assert again.status == 200
    props = again.json()["properties"]
    assert props["computed_area_m2"] == pytest.approx(2500)  # filled by the server
    assert (props["reference"], props["land_status"]) == ("TF 501/C", "titled")

    # -- changing: PUT of the whole feature (Part 4's angle brackets around the CRS work too)
    put_headers = {**write, "Content-Crs": f"<{EPSG_26191}>"}
    whole = qgis_feature(square(0, 0, 40), reference="TF 501/C", land_status="requisition")
    whole = {**whole, "id": new_id, "properties": {**whole["properties"], "address": "2 rue A"}}
    assert http("PUT", f"{items}/{new_id}", whole, **put_headers).status == 204
    parcel = Parcel.objects.get(pk=int(new_id))
    assert (parcel.land_status, parcel.address) == ("requisition", "2 rue A")
    assert parcel.computed_area_m2 == pytest.approx(1600)
    # PATCH of the geometry (with its CRS), then of one attribute (without)
    patch = {**write, "Content-Type": "application/merge-patch+json"}
    moved = {"geometry": square(10, 10, 30)}
    assert http("PATCH", f"{items}/{new_id}", moved, **patch).status == 204
    del patch["Content-Crs"]
    renamed = {"properties": {"current_use": "commerce"}}
    assert http("PATCH", f"{items}/{new_id}", renamed, **patch).status == 204
    parcel.refresh_from_db()
    assert (parcel.current_use, parcel.address) == ("commerce", "2 rue A")
    assert parcel.computed_area_m2 == pytest.approx(900)
    assert parcel.geom.extent[0] == pytest.approx(ORIGIN[0] + 10)

    # -- everyone else: a citizen, no credentials, a wrong password
    existing = ParcelFactory(reference="TF 502/C", address="kept", geom=rect(200, 0, 20, 20))
    rows, history = Parcel.objects.count(), HistoryEntry.objects.count()
    outsiders = {
        "citizen": (basic("citizen", "secret"), 403),
        "anonymous": ({}, 401),
        "wrong password": (basic("planner", "not-the-password"), 401),
    }
    for who, (credentials, refused) in outsiders.items():
        if refused == 401 and credentials:  # QGIS cannot even open the layer: it asks again
            landing = http("GET", f"{base}/ogc", Accept="application/json", **credentials)
            assert landing.status == 401, who
            assert landing.headers["www-authenticate"].startswith('Basic realm="'), who
        else:
            _schema, on_items, on_item = open_layer(base, credentials)
            assert on_items == READ_ONLY_ALLOW and on_item == READ_ONLY_ALLOW, who
        headers = {**write, **credentials}
        if not credentials:
            del headers["Authorization"]
        new = qgis_feature(square(300, 0, 10), reference="TF 503/C", land_status="titled")
        answers = [
            http("POST", items, new, **headers),
            http("PUT", f"{items}/{existing.pk}", {**new, "id": str(existing.pk)}, **headers),
            http("PATCH", f"{items}/{existing.pk}", {"properties": {"address": "x"}}, **headers),
            http("DELETE", f"{items}/{existing.pk}", **headers),
        ]
        assert [a.status for a in answers] == [refused] * 4, (who, answers)
        if refused == 401 and credentials:
            assert all(a.headers["www-authenticate"].startswith("Basic ") for a in answers)
    assert (Parcel.objects.count(), HistoryEntry.objects.count()) == (rows, history)
    existing.refresh_from_db()
    assert (existing.reference, existing.address) == ("TF 502/C", "kept")

    # -- the planner deletes; the history names the planner for every write
    assert http("DELETE", f"{items}/{new_id}", **auth).status == 204
    assert not Parcel.objects.filter(pk=int(new_id)).exists()
    entries = HistoryEntry.objects.filter(table_name="parcels_parcel", row_id=int(new_id))
    assert list(entries.values_list("op", "actor")) == [
        ("I", planner.username),
        ("U", planner.username),
        ("U", planner.username),
        ("U", planner.username),
        ("D", planner.username),
    ]


# -- where HTTP Basic is accepted (Django's test client: any client address, HTTP or HTTPS) -------


@pytest.fixture
def planner(django_user_model):
    user = django_user_model.objects.create_user("planner", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="change_parcel"))
    return user


def test_basic_is_refused_over_plain_http_from_another_machine(planner):
    url = "/ogc/collections/parcels/items"
    auth = {"HTTP_AUTHORIZATION": basic("planner", "pw")["Authorization"]}
    remote = Client(REMOTE_ADDR="203.0.113.7")
    answer = remote.options(url, HTTP_HOST="127.0.0.1", **auth)
    assert answer.status_code == 401
    assert b"HTTPS" in answer.content
    assert not answer["WWW-Authenticate"].startswith("Basic")  # asking again would not help
    body = json.dumps(qgis_feature(square(0, 0, 10), reference="TF 504/C", land_status="titled"))
    headers = {"HTTP_CONTENT_CRS": EPSG_26191, "HTTP_HOST": "127.0.0.1", **auth}
    posted = remote.post(url, body, content_type="application/geo+json", **headers)
    assert posted.status_code == 401 and not Parcel.objects.exists()
    # the same request over HTTPS is accepted from anywhere
    secure = remote.options(url, secure=True, HTTP_HOST="127.0.0.1", **auth)
    assert secure.status_code == 204 and "POST" in allow_of(secure)
    posted = remote.post(url, body, content_type="application/geo+json", secure=True, **headers)
    assert posted.status_code == 201, posted.content


def test_basic_from_loopback_follows_the_setting(planner, settings):
    url = "/ogc/collections/parcels/items"
    auth = {"HTTP_AUTHORIZATION": basic("planner", "pw")["Authorization"], "HTTP_HOST": "127.0.0.1"}
    for address in ("127.0.0.1", "127.8.9.10", "::1"):
        answer = Client(REMOTE_ADDR=address).options(url, **auth)
        assert answer.status_code == 204 and "POST" in allow_of(answer), address
    settings.OGC = {**settings.OGC, "BASIC_AUTH_LOCALHOST": False}
    assert Client(REMOTE_ADDR="127.0.0.1").options(url, **auth).status_code == 401
    settings.OGC = {**settings.OGC, "BASIC_AUTH_LOCALHOST": None}  # development run: allowed
    settings.ALLOWED_HOSTS = ["geo.example.org", "127.0.0.1"]  # production: refused
    assert Client(REMOTE_ADDR="127.0.0.1").options(url, **auth).status_code == 401
    settings.DEBUG = True
    assert Client(REMOTE_ADDR="127.0.0.1").options(url, **auth).status_code == 204


def test_basic_behind_the_front_server_reads_the_client_through_it(planner, settings):
    """Behind ``make run``'s nginx every request comes from 127.0.0.1; nginx appends the address it
    saw to X-Forwarded-For. On a development run opened to the network (``HOST=0.0.0.0``), a
    remote client must not pass for a local one, even when it writes a loopback address in the
    header itself."""
    url = "/ogc/collections/parcels/items"
    auth = {"HTTP_AUTHORIZATION": basic("planner", "pw")["Authorization"], "HTTP_HOST": "127.0.0.1"}
    settings.DEBUG = True
    settings.TRUSTED_PROXIES = 1
    front = Client(REMOTE_ADDR="127.0.0.1")
    remote = front.options(url, HTTP_X_FORWARDED_FOR="203.0.113.7", **auth)
    assert remote.status_code == 401 and b"HTTPS" in remote.content
    forged = front.options(url, HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.7", **auth)
    assert forged.status_code == 401
    local = front.options(url, HTTP_X_FORWARDED_FOR="127.0.0.1", **auth)
    assert local.status_code == 204 and "POST" in allow_of(local)
    settings.TRUSTED_PROXIES = 0  # no proxy declared: the peer's own address
    assert front.options(url, HTTP_X_FORWARDED_FOR="203.0.113.7", **auth).status_code == 204


def test_basic_behind_an_https_proxy(planner, settings, run_manage):
    """nginx terminates HTTPS and forwards from 127.0.0.1 with X-Forwarded-Proto: in production,
    Basic is accepted only on what came in over HTTPS, once the proxy header is trusted."""
    url = "/ogc/collections/parcels/items"
    auth = {"HTTP_AUTHORIZATION": basic("planner", "pw")["Authorization"], "HTTP_HOST": "127.0.0.1"}
    settings.ALLOWED_HOSTS = ["geo.example.org", "127.0.0.1"]  # production
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    assert proxy.options(url, HTTP_X_FORWARDED_PROTO="https", **auth).status_code == 401
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    answer = proxy.options(url, HTTP_X_FORWARDED_PROTO="https", **auth)
    assert answer.status_code == 204 and "POST" in allow_of(answer)
    assert proxy.options(url, HTTP_X_FORWARDED_PROTO="http", **auth).status_code == 401
    # the environment variable sets the trusted header
    code = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    shown = run_manage("shell", "-c", code, env={"GEOPORTAL_HTTPS_PROXY_HEADER": "true"})
    assert shown.stdout.strip().splitlines()[-1] == "('HTTP_X_FORWARDED_PROTO', 'https')"
    shown = run_manage("shell", "-c", code, env={"GEOPORTAL_HTTPS_PROXY_HEADER": "false"})
    assert shown.stdout.strip().splitlines()[-1] == "None"


def test_options_on_an_internal_layer(planner, django_user_model):
    url = "/ogc/collections/citizen-reports/items"
    auth = {"HTTP_AUTHORIZATION": basic("planner", "pw")["Authorization"], "HTTP_HOST": "127.0.0.1"}
    assert Client().options(url, HTTP_HOST="127.0.0.1").status_code == 404
    planner.user_permissions.add(Permission.objects.get(codename="view_citizenreport"))
    assert allow_of(Client().options(url, **auth)) == READ_ONLY_ALLOW
    assert allow_of(Client().options(f"{url}/unknown_id", **auth)) == READ_ONLY_ALLOW
    planner.user_permissions.add(Permission.objects.get(codename="change_citizenreport"))
    assert allow_of(Client().options(f"{url}/unknown_id", **auth)) == [
        "GET",
        "HEAD",
        "PUT",
        "PATCH",
        "DELETE",
        "OPTIONS",
    ]


def allow_of(response) -> list[str]:
    return [m.strip() for m in response["Allow"].split(",")]
