"""The lean tile path (tiles/lean.py) in front of the real Django application: public tiles
answered without Django and alike, everything else left to Django, internal layers never given to
an anonymous user. The tests commit their data: the lean path reads on connections of its own."""

from __future__ import annotations

import io
from wsgiref.util import setup_testing_defaults

import pytest
from django.contrib.auth.models import Permission, User
from django.core.wsgi import get_wsgi_application

from tests.factories import CitizenReportFactory, ParcelFactory, rect
from tests.tiles.conftest import decode, origin_tile
from tiles.lean import LeanTiles

pytestmark = pytest.mark.django_db(transaction=True)

# Set by Django alone: the language the locale middleware chose, the type of a body-less 204.
DJANGO_ONLY = {"content-language", "content-type"}


class CountingDjango:
    """The real Django WSGI application, counting the requests it is given."""

    def __init__(self) -> None:
        self.app = get_wsgi_application()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.app(environ, start_response)


@pytest.fixture
def lean():
    app = LeanTiles(CountingDjango())
    yield app
    app.close()


def call(app, path: str, headers: dict[str, str] | None = None, method: str = "GET"):
    environ = {
        "PATH_INFO": path,
        "REQUEST_METHOD": method,
        "wsgi.input": io.BytesIO(),
        "HTTP_HOST": "testserver",  # as Django's test client
        "SERVER_NAME": "testserver",
    }
    setup_testing_defaults(environ)
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = {k.lower(): v for k, v in response_headers}

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


def tile(slug: str, z: int = 16) -> str:
    z, x, y = origin_tile(z)
    return f"/tiles/{slug}/{z}/{x}/{y}.mvt"


def comparable(headers, *more: str) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower() not in {*DJANGO_ONLY, *more}}


def test_a_public_tile_is_answered_without_django_and_as_django_answers_it(lean, client):
    parcel = ParcelFactory(reference="TF 5/C", geom=rect(0, 0, 100, 100))
    status, headers, body = call(lean, tile("parcels"))
    assert status == 200 and lean.django_app.calls == 0
    (feature,) = decode(body)["parcels"]["features"]
    assert feature["id"] == parcel.pk and feature["properties"]["reference"] == "TF 5/C"
    by_django = client.get(tile("parcels"))
    assert by_django.content == body
    assert comparable(headers) == comparable(by_django.headers)
    assert headers["content-type"] == by_django["Content-Type"]
    # Revalidation, then an empty tile, the same way.
    status, again, _ = call(lean, tile("parcels"), {"If-None-Match": headers["etag"]})
    assert status == 304 and again["etag"] == headers["etag"]
    assert client.get(tile("parcels"), HTTP_IF_NONE_MATCH=headers["etag"]).status_code == 304
    z, x, y = origin_tile(16)
    empty = f"/tiles/parcels/{z}/{x + 3}/{y}.mvt"
    status, headers, body = call(lean, empty)
    by_django = client.get(empty)
    assert (status, body) == (204, b"") and by_django.status_code == 204
    # (Django's test client writes a Content-Length of 0 on a 204, which has no body.)
    assert comparable(headers) == comparable(by_django.headers, "content-length")
    assert lean.django_app.calls == 0


def test_a_committed_edit_shows_in_the_next_lean_answer(lean):
    parcel = ParcelFactory(reference="TF 1/C", geom=rect(0, 0, 100, 100))
    _, first, body = call(lean, tile("parcels"))
    parcel.reference = "TF 2/C"
    parcel.save()
    status, second, body = call(lean, tile("parcels"), {"If-None-Match": first["etag"]})
    assert status == 200 and second["etag"] != first["etag"]
    assert decode(body)["parcels"]["features"][0]["properties"]["reference"] == "TF 2/C"


def test_an_internal_layer_is_left_to_django_which_refuses_it_to_an_anonymous_user(lean, client):
    CitizenReportFactory()
    for path in (tile("citizen-reports"), tile("roads,citizen-reports")):
        status, headers, body = call(lean, path)
        assert status == 404 and headers["content-type"] == "application/problem+json"
        assert b"citizen" not in body.replace(b"citizen-reports", b"")
    assert lean.django_app.calls == 2
    # A signed-in agent with the view permission gets it, through Django and its session.
    user = User.objects.create_user("agent", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="view_citizenreport"))
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    status, headers, body = call(lean, tile("citizen-reports"), {"Cookie": cookie})
    assert status == 200 and headers["cache-control"] == "private, no-cache"
    assert len(decode(body)["citizen-reports"]["features"]) == 1
    assert lean.django_app.calls == 3


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/tiles/parcels/30/0/0.mvt", "GET"),  # deeper than MAX_ZOOM
        ("/tiles/parcels/2/9/0.mvt", "GET"),  # outside the grid
        ("/tiles/nowhere/16/0/0.mvt", "GET"),
        ("/tiles/parcels,parcels/16/0/0.mvt", "GET"),
        ("/tiles/parcels/16/0/0.mvt", "OPTIONS"),
        ("/tiles/parcels.json", "GET"),
    ],
)
def test_everything_else_goes_to_django(lean, client, path, method):
    status, _, body = call(lean, path, method=method)
    by_django = client.generic(method, path)
    assert lean.django_app.calls == 1
    assert (status, body) == (by_django.status_code, by_django.content)


def test_a_tile_survives_connections_the_server_closed(lean):
    """Connections are not checked as they leave the pool: a tile drawn on one that the server
    closed (a restart, an administrator) is drawn again on a fresh one, not failed."""
    from django.db import connection

    parcel = ParcelFactory(reference="TF 7/C", geom=rect(0, 0, 100, 100))
    status, _, before = call(lean, tile("parcels"))
    assert status == 200
    # Only the lean pool's connections: other tests' servers share the database.
    pool = lean.pool()
    held = [pool.getconn() for _ in range(pool.get_stats()["pool_size"])]
    pids = [conn.info.backend_pid for conn in held]
    for conn in held:
        pool.putconn(conn)
    with connection.cursor() as cur:
        cur.execute("SELECT count(pg_terminate_backend(pid)) FROM unnest(%s) AS pid", [pids])
        assert cur.fetchone()[0] >= 1
    # A new version, so the tile is drawn again, not read from the file written above.
    parcel.reference = "TF 8/C"
    parcel.save()
    status, _, body = call(lean, tile("parcels"))
    assert status == 200 and lean.django_app.calls == 0
    assert decode(body)["parcels"]["features"][0]["properties"]["reference"] == "TF 8/C"
