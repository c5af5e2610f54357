"""The lean tile path (tiles/lean.py) in front of the real Django application: public tiles
answered without Django and alike, everything else left to Django, internal layers never given to
an anonymous user. The tests commit their data: the lean path reads on connections of its own."""

from __future__ import annotations

import io
from pathlib import Path
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
    assert Path(front.tile_path(parcels, v1, *second)).read_bytes() == body
    # An edit commits a new version; the next tile the files lack is drawn at it.
    west.reference = "TF 13/C"
    west.save()
    v2 = layer_stamps([parcels])["parcels"]
    assert v2 != v1
    status, _, body = call(lean, path_of(third))
    assert status == 200 and len(stamp_reads) == 1
    assert decode(body)["parcels"]["features"][0]["properties"]["reference"] == "TF 12/C"
    assert Path(front.tile_path(parcels, v2, *third)).read_bytes() == body
    assert not Path(front.tile_path(parcels, v1, *third)).exists()
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


@pytest.fixture
def statements(monkeypatch):
    """The tile statements the lean path ran on libpq (tiles.lean.run_prepared)."""
    import tiles.lean

    ran = []
    real = tiles.lean.run_prepared

    def counting(conn, statement, params):
        ran.append(statement)
        return real(conn, statement, params)

    monkeypatch.setattr(tiles.lean, "run_prepared", counting)
    return ran


def test_behind_the_front_a_tile_is_drawn_without_looking_for_its_file_but_not_an_empty_one(
    lean, tile_cache_dir, stamp_reads, statements
):
    """The tile server is asked only for tiles the front has just looked for in its files: once
    it has seen the layer's version, it draws such a tile without looking for its file (a file
    that is there is written again, alike), while a tile marked empty is still not drawn again.
    The lean path in front of Django alone answers from a file that is there."""
    from layers.common.registry import get_layer
    from layers.common.selectors import layer_stamps
    from tiles import front

    ParcelFactory(reference="TF 40/C", geom=rect(0, 0, 100, 100))
    ParcelFactory(reference="TF 41/C", geom=rect(3000, 0, 100, 100))
    held, other, empty = tile_at(50, 50), tile_at(3050, 50), tile_at(6050, 50)
    behind = LeanTiles(CountingDjango(), behind_front=True)
    try:
        status, first, body = call(behind, path_of(held))  # the version read first
        assert status == 200 and len(stamp_reads) == 1
        stamp = layer_stamps([get_layer("parcels")])["parcels"]
        file = Path(front.tile_path(get_layer("parcels"), stamp, *held))
        assert file.read_bytes() == body
        assert call(behind, path_of(empty))[0] == 204
        assert call(behind, path_of(other))[0] == 200
        # A file that differs from what the statement draws (no writer does that: it shows
        # which of the two answered).
        file.write_bytes(b"not drawn")
        assert call(lean, path_of(held))[2] == b"not drawn"  # in front of Django: the file
        ran = len(statements)
        status, again, drawn = call(behind, path_of(held))
        assert status == 200 and drawn == body and again["etag"] == first["etag"]
        assert len(statements) == ran + 1 and file.read_bytes() == body
        reads = len(stamp_reads)
        assert call(behind, path_of(empty))[0] == 204
        assert len(statements) == ran + 1  # its mark was found: nothing drawn
        assert len(stamp_reads) == reads + 1  # the version read to answer from the files
        assert behind.django_app.calls == 0
    finally:
        behind.close()


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


# -- statements on libpq directly (tiles.lean.run_prepared) --------------------------------------


