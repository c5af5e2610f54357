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
from tests.tiles.conftest import decode, lonlat, origin_tile, tile_of
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


def tile_at(x: float, y: float, z: int = 16) -> tuple[int, int, int]:
    """The tile holding the point ``x, y`` metres from ORIGIN."""
    return (z, *tile_of(*lonlat(x, y), z))


def path_of(t: tuple[int, int, int], slug: str = "parcels") -> str:
    return f"/tiles/{slug}/{t[0]}/{t[1]}/{t[2]}.mvt"


@pytest.fixture
def stamp_reads(monkeypatch):
    """How many times the lean path read the layers' stamps in a statement of their own."""
    import tiles.lean

    reads = []
    real = tiles.lean.read_stamps

    def counting(conn, of):
        reads.append([lyr.slug for lyr in of])
        return real(conn, of)

    monkeypatch.setattr(tiles.lean, "read_stamps", counting)
    return reads


def test_a_tile_the_files_lack_is_drawn_with_its_version_in_one_statement(
    lean, client, tile_cache_dir, stamp_reads
):
    """Once the lean path has seen a layer's version, a tile that the front's files do not hold
    is drawn with the layer's stamp in its own statement: no statement for the stamp alone. The
    tile is stored under the stamp read with it, so an edit committed since is drawn and stored
    under the new version, and answered as Django answers it."""
    from layers.common.registry import get_layer
    from layers.common.selectors import layer_stamps
    from tiles import front

    parcels = get_layer("parcels")
    west = ParcelFactory(reference="TF 10/C", geom=rect(0, 0, 100, 100))
    ParcelFactory(reference="TF 11/C", geom=rect(3000, 0, 100, 100))
    ParcelFactory(reference="TF 12/C", geom=rect(6000, 0, 100, 100))
    first, second, third = tile_at(50, 50), tile_at(3050, 50), tile_at(6050, 50)
    assert len({first, second, third}) == 3
    status, _, body = call(lean, path_of(first))
    assert status == 200 and len(stamp_reads) == 1  # no version seen yet: read first
    status, _, body = call(lean, path_of(second))
    assert status == 200 and len(stamp_reads) == 1  # read with the tile
    (feature,) = decode(body)["parcels"]["features"]
    assert feature["properties"]["reference"] == "TF 11/C"
    assert client.get(path_of(second)).content == body
    v1 = layer_stamps([parcels])["parcels"]
    assert front.tile_path(parcels, v1, *second).read_bytes() == body
    # An edit commits a new version; the next tile the files lack is drawn at it.
    west.reference = "TF 13/C"
    west.save()
    v2 = layer_stamps([parcels])["parcels"]
    assert v2 != v1
    status, _, body = call(lean, path_of(third))
    assert status == 200 and len(stamp_reads) == 1
    assert decode(body)["parcels"]["features"][0]["properties"]["reference"] == "TF 12/C"
    assert front.tile_path(parcels, v2, *third).read_bytes() == body
    assert not front.tile_path(parcels, v1, *third).exists()
    # The first tile's file is of the old version: it is drawn again, with the edit.
    status, _, body = call(lean, path_of(first))
    assert status == 200 and len(stamp_reads) == 1
    assert decode(body)["parcels"]["features"][0]["properties"]["reference"] == "TF 13/C"
    assert client.get(path_of(first)).content == body
    assert lean.django_app.calls == 0


def test_a_stale_version_never_answers_its_old_file(lean, tile_cache_dir, stamp_reads):
    """When the files hold a tile at the version last seen, that version may be stale: the stamp
    is then read first, and the tile answered at the current version."""
    parcel = ParcelFactory(reference="TF 20/C", geom=rect(0, 0, 100, 100))
    _, old, _ = call(lean, path_of(tile_at(50, 50)))
    _, again, _ = call(lean, path_of(tile_at(50, 50)))  # from its file, the stamp read first
    assert again["etag"] == old["etag"] and len(stamp_reads) == 2
    # An edit made where the lean path does not see it: its last seen version stays the old one,
    # whose file holds this tile.
    seen = dict(lean._seen["default"])
    parcel.reference = "TF 21/C"
    parcel.save()
    lean._seen["default"].update(seen)
    status, new, body = call(lean, path_of(tile_at(50, 50)), {"If-None-Match": old["etag"]})
    assert status == 200 and new["etag"] != old["etag"] and len(stamp_reads) == 3
    assert decode(body)["parcels"]["features"][0]["properties"]["reference"] == "TF 21/C"


def test_the_stamped_statement_reads_the_tile_and_the_version_of_one_snapshot(tile_cache_dir):
    """The stamped statement's tile is the plain statement's, and its stamp the layer's (NULL for
    a table no write has stamped)."""
    from django.db import connection

    from layers.common.registry import get_layer
    from layers.common.selectors import layer_stamps
    from tiles.mvt import build_stamped_tile_query, build_tile_query

    ParcelFactory(reference="TF 30/C", geom=rect(0, 0, 100, 100))
    parcels = get_layer("parcels")
    z, x, y = tile_at(50, 50)
    with connection.cursor() as cur:
        cur.execute(*build_tile_query([parcels], z, x, y))
        plain = bytes(cur.fetchone()[0])
        cur.execute(*build_stamped_tile_query(parcels, z, x, y))
        tile, version, changed_at = cur.fetchone()
        stamp = layer_stamps([parcels])["parcels"]
        assert plain and bytes(tile) == plain
        assert (version, changed_at) == (stamp.version, stamp.changed_at)
        cur.execute("DELETE FROM layers_version WHERE table_name = %s", [parcels.table])
        cur.execute(*build_stamped_tile_query(parcels, z, x, y))
        assert cur.fetchone()[1:] == (None, None)
