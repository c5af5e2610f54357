"""History and version counters are kept by the database, for every write path."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection

from layers.common.history import acting_as
from layers.common.models import HistoryEntry
from layers.common.registry import get_layer
from layers.common.selectors import feature_history, layer_as_of, layer_version
from tests.factories import SRID, ParcelFactory, rect

pytestmark = pytest.mark.django_db(transaction=True)


def db_now() -> dt.datetime:
    with connection.cursor() as cur:
        cur.execute("SELECT clock_timestamp()")
        return cur.fetchone()[0]


def test_orm_and_raw_sql_writes_are_recorded_alike():
    parcels = get_layer("parcels")
    planner = User.objects.create_user("k.tazi")
    with acting_as(planner):
        parcel = ParcelFactory(geom=rect(0, 0, 100, 100), current_use="habitation")
        parcel.current_use = "commerce"
        parcel.save()
    # A raw SQL write on another path, attributed through the session setting.
    with connection.cursor() as cur:
        cur.execute("SELECT set_config('geoportal.actor', 'sig-batch', false)")
        cur.execute(
            "UPDATE parcels_parcel SET address = %s WHERE id = %s", ["2 bd Zerktouni", parcel.pk]
        )
        cur.execute("SELECT set_config('geoportal.actor', '', false)")
        cur.execute("DELETE FROM parcels_parcel WHERE id = %s", [parcel.pk])

    entries = feature_history(parcels, parcel.pk)
    assert [(e.op, e.actor) for e in entries] == [
        ("I", "k.tazi"), ("U", "k.tazi"), ("U", "sig-batch"), ("D", None)
    ]  # fmt: skip
    assert entries[1].old["current_use"] == "habitation"
    assert entries[1].new["current_use"] == "commerce"
    assert entries[2].new["address"] == "2 bd Zerktouni"
    assert entries[3].new is None and entries[3].old["reference"] == parcel.reference


def test_a_save_that_changes_nothing_is_not_recorded():
    parcel = ParcelFactory()
    parcel.save()
    parcel.save()
    assert HistoryEntry.objects.filter(row_id=parcel.pk, table_name="parcels_parcel").count() == 1


def test_the_layer_as_of_a_past_date_returns_the_old_geometry():
    parcels = get_layer("parcels")
    parcel = ParcelFactory(geom=rect(0, 0, 100, 100))  # 10,000 m²
    removed = ParcelFactory(geom=rect(200, 0, 10, 10))
    before_edit = db_now()
    # The owner's land is cut in half, through raw SQL as ingest or QGIS would do it.
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE parcels_parcel SET geom = ST_GeomFromText(%s, %s) WHERE id = %s",
            [rect(0, 0, 50, 100).wkt, SRID, parcel.pk],
        )
    removed_pk = removed.pk
    removed.delete()
    added = ParcelFactory(geom=rect(400, 0, 20, 20))

    past = {f.id: f for f in layer_as_of(parcels, before_edit)}
    assert set(past) == {parcel.pk, removed_pk}
    assert past[parcel.pk].geom.srid == SRID
    assert past[parcel.pk].geom.area == pytest.approx(10_000.0)
    assert past[parcel.pk].properties["reference"] == parcel.reference

    now = {f.id: f for f in layer_as_of(parcels, db_now())}
    assert set(now) == {parcel.pk, added.pk}
    assert now[parcel.pk].geom.area == pytest.approx(5_000.0)


def test_the_version_counter_moves_on_every_write_path():
    parcels, roads = get_layer("parcels"), get_layer("roads")
    roads_before = layer_version(roads)
    v0 = layer_version(parcels)
    parcel = ParcelFactory()
    v1 = layer_version(parcels)
    assert v1 > v0
    with connection.cursor() as cur:
        cur.execute("UPDATE parcels_parcel SET address = 'x' WHERE id = %s", [parcel.pk])
    v2 = layer_version(parcels)
    assert v2 > v1
    # One statement touching many rows is one bump: tile caches key on statements, not rows.
    ParcelFactory.create_batch(3)
    with connection.cursor() as cur:
        cur.execute("UPDATE parcels_parcel SET current_use = 'bureaux'")
    assert layer_version(parcels) == v2 + 3 + 1
    # Other layers did not move.
    assert layer_version(roads) == roads_before