@pytest.fixture
def pg():
    """A psycopg connection of the lean pool's settings (autocommit), closed after the test."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    params = {k: v for k, v in params.items() if k not in ("cursor_factory", "context")}
    with psycopg.connect(**params, autocommit=True) as conn:
        yield conn


def test_named_placeholders_are_numbered_as_libpq_numbers_them():
    from tiles.lean import numbered

    text, names = numbered("SELECT %(b)s, %(a)s || '%%', %(b)s + %(c)s")
    assert text == b"SELECT $1, $2 || '%', $1 + $3"
    assert names == ("b", "a", "c")


def test_parameters_in_text_form_reach_the_database_as_they_were(pg):
    """Each kind of value a tile statement binds, compared in SQL with a literal written by hand:
    the array's items hold every character the array syntax treats apart."""
    from tiles.lean import run_prepared

    statement = (
        "SELECT %(words)s::text[] = ARRAY['a\"b', 'c\\d', 'e,f', 'NULL', '{g}', ' h ', NULL],"
        " %(count)s::int = -42, %(tiny)s::float8 = 1e-20, %(tenth)s::float8 = 0.1,"
        " %(yes)s::boolean, %(nothing)s::text IS NULL, %(name)s::text = 'Aïn Sebaâ ''N'' é'"
    )
    params = {
        "words": ['a"b', "c\\d", "e,f", "NULL", "{g}", " h ", None],
        "count": -42,
        "tiny": 1e-20,
        "tenth": 0.1,
        "yes": True,
        "nothing": None,
        "name": "Aïn Sebaâ 'N' é",
    }
    row = run_prepared(pg, statement, params)
    assert row == [b"\x01"] * 7  # seven booleans, true, in binary form
    assert run_prepared(pg, statement, params) == row  # the statement prepared, run again


def test_a_failing_statement_raises_psycopgs_error_and_leaves_the_connection_usable(pg):
    import psycopg

    from tiles.lean import run_prepared

    with pytest.raises(psycopg.errors.DivisionByZero):
        run_prepared(pg, "SELECT 1 / %(zero)s::int", {"zero": 0})
    assert not pg.broken
    assert run_prepared(pg, "SELECT %(n)s::int4 / 2", {"n": 84}) == [(42).to_bytes(4, "big")]


def test_a_broken_connection_raises_an_operational_error_and_is_marked_broken(pg):
    import psycopg
    from django.db import connection

    from tiles.lean import run_prepared

    statement = "SELECT %(n)s::int"
    assert run_prepared(pg, statement, {"n": 1}) == [(1).to_bytes(4, "big")]
    with connection.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(%s)", [pg.info.backend_pid])
    with pytest.raises(psycopg.OperationalError):
        run_prepared(pg, statement, {"n": 1})
    assert pg.broken


def test_the_stamp_read_in_binary_is_the_one_django_reads(pg):
    """The stamped statement's version and time, decoded from their binary form, equal the stamp
    Django's connection reads (psycopg's own loaders), and a table never written has none."""
    from django.db import connection

    from layers.common.registry import get_layer
    from layers.common.selectors import NEVER_WRITTEN, layer_stamps
    from tiles.lean import binary_stamp, run_prepared
    from tiles.mvt import build_stamped_tile_query

    ParcelFactory(reference="TF 40/C", geom=rect(0, 0, 100, 100))
    parcels = get_layer("parcels")
    row = run_prepared(pg, *build_stamped_tile_query(parcels, *tile_at(50, 50)))
    assert row is not None and row[0]
    stamp = binary_stamp(row[1], row[2])
    assert stamp == layer_stamps([parcels])["parcels"] and stamp.changed_at is not None
    assert stamp.token == layer_stamps([parcels])["parcels"].token
    with connection.cursor() as cur:
        cur.execute("DELETE FROM layers_version WHERE table_name = %s", [parcels.table])
    row = run_prepared(pg, *build_stamped_tile_query(parcels, *tile_at(50, 50)))
    assert row is not None and binary_stamp(row[1], row[2]) == NEVER_WRITTEN


def test_a_worker_draws_its_tiles_on_one_database_session(lean):
    """A sync worker draws one tile at a time: its pool keeps one connection. (A first tile that
    had to wait for the pool's first connection made it grow to two, which took turns.)"""
    ParcelFactory(reference="TF 41/C", geom=rect(0, 0, 100, 100))
    for offset in (0, 3000, 6000):
        status, _, _ = call(lean, path_of(tile_at(50 + offset, 50)))
        assert status in (200, 204)
    stats = lean.pool().get_stats()
    assert stats["pool_size"] == 1 and stats.get("requests_queued", 0) == 0


def test_a_statement_prepared_before_its_list_was_emptied_runs_again(pg):
    """The lean path forgets which statements a connection holds when its list is full: the same
    text then finds its statement under the same name."""
    import tiles.lean
    from tiles.lean import run_prepared

    statement = "SELECT %(n)s::int * 2"
    assert run_prepared(pg, statement, {"n": 4}) == [(8).to_bytes(4, "big")]
    tiles.lean._PREPARED.clear()
    assert run_prepared(pg, statement, {"n": 5}) == [(10).to_bytes(4, "big")]
