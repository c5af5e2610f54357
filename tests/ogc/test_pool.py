"""The OGC provider's connections (ogc/pool.py): a connection used a moment before is not pinged
again, an idle one is, and a page and its count read on connections that the server closed (a
restart) are read again on fresh ones instead of failing."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client

from ogc import pool
from ogc.provider import ENGINES
from tests.factories import ParcelFactory, rect

pytestmark = pytest.mark.django_db(transaction=True)
ITEMS = "/ogc/collections/parcels/items"


def page(**params):
    response = Client().get(ITEMS, params, HTTP_HOST="127.0.0.1")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, body[:300]
    return json.loads(body)


@pytest.fixture
def parcels() -> list[int]:
    return [
        ParcelFactory(reference=f"TF {i + 1}/P", geom=rect(20 * i, 0, 10, 10)).pk for i in range(5)
    ]


@pytest.fixture
def pings(monkeypatch) -> list[int]:
    """The number of pings sent by the OGC engines (one entry each), from now on."""
    page(limit=1)  # the provider's engine exists from here
    (engine,) = ENGINES
    sent: list[int] = []
    ping = type(engine.dialect).do_ping

    def counted(self, dbapi_connection):
        sent.append(1)
        return ping(self, dbapi_connection)

    monkeypatch.setattr(type(engine.dialect), "do_ping", counted)
    return sent


def test_a_connection_used_a_moment_before_is_not_pinged_an_idle_one_is(
    parcels, pings, monkeypatch
):
    for _ in range(3):
        assert page(limit=2)["numberMatched"] == 5
    assert pings == []  # six connections taken (page and count), none pinged
    monkeypatch.setattr(pool, "IDLE_PING_S", 0.0)  # every connection now counts as idle
    assert page(limit=2)["numberMatched"] == 5
    assert len(pings) == 2  # the page's and the count's


def _close_the_pools_connections() -> int:
    """What a restart does to the OGC pool's connections: the server closes them (only them:
    other tests' servers share the database)."""
    pids = []
    for engine in ENGINES:
        held = [engine.connect() for _ in range(engine.pool.checkedin())]
        pids += [c.connection.driver_connection.get_backend_pid() for c in held]
        for c in held:
            c.close()
    with connection.cursor() as cur:
        cur.execute("SELECT count(pg_terminate_backend(pid)) FROM unnest(%s) AS pid", [pids])
        return cur.fetchone()[0]


@pytest.mark.parametrize("params", [{"limit": 2}, {"limit": 2, "sortby": "-id"}])
def test_a_page_and_its_count_are_read_again_when_the_server_closed_their_connections(
    parcels, pings, monkeypatch, params
):
    monkeypatch.setattr(pool, "IDLE_PING_S", 3600.0)  # no ping may hide the closed connections
    before = page(**params)
    assert _close_the_pools_connections() >= 2  # the page's and the count's, at least
    after = page(**params)
    assert after["features"] == before["features"] and after["numberMatched"] == 5
    assert [f["id"] for f in after["features"]] == (
        parcels[:2] if "sortby" not in params else parcels[::-1][:2]
    )
    assert pings == []
    assert sum(engine.pool.checkedout() for engine in ENGINES) == 0
