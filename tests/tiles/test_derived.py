"""The derived tile columns: written from the registry, kept by the database on every write path,
left out of the history."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from shapely import wkb

from layers.common.models import HistoryEntry
from layers.common.registry import get_layer, layers
from tests.factories import ParcelFactory, RoadSegmentFactory, line, rect
from tests.tiles.conftest import lonlat, mercator
from tiles.derived import SQL_FILE_GLOB, derived_columns
from tiles.mvt import SQL_DIR

pytestmark = pytest.mark.django_db


def derived(table: str, pk: int) -> tuple[object, float]:
    with connection.cursor() as cur:
        cur.execute(
            f'SELECT ST_AsBinary(tile_geom), tile_size FROM "{table}" WHERE id = %s',
            [pk],
        )
        raw, size = cur.fetchone()
    return wkb.loads(bytes(raw)), size


def test_the_committed_sql_is_what_tile_columns_writes(tmp_path):
    out = tmp_path / "tile_columns.sql"
    call_command("tile_columns", output=str(out))
    latest = sorted(SQL_DIR.glob(SQL_FILE_GLOB))[-1]
    assert out.read_text() == latest.read_text()
    assert (
        out.with_name("tile_columns.reverse.sql").read_text()
        == latest.with_name(latest.name.removesuffix(".sql") + ".reverse.sql").read_text()
    )


def test_every_layer_table_has_its_derived_columns_and_index():
    with connection.cursor() as cur:
        for layer in layers():
            cur.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass "
                "AND attgenerated = 's' AND attname LIKE 'tile%%' ORDER BY attnum",
                [layer.table],
            )
            assert [r[0] for r in cur.fetchall()] == derived_columns(layer), layer.slug
            cur.execute(
                "SELECT 1 FROM pg_indexes WHERE tablename = %s AND indexname = %s",
                [layer.table, f"{layer.table}_tile_geom"],
            )
            assert cur.fetchone(), layer.slug


def test_the_mercator_copy_and_size_follow_every_write():
    parcel = ParcelFactory(geom=rect(0, 0, 100, 50))
    table = get_layer("parcels").table
    geom, size = derived(table, parcel.pk)
    assert size == pytest.approx(100 * 50)
    # Its corners where pyproj and the Mercator formula put them (to a centimetre).
    vertices = list(geom.geoms[0].exterior.coords)
    for corner in [(0, 0), (100, 0), (100, 50), (0, 50)]:
        ex, ey = mercator(*lonlat(*corner))
        assert min(abs(vx - ex) + abs(vy - ey) for vx, vy in vertices) < 0.01, corner
    # An update by SQL, outside the ORM, is followed too.
    with connection.cursor() as cur:
        cur.execute(
            f'UPDATE "{table}" SET geom = ST_GeomFromEWKB(%s) WHERE id = %s',
            [bytes(rect(0, 0, 200, 100).ewkb), parcel.pk],
        )
    _, size = derived(table, parcel.pk)
    assert size == pytest.approx(200 * 100)


def test_lines_measure_their_length_and_the_history_leaves_the_copies_out():
    road = RoadSegmentFactory(geom=line((0, 0), (300, 0), (300, 400)))
    _, size = derived(get_layer("roads").table, road.pk)
    assert size == pytest.approx(300 + 400)
    entry = HistoryEntry.objects.get(table_name=get_layer("roads").table, row_id=road.pk)
    assert "geom" in entry.new
    assert not any(key.startswith("tile_") for key in entry.new)
