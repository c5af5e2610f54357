"""History and version counters are kept by the database, for every write path."""

from __future__ import annotations

import datetime as dt
import json
import math

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
        ("I", "k.tazi"),
        ("U", "k.tazi"),
        ("U", "sig-batch"),
        ("D", None),
    ]
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


def test_the_as_of_command_writes_the_past_layer_as_geojson(tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from shapely.geometry import shape

    parcel = ParcelFactory(geom=rect(0, 0, 100, 100), address="ancienne adresse")
    moment = db_now()
    parcel.address = "nouvelle adresse"
    parcel.geom = rect(0, 0, 10, 10)
    parcel.save()
    out = tmp_path / "past.geojson"
    call_command("layer_as_of", "parcels", moment.isoformat(), output=str(out))
    import json

    data = json.loads(out.read_text())
    (feature,) = data["features"]
    assert feature["properties"]["address"] == "ancienne adresse"
    # WGS 84 output. A degree of longitude at 33.59 N is 92,828 m on the ellipsoid; the Lambert grid
    # is rotated against true north by the meridian convergence, (lon - lon0) * sin(lat0) =
    # (-7.62 + 5.4) * sin(33.3) = 1.218 degrees, so the square's bounding box is
    # 100 * (cos + sin) of that = 102.1 m wide: 0.0011 degrees.
    minx, miny, maxx, maxy = shape(feature["geometry"]).bounds
    assert -7.7 < minx < -7.5 and 33.5 < miny < 33.7
    gamma = math.radians(2.2186 * math.sin(math.radians(33.3)))
    assert maxx - minx == pytest.approx(
        100 * (math.cos(gamma) + math.sin(gamma)) / 92_828, rel=0.003
    )
    with pytest.raises(CommandError, match="couche inconnue"):
        call_command("layer_as_of", "nope", "2026-01-01")
    with pytest.raises(CommandError, match="not a date"):
        call_command("layer_as_of", "parcels", "yesterday")


def test_one_statement_of_100_000_rows_is_recorded_row_by_row():
    """The history is written per statement from the statement's transition tables; each of the
    100,000 rows of one INSERT ... SELECT, UPDATE and DELETE still gets its own record."""
    from tests.factories import ORIGIN

    n = 100_000
    x0, y0 = ORIGIN
    with connection.cursor() as cur:
        cur.execute("SELECT set_config('geoportal.actor', 'cadastre-batch', false)")
        # Parcel i is a 10 m x 10 m square (100 m²) on a 300-wide grid of 20 m cells.
        cur.execute(
            "INSERT INTO parcels_parcel (reference, land_status, current_use, address, geom) "
            "SELECT 'TF ' || i || '/B', 'titled', 'habitation', i || ' rue des Orangers', "
            "       ST_Multi(ST_MakeEnvelope(%(x)s + (i %% 300) * 20, %(y)s + (i / 300) * 20, "
            "                                %(x)s + (i %% 300) * 20 + 10, %(y)s + (i / 300) * 20 + 10, "
            "                                %(srid)s)) "
            "FROM generate_series(1, %(n)s) AS i",
            {"x": x0, "y": y0, "srid": SRID, "n": n},
        )
        cur.execute(
            "SELECT count(*), count(DISTINCT row_id), min(actor), max(actor), count(DISTINCT at) "
            "FROM layers_history WHERE table_name = 'parcels_parcel' AND op = 'I'"
        )
        assert cur.fetchone() == (n, n, "cadastre-batch", "cadastre-batch", 1)
        # One record read back in full: the attributes, the generated area, and the geometry as
        # GeoJSON with its CRS; the derived tile columns are not recorded.
        cur.execute(
            "SELECT h.new, ST_Area(ST_GeomFromGeoJSON(h.new ->> 'geom')), "
            "       ST_Equals(ST_GeomFromGeoJSON(h.new ->> 'geom'), p.geom) "
            "FROM layers_history h JOIN parcels_parcel p ON p.id = h.row_id "
            "WHERE h.table_name = 'parcels_parcel' AND p.reference = 'TF 12345/B'"
        )
        new, area, same = cur.fetchone()
        new = json.loads(new) if isinstance(new, str) else new
        assert new["address"] == "12345 rue des Orangers"
        assert new["computed_area_m2"] == pytest.approx(100.0)
        assert area == pytest.approx(100.0) and same is True
        assert new["geom"]["crs"]["properties"]["name"] == f"EPSG:{SRID}"
        assert not {"tile_geom", "tile_size"} & set(new)

        # Half the rows change; the other half are written with the same values (and a new
        # updated_at): only the changed half is recorded.
        cur.execute(
            "UPDATE parcels_parcel SET updated_at = clock_timestamp(), current_use = "
            "CASE WHEN mod(id, 2) = 0 THEN 'commerce' ELSE current_use END"
        )
        assert cur.rowcount == n
        cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE mod(row_id, 2) = 0), "
            "       count(*) FILTER (WHERE old ->> 'current_use' = 'habitation' "
            "                          AND new ->> 'current_use' = 'commerce') "
            "FROM layers_history WHERE table_name = 'parcels_parcel' AND op = 'U'"
        )
        assert cur.fetchone() == (n // 2, n // 2, n // 2)

        cur.execute("SELECT set_config('geoportal.actor', '', false)")
        cur.execute("DELETE FROM parcels_parcel WHERE mod(id, 3) = 0")
        deleted = cur.rowcount
        cur.execute(
            "SELECT count(*), count(actor), "
            "count(*) FILTER (WHERE new IS NULL AND old::jsonb ? 'reference') "
            "FROM layers_history WHERE table_name = 'parcels_parcel' AND op = 'D'"
        )
        assert cur.fetchone() == (deleted, 0, deleted)


def test_each_statement_of_a_transaction_is_recorded_in_order():
    """Insert, update and delete of one row in one transaction: three records, in that order,
    the update's before being the insert's after."""
    from django.db import transaction

    with transaction.atomic():
        parcel = ParcelFactory(geom=rect(0, 0, 30, 30), current_use="habitation")
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE parcels_parcel SET geom = ST_Multi(ST_Buffer(geom, 0)), "
                "current_use = 'commerce' WHERE id = %s",
                [parcel.pk],
            )
            cur.execute("DELETE FROM parcels_parcel WHERE id = %s", [parcel.pk])
    entries = feature_history(get_layer("parcels"), parcel.pk)
    assert [e.op for e in entries] == ["I", "U", "D"]
    assert entries[1].old == entries[0].new
    assert entries[2].old == entries[1].new and entries[2].old["current_use"] == "commerce"


