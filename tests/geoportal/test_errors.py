"""The one error handler, through real requests to the four areas that raise domain errors:
problem details (RFC 9457) for ``/api/...`` and ``/tiles/...``, the OGC API exception format under
``/ogc``, and a page for people; ``Retry-After`` on 429; escaped details; no traceback."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import ORIGIN

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
EPSG_26191 = {"HTTP_CONTENT_CRS": "<http://www.opengis.net/def/crs/EPSG/0/26191>"}


def no_traceback(response) -> None:
    body = response.content.decode()
    assert "Traceback" not in body and 'File "' not in body and ".py" not in body


def problem(response) -> dict:
    assert response["Content-Type"] == PROBLEM
    no_traceback(response)
    return json.loads(response.content)


# --- problem details -----------------------------------------------------------------------------


def test_an_unknown_parcel_is_a_complete_problem_document(client):
    response = client.get("/api/renseignement/", {"parcel": "TF 424242/C"})
    assert response.status_code == 404
    assert problem(response) == {
        "type": "/errors/unknown-parcel",
        "title": "Parcelle inconnue",  # in the request's language, French by default
        "status": 404,
        "detail": "Aucune parcelle ne porte la référence « TF 424242/C ».",
        "instance": "/api/renseignement/",
        "code": "unknown-parcel",
        "field": "parcel",
    }


# The same bad request in each way of choosing a language: the human words follow it, the
# machine codes do not.
BAD_LIMIT = {
    "fr": ("limit doit être un nombre entier", "Requête invalide"),
    "ar": ("يجب أن تكون قيمة limit عددا صحيحا", "طلب غير صالح"),
    "en": ("limit must be an integer", "Invalid request"),
}


@pytest.mark.parametrize(
    ("how", "lang"),
    [
        ({"HTTP_ACCEPT_LANGUAGE": "ar-MA,ar;q=0.9"}, "ar"),
        ({"query": "en"}, "en"),
        ({"cookie": "ar"}, "ar"),
        ({"HTTP_ACCEPT_LANGUAGE": "en", "cookie": "fr"}, "fr"),  # the choice beats the browser
        ({"query": "en", "cookie": "ar"}, "en"),  # ?lang beats the choice
        ({}, "fr"),
    ],
)
def test_api_errors_are_in_the_requests_language(client, settings, how, lang):
    how = dict(how)
    if "cookie" in how:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = how.pop("cookie")
    params = {"q": "rue", "limit": "ten"}
    if "query" in how:
        params["lang"] = how.pop("query")
    response = client.get("/api/search", params, **how)
    assert response.status_code == 400
    doc = problem(response)
    assert (doc["detail"], doc["title"]) == BAD_LIMIT[lang]
    assert (doc["code"], doc["type"], doc["field"]) == (
        "invalid-request",
        "/errors/invalid-request",
        "limit",
    )
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}


@pytest.mark.parametrize(
    ("headers", "description"),
    [
        ({"HTTP_ACCEPT_LANGUAGE": "ar"}, "معامل استعلام غير معروف: bbx"),
        ({"HTTP_ACCEPT_LANGUAGE": "en"}, "unknown query parameter: bbx"),
        ({}, "paramètre de requête inconnu : bbx"),
    ],
)
def test_ogc_exception_documents_are_in_the_requests_language(client, headers, description):
    response = client.get("/ogc/collections/roads/items", {"bbx": "1"}, **headers)
    assert response.status_code == 400
    doc = json.loads(response.content)
    assert doc["description"] == description
    assert doc["code"] == "InvalidParameterValue"  # OGC's code, untranslated


def test_a_renseignement_problem_follows_lang(client):
    response = client.get("/api/renseignement/NR-20260101-AAAAAAAA", {"lang": "en"})
    assert response.status_code == 404
    assert problem(response)["detail"] == "No note has the number NR-20260101-AAAAAAAA."


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "malformed-body"),  # was answered as an invalid geometry
        (b"[1, 2]", 400, "malformed-body"),
        (json.dumps({"parcel": "nothing like a reference"}).encode(), 400, "invalid-request"),
        (json.dumps({"outline": {"type": "Point"}}).encode(), 400, "invalid-geometry"),
        (b" " * 2000, 413, "payload-too-large"),
    ],
)
def test_bodies_refused_by_the_api_say_why(client, settings, body, status, code):
    settings.RENSEIGNEMENT = {**settings.RENSEIGNEMENT, "MAX_BODY_BYTES": 1000}
    response = client.post("/api/renseignement/notes", body, content_type="application/json")
    assert response.status_code == status
    doc = problem(response)
    assert (doc["status"], doc["code"], doc["type"]) == (status, code, f"/errors/{code}")
    assert doc["instance"] == "/api/renseignement/notes" and doc["detail"]


def test_portal_api_names_the_parameter_at_fault(client):
    response = client.get("/api/search", {"q": "rue", "limit": "many"})
    assert response.status_code == 400
    doc = problem(response)
    assert (doc["code"], doc["field"], doc["detail"]) == (
        "invalid-request",
        "limit",
        "limit doit être un nombre entier",
    )


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/tiles/nope/16/0/0.mvt", 404, "unknown-layer"),
        ("/tiles/nope.json", 404, "unknown-layer"),
        ("/tiles/roads/3/8/0.mvt", 404, "not-found"),  # x runs from 0 to 7 at zoom 3
        ("/tiles/raster/nope.json", 404, "unknown-layer"),
    ],
)
def test_tile_errors_are_problem_documents(client, path, status, code):
    response = client.get(path, HTTP_ACCEPT="text/html")  # a browser opening a tile URL
    assert response.status_code == status
    doc = problem(response)
    assert (doc["status"], doc["code"], doc["instance"]) == (status, code, path)
    assert "nope" in doc["detail"] or "8" in doc["detail"]


def test_429_carries_retry_after_in_both_forms(client, settings):
    settings.RENSEIGNEMENT = {**settings.RENSEIGNEMENT, "RATE_LIMITS": {"note": (1, 60)}}
    assert client.get("/api/renseignement/", {"parcel": "TF 1/C"}).status_code == 404
    limited = client.get("/api/renseignement/", {"parcel": "TF 1/C"})
    assert limited.status_code == 429
    doc = problem(limited)
    assert doc["code"] == "rate-limited"
    assert 1 <= doc["retry_after"] <= 60
    assert limited["Retry-After"] == str(doc["retry_after"])
    page = client.get("/renseignement/", {"parcel": "TF 1/C"})
    assert page.status_code == 429 and page["Content-Type"].startswith("text/html")
    assert 1 <= int(page["Retry-After"]) <= 60


# --- pages for people ----------------------------------------------------------------------------


def test_a_page_shows_the_detail_escaped(client):
    response = client.get("/renseignement/", {"parcel": "<script>alert(1)</script>"})
    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    no_traceback(response)
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert "« &lt;script&gt;alert(1)&lt;/script&gt; » n&#x27;est pas une référence" in html
    assert "La demande n&#x27;a pas abouti" in html  # the heading, in French by default
    assert '<code dir="ltr">invalid-request</code>' in html


def test_the_page_is_in_the_chosen_language(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    html = client.get("/open-data/nowhere.geojson").content.decode()
    assert 'dir="rtl"' in html and "تعذر تنفيذ الطلب" in html  # "La demande n'a pas abouti"


def test_downloads_and_planner_pages_answer_with_the_page(client, django_user_model):
    missing = client.get("/open-data/nowhere.geojson")
    assert missing.status_code == 404 and missing["Content-Type"].startswith("text/html")
    assert "« nowhere.geojson »" in missing.content.decode()
    assert "Accept" in missing["Vary"]  # the form was chosen by the Accept header
    internal = client.get("/open-data/citizen-reports.geojson")
    assert internal.status_code == 404
    assert "« citizen-reports.geojson »" in internal.content.decode()  # not told apart

    planner = django_user_model.objects.create_user("planner", password="x")
    planner.user_permissions.add(Permission.objects.get(codename="view_note"))
    client.force_login(planner)
    bad_date = client.get("/renseignement/notes/", {"from": "yesterday"})
    assert bad_date.status_code == 400 and "Date invalide : yesterday" in bad_date.content.decode()


def test_a_program_asking_json_from_a_page_url_gets_a_problem_document(client):
    response = client.get("/open-data/nowhere.geojson", HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert problem(response)["code"] == "not-found"
    assert "Accept" in response["Vary"]


def test_debug_shows_no_traceback_either(client, settings):
    settings.DEBUG = True
    response = client.post("/api/renseignement/", b"{", content_type="application/json")
    assert response.status_code == 400
    assert problem(response)["code"] == "malformed-body"


# --- the OGC API keeps its own format ------------------------------------------------------------


def ogc(response) -> dict:
    assert response["Content-Type"] == "application/json"
    no_traceback(response)
    doc = json.loads(response.content)
    # pygeoapi's own errors carry these three; the platform's add ``error`` (its code) and the
    # error's facts
    assert {"code", "type", "description"} <= set(doc) and doc["type"] == doc["code"]
    assert set(doc) - {"code", "type", "description"} <= {
        "error",
        "field",
        "errors",
        "area",
        "rule",
        "districts",
        "outline",
    }
    return doc


def feature(ring: list[list[float]]) -> str:
    geometry = {
        "type": "Polygon",
        "coordinates": [[[ORIGIN[0] + x, ORIGIN[1] + y] for x, y in ring]],
    }
    props = {"reference": "TF 9/C", "land_status": "titled"}
    return json.dumps({"type": "Feature", "geometry": geometry, "properties": props})


SQUARE = [[0, 0], [50, 0], [50, 50], [0, 50], [0, 0]]
BOWTIE = [[0, 0], [50, 50], [50, 0], [0, 50], [0, 0]]  # crosses itself at (25, 25)


def send(client: Client, method: str, url: str, body: str = "", **headers):
    return getattr(client, method)(url, body, content_type="application/geo+json", **headers)


def test_ogc_errors_use_the_ogc_exception_format(client, django_user_model):
    items = "/ogc/collections/parcels/items"
    anonymous = send(client, "post", items, feature(SQUARE), **EPSG_26191)
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"] == "Token"
    assert ogc(anonymous) == {
        "code": "NotAuthorized",
        "type": "NotAuthorized",
        "description": "connectez-vous ou envoyez un jeton pour modifier",
        "error": "not-authenticated",
    }
    bad_token = client.get("/ogc/collections", HTTP_AUTHORIZATION="Token not-a-token")
    assert bad_token.status_code == 401 and ogc(bad_token)["code"] == "NotAuthorized"

    planner = django_user_model.objects.create_user("planner", password="x")
    planner.user_permissions.add(Permission.objects.get(codename="change_parcel"))
    client.force_login(planner)
    unknown = send(client, "post", "/ogc/collections/nope/items", feature(SQUARE), **EPSG_26191)
    assert unknown.status_code == 404
    assert ogc(unknown)["description"] == "Collection introuvable"  # French by default
    invalid = send(client, "post", items, feature(BOWTIE), **EPSG_26191)
    assert invalid.status_code == 422  # a geometry written through OGC: unprocessable
    doc = ogc(invalid)
    assert doc["code"] == "InvalidParameterValue" and "Self-intersection" in doc["description"]
    wrong_method = send(client, "put", items, feature(SQUARE))
    assert wrong_method.status_code == 405
    assert wrong_method["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert ogc(wrong_method)["code"] == "InvalidParameterValue"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "accept", "content_type"),
    [
        ("/api/no-such-endpoint", "*/*", "application/problem+json"),
        ("/tiles/roads/1/2/3/4.mvt", "*/*", "application/problem+json"),
        ("/no-such-page", "text/html", "text/html; charset=utf-8"),
    ],
)
def test_an_address_nothing_answers_is_a_404_in_the_callers_form(
    client, path, accept, content_type
):
    response = client.get(path, HTTP_ACCEPT=accept)
    assert response.status_code == 404
    assert response["Content-Type"] == content_type
    if content_type == "application/problem+json":
        assert response.json()["code"] == "not-found"
        assert response.json()["instance"] == path


# --- the messages of the errors, not only their titles, follow the request's language -----------

ARABIC = {"HTTP_ACCEPT_LANGUAGE": "ar"}


@pytest.mark.parametrize(
    ("params", "headers", "detail"),
    [
        # the reference isolated (U+2068 ... U+2069): it reads left to right in the sentence
        (
            {"parcel": "TF 424242/C"},
            ARABIC,
            "لا توجد قطعة أرضية تحمل المرجع « \u2068TF 424242/C\u2069 ».",
        ),
        ({"parcel": "TF 424242/C", "lang": "en"}, {}, "No parcel has the reference “TF 424242/C”."),
        ({"lon": "x", "lat": "33.5"}, ARABIC, "يجب أن يكون lon و lat عددين (درجات عشرية)."),
        (
            {"lon": "x", "lat": "33.5", "lang": "en"},
            {},
            "lon and lat must be numbers (decimal degrees).",
        ),
    ],
)
def test_a_note_request_is_refused_in_the_requests_language(client, params, headers, detail):
    response = client.get("/api/renseignement/", params, **headers)
    assert response.status_code in (400, 404)
    assert problem(response)["detail"] == detail


def with_colour(ring: list[list[float]]) -> str:
    doc = json.loads(feature(ring))
    doc["properties"]["colour"] = "red"
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("query", "headers", "description"),
    [
        ("", ARABIC, "خصائص غير معروفة: colour"),
        ("?lang=en", {}, "unknown attributes: colour"),
        ("", {}, "attributs inconnus : colour"),
    ],
)
def test_an_ogc_write_is_refused_in_the_requests_language(
    client, django_user_model, query, headers, description
):
    planner = django_user_model.objects.create_user("planner", password="x")
    planner.user_permissions.add(Permission.objects.get(codename="change_parcel"))
    client.force_login(planner)
    items = "/ogc/collections/parcels/items" + query
    response = send(client, "post", items, with_colour(SQUARE), **EPSG_26191, **headers)
    assert response.status_code == 400  # an invalid request, like any unknown parameter
    assert ogc(response)["description"] == description


ACCEPTED = ".gpkg, .zip, .kmz, .geojson, .json, .kml, .csv, .dxf, .tif, .tiff"


@pytest.mark.parametrize(
    ("query", "headers", "message"),
    [
        ("", ARABIC, f"صيغة غير مدعومة (الصيغ المقبولة: {ACCEPTED})."),
        ("?lang=en", {}, f"Unsupported format (accepted formats: {ACCEPTED})."),
    ],
)
def test_an_upload_is_refused_in_the_requests_language(
    client, django_user_model, query, headers, message
):
    planner = django_user_model.objects.create_user("planner", password="x")
    planner.user_permissions.add(Permission.objects.get(codename="change_parcel"))
    client.force_login(planner)
    upload = SimpleUploadedFile("notes.docx", b"PK\x03\x04 not a GIS file")
    response = client.post("/ingest/" + query, {"layer": "parcels", "file": upload}, **headers)
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [message]


# --- the database out of reach: 503 with Retry-After -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_lost_database_connection_is_a_503_to_retry(client):
    """The server ends this worker's database connection, as a restart or a failover does
    (``pg_terminate_backend``: SQLSTATE 57P01): the request in progress gets a 503 with
    Retry-After, not a 500; the next one connects again."""
    import psycopg
    from django.db import connection

    path = "/api/renseignement/?parcel=TF+1/C"
    assert client.get(path).status_code == 404
    pid = connection.cursor().connection.info.backend_pid
    s = connection.settings_dict
    dsn = f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    try:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        response = client.get(path)
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        body = problem(response)
        assert body["type"] == "/errors/database-unavailable" and body["retry_after"] == 5
        assert "réessayez" in body["detail"]  # in the request's language, French by default
        assert client.get(path).status_code == 404  # the next request connects again
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/renseignement/?parcel=TF+1/C", PROBLEM),
        ("/ogc/collections/parcels/items?f=json&limit=1", "application/json"),
        ("/renseignement/?parcel=TF+1/C", "text/html"),
    ],
)
def test_a_refused_connection_is_a_503_to_retry(client, path, content_type):
    """Nothing listens where the database should be (it is restarting): 503 with Retry-After,
    as problem details, as the OGC exception document (pygeoapi would have answered 500), or as
    a page."""
    from django.db import connection

    from ogc.api import reset_apis
    from tests.conftest import free_port

    port = connection.settings_dict["PORT"]
    connection.close()
    reset_apis()  # pygeoapi's objects are built again, on the closed port
    connection.settings_dict["PORT"] = str(free_port())
    try:
        response = client.get(path)
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
        reset_apis()
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith(content_type)
    no_traceback(response)
    if content_type == PROBLEM:
        assert problem(response)["retry_after"] == 5
    elif content_type == "application/json":
        assert "réessayez" in json.loads(response.content)["description"]
    else:
        assert "réessayez" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_database_that_does_not_answer_is_a_503_after_the_connect_timeout(client):
    """Something accepts the connection where the database should be but never answers (a host
    that hangs): the request gives up after ``connect_timeout`` (GEOPORTAL_DB_CONNECT_TIMEOUT_S)
    with a 503, instead of waiting for the system's TCP timeout."""
    import socket
    import time

    from django.conf import settings
    from django.db import connection

    from ogc.api import reset_apis

    assert settings.DATABASES["default"]["OPTIONS"]["connect_timeout"] == 10  # the default
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshake; nobody ever reads or writes
    saved = dict(connection.settings_dict)
    connection.close()
    reset_apis()
    connection.settings_dict["HOST"] = "127.0.0.1"
    connection.settings_dict["PORT"] = str(silent.getsockname()[1])
    connection.settings_dict["OPTIONS"] = {**saved["OPTIONS"], "connect_timeout": 2}
    try:
        started = time.monotonic()
        response = client.get("/api/renseignement/?parcel=TF+1/C")
        took = time.monotonic() - started
    finally:
        silent.close()
        connection.close()
        connection.settings_dict.update(saved)
        reset_apis()
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "5"
    assert 1.5 <= took < 10  # libpq's 2 s (it may try twice, once per address), not minutes
