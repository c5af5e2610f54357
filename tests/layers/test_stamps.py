"""Layer stamps (``layers_version``): one read for many layers, shared by tile ETags, open-data
exports and the open-data catalogue."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from layers.common.registry import get_layer
from layers.common.selectors import NEVER_WRITTEN, Stamp, layer_stamps
from tests.factories import ParcelFactory, rect

pytestmark = pytest.mark.django_db


def version_row(table: str) -> tuple[int, datetime]:
    with connection.cursor() as cur:
        cur.execute("SELECT version, changed_at FROM layers_version WHERE table_name = %s", [table])
        return cur.fetchone()


def test_the_token_is_the_counter_and_the_microseconds_since_1970():
    # 2024-01-01T00:00:00Z is 1,704,067,200 s after 1970-01-01
    at = datetime(2024, 1, 1, 0, 0, 0, 5, tzinfo=UTC)
    assert Stamp(version=3, changed_at=at).token == "v3-1704067200000005"
    assert NEVER_WRITTEN.token == "v0-0"


def test_many_layers_are_read_in_one_query_as_the_triggers_left_them():
    parcels, roads, trees = get_layer("parcels"), get_layer("roads"), get_layer("trees")
    ParcelFactory(geom=rect(0, 0, 10, 10))
    with CaptureQueriesContext(connection) as queries:
        stamps = layer_stamps([parcels, roads, trees])
    assert len(queries.captured_queries) == 1
    assert set(stamps) == {"parcels", "roads", "trees"}
    for layer in (parcels, roads, trees):
        version, changed_at = version_row(layer.table)
        assert stamps[layer.slug] == Stamp(version=version, changed_at=changed_at)


def test_a_write_moves_only_its_layers_stamp():
    parcels, roads = get_layer("parcels"), get_layer("roads")
    before = layer_stamps([parcels, roads])
    with connection.cursor() as cur:  # a write from outside the ORM
        cur.execute("UPDATE parcels_parcel SET address = address")
    after = layer_stamps([parcels, roads])
    assert after["parcels"].version == before["parcels"].version + 1
    assert after["parcels"].token != before["parcels"].token
    assert after["roads"] == before["roads"]


def test_a_table_the_triggers_never_saw_is_never_written():
    with connection.cursor() as cur:
        cur.execute("DELETE FROM layers_version WHERE table_name = 'greenspaces_tree'")
    assert layer_stamps([get_layer("trees")]) == {"trees": NEVER_WRITTEN}


def test_tile_etags_and_the_catalogue_follow_the_stamp():
    from geoportal.portal.selectors import catalogue
    from tiles.vector import tile_etag_for

    parcels = get_layer("parcels")
    etag = tile_etag_for([parcels], 14, 7823, 6537)
    assert tile_etag_for([parcels], 14, 7823, 6537) == etag
    ParcelFactory(geom=rect(0, 0, 10, 10))
    assert tile_etag_for([parcels], 14, 7823, 6537) != etag
    entry = next(e for e in catalogue("fr") if e.layer.slug == "parcels")
    assert entry.updated == version_row(parcels.table)[1]


@pytest.mark.django_db(transaction=True)
def test_a_committed_write_is_announced_on_the_layers_version_channel_and_a_rolled_back_one_is_not():
    import psycopg
    from django.db import transaction

    params = connection.get_connection_params()
    listener = psycopg.connect(
        **{k: v for k, v in params.items() if k in ("host", "port", "user", "password", "dbname")},
        autocommit=True,
    )
    try:
        listener.execute("LISTEN layers_version")
        with transaction.atomic():
            ParcelFactory(geom=rect(0, 0, 10, 10))
            transaction.set_rollback(True)
        with transaction.atomic():
            ParcelFactory(geom=rect(20, 0, 30, 10))
        payloads = [n.payload for n in listener.notifies(timeout=2.0, stop_after=1)]
        assert payloads == [get_layer("parcels").table]
        assert list(listener.notifies(timeout=0.3)) == []  # nothing from the rolled back write
    finally:
        listener.close()