def test_truncate_moves_the_version():
    parcels = get_layer("parcels")
    ParcelFactory()
    before = layer_version(parcels)
    with connection.cursor() as cur:
        cur.execute("TRUNCATE parcels_parcel CASCADE")
    assert layer_version(parcels) == before + 1


# ``n`` parcels "TF <i>/<block>", 10 m squares at (x, y).
INSERT_BLOCK = (
    "INSERT INTO parcels_parcel (reference, land_status, current_use, address, geom) "
    "SELECT 'TF ' || i || '/' || %(block)s, 'titled', 'habitation', 'rue 1', "
    "       ST_Multi(ST_MakeEnvelope(%(x)s, %(y)s, %(x)s + 10, %(y)s + 10, %(srid)s)) "
    "FROM generate_series(1, %(n)s) AS i"
)


def test_small_and_large_statements_record_the_same_json():
    """Statements of a few rows and of many are recorded by two different paths (see
    layers/common/sql/0004_history_as_json.sql); a row reads the same either way."""
    x, y = rect(0, 0, 10, 10).extent[:2]
    with connection.cursor() as cur:
        cur.execute(INSERT_BLOCK, {"block": "A", "x": x, "y": y, "srid": SRID, "n": 1})
        cur.execute(INSERT_BLOCK, {"block": "B", "x": x, "y": y, "srid": SRID, "n": 50})
        cur.execute(
            "SELECT new FROM layers_history WHERE table_name = 'parcels_parcel' "
            "AND new ->> 'reference' IN ('TF 1/A', 'TF 1/B') ORDER BY new ->> 'reference'"
        )
        small, large = (json.loads(v) if isinstance(v, str) else v for (v,) in cur.fetchall())
    varying = {"id", "reference", "created_at", "updated_at"}
    assert {k: v for k, v in small.items() if k not in varying} == {
        k: v for k, v in large.items() if k not in varying
    }
    assert set(small) == set(large) and "tile_geom" not in small
    assert small["geom"]["crs"]["properties"]["name"] == f"EPSG:{SRID}"


