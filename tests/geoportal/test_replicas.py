"""Read replicas: ``make replica``'s hot standby streams; anonymous reads of the marked views go
to a replica, writes and planners to the primary; a writer reads its own write at once; a replica
that is down or too far behind is passed over without an error.

Which server answered is seen from the data itself: with the standby's replay paused, a parcel
committed on the primary is on the primary only."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.core.signals import got_request_exception
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client
from rest_framework.authtoken.models import Token

from geoportal import replicas
from geoportal.cluster import Cluster, ClusterError, port_is_free
from layers.parcels.models import Parcel
from tests.conftest import REPO_ROOT, free_port
from tests.factories import ORIGIN, ParcelFactory, rect

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica_1"])

ITEMS = "/ogc/collections/parcels/items"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


@pytest.fixture(autouse=True)
def routing(settings, test_standby):
    """Reads routed to the standby (in this test only), probes asked on every request, a generous
    lag limit (a paused standby is behind), and no cached probe from an earlier test; the standby
    replaying and caught up at the start."""
    settings.REPLICAS = {
        **settings.REPLICAS,
        "ALIASES": [test_standby.alias],
        "PROBE_S": 0,
        "MAX_LAG_S": 3600,
    }
    replicas.forget_health()
    if not test_standby.cluster.running():
        test_standby.cluster.start()
    test_standby.resume()
    test_standby.catch_up()
    yield test_standby
    test_standby.resume()
    if not test_standby.cluster.running():
        test_standby.cluster.start()
    replicas.forget_health()


def references(response) -> set[str]:
    assert response.status_code == 200, response.content[:500]
    return {f["properties"]["reference"] for f in json.loads(response.content)["features"]}


def items(client: Client, **extra) -> set[str]:
    return references(client.get(ITEMS, {"f": "json", "limit": 1000}, **extra))


def square(x: float, y: float, side: float) -> dict:
    x0, y0 = ORIGIN[0] + x, ORIGIN[1] + y
    ring = [[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_make_replica_streams_from_the_private_cluster():
    """``python -m geoportal.cluster replica`` (``make replica``) on a cluster of its own: a
    standby on the next port, in recovery, fed through its slot; ``stop`` stops both."""
    root = Path(tempfile.mkdtemp(prefix="geoportal-replica-"))
    root.chmod(0o755)
    port = free_port()
    while not port_is_free(port + 1):  # the standby takes the next port
        port = free_port()
    env = {**os.environ, "GEOPORTAL_VAR_DIR": str(root), "GEOPORTAL_DB_PORT": str(port)}
    env.pop("DATABASE_URL", None)
    primary = Cluster(root=root, port=port)
    standby = primary.replica()

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "geoportal.cluster", *args],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    try:
        made = cli("replica")
        assert made.returncode == 0, made.stderr
        assert f"127.0.0.1:{port + 1}" in made.stdout
        assert (root / "replica" / "PG_VERSION").exists()
        assert standby.psql("SELECT pg_is_in_recovery();") == "t"
        assert (
            primary.psql(
                "SELECT active FROM pg_replication_slots WHERE slot_name = 'geoportal_replica';"
            )
            == "t"
        )
        primary.psql(
            "CREATE TABLE streamed (n int); INSERT INTO streamed VALUES (42);", "geoportal"
        )
        deadline = time.monotonic() + 30
        seen = ""
        while time.monotonic() < deadline and seen != "42":
            with contextlib.suppress(ClusterError):  # not replayed yet
                seen = standby.psql("SELECT max(n) FROM streamed;", "geoportal")
            time.sleep(0.1)
        assert seen == "42"
        with pytest.raises(Exception, match="read-only"):
            standby.psql("INSERT INTO streamed VALUES (1);", "geoportal")
        again = cli("replica")  # a second call keeps the standby
        assert again.returncode == 0, again.stderr
        stopped = cli("stop")
        assert stopped.returncode == 0, stopped.stderr
        assert not standby.running() and not primary.running()
    finally:
        standby.stop()
        primary.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_anonymous_reads_of_marked_views_go_to_the_replica(test_standby):
    ParcelFactory(reference="TF 1/C")
    test_standby.catch_up()
    test_standby.pause()
    ParcelFactory(reference="TF 2/C")
    visitor = Client()
    # OGC items and search read the standby, which has not replayed TF 2/C.
    assert items(visitor) == {"TF 1/C"}
    assert search(visitor, "TF 2/C") == set()
    assert search(visitor, "TF 1/C") == {"TF 1/C"}
    # The planner's own reads are the primary's.
    planner = Client()
    user = _planner()
    planner.force_login(user)
    assert items(planner) == {"TF 1/C", "TF 2/C"}
    # Once replayed, the visitor sees it too.
    test_standby.resume()
    test_standby.catch_up()
    assert items(visitor) == {"TF 1/C", "TF 2/C"}
    assert search(visitor, "TF 2/C") == {"TF 2/C"}


def search(client: Client, text: str) -> set[str]:
    response = client.get("/api/search", {"q": text})
    assert response.status_code == 200, response.content
    return {hit["label"] for hit in response.json()["results"]}


def _planner():
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user("planner-replica", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="change_parcel"))
    return user


def test_a_write_is_visible_to_its_author_at_once(test_standby, settings):
    """The author writes with a token (QGIS), then reads as any visitor does, without it: the
    read-your-writes cookie sends the read to the primary while the standby is behind."""
    token = Token.objects.create(user=_planner()).key
    test_standby.pause()
    author = Client()
    body = json.dumps(
        {
            "type": "Feature",
            "geometry": square(0, 0, 50),
            "properties": {"reference": "TF 77/C", "land_status": "titled"},
        }
    )
    created = author.post(
        ITEMS,
        body,
        content_type="application/geo+json",
        HTTP_HOST="127.0.0.1",
        HTTP_AUTHORIZATION=f"Token {token}",
        HTTP_CONTENT_CRS=f"<{EPSG}26191>",
    )
    assert created.status_code == 201, created.content
    assert replicas.WRITE_COOKIE in created.cookies
    assert Parcel.objects.filter(reference="TF 77/C").exists()  # on the primary
    # The author, without credentials: the write is there at once.
    assert items(author) == {"TF 77/C"}
    # Anyone else reads the standby, which has not replayed it.
    assert items(Client()) == set()
    # Replayed: the author's reads go back to a replica.
    test_standby.resume()
    test_standby.catch_up()
    lsn = replicas.written_lsn({replicas.WRITE_COOKIE: author.cookies[replicas.WRITE_COOKIE].value})
    assert lsn is not None
    assert replicas.choose_replica(lsn) == test_standby.alias
    assert items(Client()) == {"TF 77/C"}


def test_the_read_your_writes_window_ends(test_standby, settings):
    """Past ``READ_YOUR_WRITES_S`` the cookie no longer holds: reads go to the replica again
    even if it has not replayed the write (the window bounds the primary's extra load)."""
    settings.REPLICAS = {**settings.REPLICAS, "READ_YOUR_WRITES_S": 1}
    token = Token.objects.create(user=_planner()).key
    test_standby.pause()
    author = Client()
    created = author.delete(
        f"{ITEMS}/{ParcelFactory(reference='TF 5/C').pk}",
        HTTP_HOST="127.0.0.1",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    # The parcel was made after the pause: the standby never had it; its deletion is what the
    # author must see, and sees, on the primary.
    assert created.status_code == 204, created.content
    assert items(author) == set()
    time.sleep(1.5)
    assert replicas.written_lsn({k: v.value for k, v in author.cookies.items()}) is None


def test_a_lagging_replica_is_passed_over(test_standby, settings):
    settings.REPLICAS = {**settings.REPLICAS, "MAX_LAG_S": 0.5}
    ParcelFactory(reference="TF 1/C")
    test_standby.catch_up()
    test_standby.pause()
    ParcelFactory(reference="TF 3/C")
    time.sleep(1.0)  # the standby has received TF 3/C and not replayed it for a second
    state = replicas.health(test_standby.alias, fresh=True)
    assert state.up and state.lag_s > 0.5
    assert items(Client()) == {"TF 1/C", "TF 3/C"}  # the primary answered
    body = Client().get("/healthz").json()
    assert body["replicas"][test_standby.alias]["status"] == "lagging"


def test_a_stopped_replica_falls_back_to_the_primary_without_an_error(test_standby):
    ParcelFactory(reference="TF 1/C")
    test_standby.catch_up()
    visitor = Client()
    assert items(visitor) == {"TF 1/C"}
    assert replicas.health(test_standby.alias).up
    test_standby.cluster.stop()
    try:
        assert items(visitor) == {"TF 1/C"}
        tile = visitor.get("/tiles/parcels/14/7841/6616.mvt")
        assert tile.status_code in (200, 204)
        health = Client().get("/healthz")
        assert health.status_code == 200
        assert health.json()["replicas"][test_standby.alias]["status"] == "unreachable"
    finally:
        test_standby.cluster.start()
    test_standby.catch_up()
    body = Client().get("/healthz").json()["replicas"][test_standby.alias]
    assert body["status"] == "ok" and body["standby"] is True
    assert body["replay_lag_s"] >= 0 and body["replay_lag_bytes"] >= 0


def test_a_replica_that_fails_during_a_read_is_answered_from_the_primary(test_standby, settings):
    """The probe said the standby was up (cached for a minute); it stops before the read: the
    read fails there, and the same request is answered from the primary."""
    settings.REPLICAS = {**settings.REPLICAS, "PROBE_S": 60}
    ParcelFactory(reference="TF 1/C")
    test_standby.catch_up()
    # The failed read is logged and signalled as a server error, which the test client would
    # raise even though the answer sent is the primary's.
    visitor = Client(raise_request_exception=False)
    assert items(visitor) == {"TF 1/C"}  # probed, and the replica's connection opened
    test_standby.cluster.stop()
    try:
        assert items(visitor) == {"TF 1/C"}
        assert not replicas.health(test_standby.alias).up  # marked down by the failed read
    finally:
        test_standby.cluster.start()


def test_writes_notes_and_sessions_stay_on_the_primary(test_standby):
    router = replicas.ReplicaRouter()
    from django.contrib.sessions.models import Session

    from geoportal.renseignement.models import Note

    token = replicas._READ_ALIAS.set(test_standby.alias)
    try:
        assert router.db_for_read(Parcel) == test_standby.alias
        assert router.db_for_write(Parcel) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Note) is None  # the default: the primary
        assert router.db_for_read(Session) is None
    finally:
        replicas._READ_ALIAS.reset(token)
    assert router.db_for_read(Parcel) is None
    assert not router.allow_migrate(test_standby.alias, "parcels")


def test_the_replica_is_really_read_only(test_standby):
    with (
        psycopg.connect(test_standby.url) as conn,
        pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
    ):
        conn.execute("DELETE FROM parcels_parcel")
    assert connections[test_standby.alias].settings_dict["PORT"] == str(test_standby.cluster.port)


def test_read_replicas_are_read_from_the_environment(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from geoportal.settings.env import read_replica_urls

    a, b = (
        "postgresql://u:pw@replica-a.example:5432/geoportal",
        "postgres://u:pw@replica-b/geoportal",
    )
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:pw@primary.example/geoportal")
    monkeypatch.setenv("GEOPORTAL_READ_REPLICAS", f"{a}, {b}")
    assert read_replica_urls() == [a, b]
    monkeypatch.setenv("GEOPORTAL_READ_REPLICAS", "none")
    assert read_replica_urls() == []
    monkeypatch.setenv("GEOPORTAL_READ_REPLICAS", "")
    assert read_replica_urls() == []  # with DATABASE_URL, no private standby is looked for
    monkeypatch.setenv("GEOPORTAL_READ_REPLICAS", "replica-a.example:5432")
    with pytest.raises(ImproperlyConfigured, match="GEOPORTAL_READ_REPLICAS"):
        read_replica_urls()


def test_the_lean_tile_path_reads_the_replica_and_falls_back(test_standby):
    """Public tiles on the lean path: anonymous ones from the standby (the layer's version there
    is older, so the ETag differs from the primary's while replay is paused), a signed-in
    client's from the primary, and the primary's when the standby is down."""
    from tests.tiles.conftest import decode
    from tests.tiles.test_lean import CountingDjango, call, tile
    from tiles.lean import LeanTiles

    ParcelFactory(reference="TF 1/C", geom=rect(0, 0, 100, 100))
    test_standby.catch_up()
    lean = LeanTiles(CountingDjango())
    try:
        status, before, _ = call(lean, tile("parcels"))
        assert status == 200
        test_standby.pause()
        ParcelFactory(reference="TF 2/C", geom=rect(0, 120, 100, 100))
        status, anonymous, body = call(lean, tile("parcels"))
        assert status == 200 and anonymous["etag"] == before["etag"]
        assert {f["properties"]["reference"] for f in decode(body)["parcels"]["features"]} == {
            "TF 1/C"
        }
        cookie = {"Cookie": "sessionid=whatever"}  # a session: maybe a planner's
        status, planner, body = call(lean, tile("parcels"), cookie)
        assert status == 200 and planner["etag"] != before["etag"]
        assert {f["properties"]["reference"] for f in decode(body)["parcels"]["features"]} == {
            "TF 1/C",
            "TF 2/C",
        }
        test_standby.cluster.stop()
        status, fallback, _ = call(lean, tile("parcels"))
        assert status == 200 and fallback["etag"] == planner["etag"]
        assert lean.django_app.calls == 0  # every tile answered by the lean path itself
    finally:
        lean.close()
        test_standby.cluster.start()


def test_a_deleted_standby_leaves_no_file_and_no_slot(test_standby):
    primary = test_standby.primary
    standby = primary.replica(port=free_port(), name="replica-deleted")
    standby.create_standby(primary, "test_deleted")
    standby.start()
    assert standby.psql("SELECT pg_is_in_recovery();") == "t"
    standby.drop_standby(primary, "test_deleted")
    assert not standby.link.exists() and not standby.link.is_symlink()
    assert not standby.sockdir.exists() and not standby.logfile.exists()
    slots = primary.psql(
        "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'test_deleted';"
    )
    assert slots == "0"


def test_replay_lag_from_the_positions():
    lsn = replicas.parse_lsn
    assert lsn("0/0") == 0 and lsn("1/10") == (1 << 32) + 16
    # Caught up with what the primary had flushed: no lag, however old its last transaction.
    assert replicas.replay_lag(lsn("0/D70C3CE0"), lsn("0/D70C4000"), lsn("0/D70C3CE0"), 43.0) == 0
    # Behind the primary: the age of the last transaction replayed.
    assert replicas.replay_lag(lsn("0/D70C3CE0"), lsn("0/D70C4000"), lsn("0/D80C0000"), 43.0) == 43
    # The primary unknown: nothing received and not replayed is no lag.
    assert replicas.replay_lag(lsn("0/D70C3CE0"), lsn("0/D70C3CE0"), None, 43.0) == 0
    assert replicas.replay_lag(lsn("0/D70C3CE0"), None, None, 43.0) == 0
    assert replicas.replay_lag(lsn("0/D70C3CE0"), lsn("0/D80C0000"), None, 43.0) == 43


def test_a_restarted_standby_that_has_replayed_everything_is_not_lagging(test_standby, settings):
    """After a restart a standby's received position stands past its last replayed record until
    the primary writes again: an idle primary must not make it look behind."""
    settings.REPLICAS = {**settings.REPLICAS, "MAX_LAG_S": 1.0}
    ParcelFactory(reference="TF 1/C")
    test_standby.catch_up()
    test_standby.cluster.stop()
    test_standby.cluster.start()
    test_standby.catch_up()
    time.sleep(1.5)  # the last transaction replayed is now older than the limit
    deadline = time.monotonic() + 10
    state = replicas.health(test_standby.alias, fresh=True)
    while not state.usable() and time.monotonic() < deadline:
        time.sleep(0.2)
        state = replicas.health(test_standby.alias, fresh=True)
    assert state.up and state.standby and state.lag_s == 0
    assert items(Client()) == {"TF 1/C"}


def test_a_read_that_fails_on_a_healthy_replica_is_answered_from_the_primary(test_standby):
    """A query on a standby can fail while the standby stays up (cancelled by a conflict with
    the replay of the primary's changes): the read is answered again from the primary. Here the
    standby session of this process is made to fail every read of the layers' tables, which its
    health probe does not touch."""
    ParcelFactory(reference="TF 1/C")
    test_standby.catch_up()
    visitor = Client(raise_request_exception=False)
    assert search(visitor, "TF 1/C") == {"TF 1/C"}  # search reads on Django's connection
    replica = connections[test_standby.alias]
    with replica.cursor() as cur:  # the Django connection to the standby, kept between requests
        cur.execute("SET search_path = pg_catalog")
    failed: list[str] = []

    def record(sender, request, **kwargs):
        failed.append(request.path)

    got_request_exception.connect(record)
    try:
        assert search(visitor, "TF 1/C") == {"TF 1/C"}  # the primary's answer
        assert failed == ["/api/search"], "the read did not fail on the standby first"
        assert replicas.health(test_standby.alias, fresh=True).usable()  # still up, still used
    finally:
        got_request_exception.disconnect(record)
        replica.close()