def test_every_record_lists_the_columns_in_the_tables_order():
    """The history keeps each row as json, its columns in the table's order, whichever path
    wrote it (a few rows or many) and whatever the operation; jsonb would have sorted them."""
    x, y = rect(0, 0, 10, 10).extent[:2]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'parcels_parcel' ORDER BY ordinal_position"
        )
        columns = [name for (name,) in cur.fetchall()]
        for block, n in (("A", 1), ("B", 50)):
            cur.execute(INSERT_BLOCK, {"block": block, "x": x, "y": y, "srid": SRID, "n": n})
        # Updates and deletes of one row (the few-rows path) and of 50 (the built statement).
        for block in ("A", "B"):
            cur.execute(
                "UPDATE parcels_parcel SET address = 'rue 2' WHERE reference LIKE %s",
                [f"%/{block}"],
            )
            cur.execute("DELETE FROM parcels_parcel WHERE reference LIKE %s", [f"%/{block}"])
        cur.execute(
            "SELECT op, count(*) FROM layers_history WHERE table_name = 'parcels_parcel' "
            "GROUP BY op ORDER BY op"
        )
        assert cur.fetchall() == [("D", 51), ("I", 51), ("U", 51)]
        cur.execute(
            "SELECT op, old, new FROM layers_history WHERE table_name = 'parcels_parcel' "
            "ORDER BY id"
        )
        records = cur.fetchall()
    recorded = [c for c in columns if not c.startswith("tile_")]
    assert recorded[0] == "id" and "geom" in recorded and len(recorded) < len(columns)
    for op, old, new in records:
        for row in (old, new):
            if row is not None:
                assert list(row) == recorded, op
    updates = [(old, new) for op, old, new in records if op == "U"]
    assert all(o["address"] == "rue 1" and n["address"] == "rue 2" for o, n in updates)


def test_a_large_update_is_compared_on_the_values():
    """An update of many rows (the built statement) records the rows whose values changed, the
    geometry compared by its coordinates: of 20 parcels rewritten with a new updated_at, the 5
    moved half a metre east are recorded, each with its before and after; the 15 written with
    the same geometry are not. An update that changes the ids pairs nothing: 12 rows renumbered
    give 12 records without an after and 12 without a before."""
    x, y = rect(0, 0, 10, 10).extent[:2]
    with connection.cursor() as cur:
        cur.execute(INSERT_BLOCK, {"block": "C", "x": x, "y": y, "srid": SRID, "n": 20})
        cur.execute(
            "UPDATE parcels_parcel SET updated_at = clock_timestamp(), geom = CASE "
            "WHEN split_part(split_part(reference, ' ', 2), '/', 1)::int <= 5 "
            "THEN ST_Translate(geom, 0.5, 0) ELSE geom END"
        )
        assert cur.rowcount == 20
        cur.execute(
            "SELECT old ->> 'reference', "
            "       ST_XMin(ST_GeomFromGeoJSON(old ->> 'geom')), "
            "       ST_XMin(ST_GeomFromGeoJSON(new ->> 'geom')) "
            "FROM layers_history WHERE table_name = 'parcels_parcel' AND op = 'U' "
            "ORDER BY row_id"
        )
        moved = cur.fetchall()
        assert [reference for reference, _, _ in moved] == [f"TF {i}/C" for i in range(1, 6)]
        for _, before, after in moved:
            assert (before, after) == pytest.approx((x, x + 0.5), abs=1e-6)

        cur.execute(
            "UPDATE parcels_parcel SET id = id + 1000000 "
            "WHERE split_part(split_part(reference, ' ', 2), '/', 1)::int <= 12"
        )
        cur.execute(
            "SELECT count(*) FILTER (WHERE new IS NULL AND row_id < 1000000), "
            "       count(*) FILTER (WHERE old IS NULL AND row_id > 1000000) "
            "FROM layers_history WHERE table_name = 'parcels_parcel' AND op = 'U' "
            "AND (old IS NULL OR new IS NULL)"
        )
        assert cur.fetchone() == (12, 12)
