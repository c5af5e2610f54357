"""The write path: modes, history and version counters, dry runs, and all-or-nothing when the
database itself refuses the data."""

from __future__ import annotations

import pytest
from shapely.geometry import MultiPolygon

from ingest.actions import ingest_file
from ingest.options import IngestOptions
from layers.common.errors import IngestError
from layers.common.models import HistoryEntry
from layers.common.registry import get_layer
from layers.common.selectors import layer_version
from layers.parcels.models import Parcel
from layers.zoning.models import PlanningDocument
from tests.factories import ParcelFactory, PlanningDocumentFactory, ReservedLandFactory, rect
from tests.ingest.conftest import parcels_frame, square, table_rows, write

# The reasons are checked by their English source text.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_append_records_history_for_the_planner_and_moves_the_version(tmp_path):
    layer = get_layer("parcels")
    version = layer_version(layer)
    path = write(parcels_frame(3), tmp_path / "p.gpkg")
    ingest_file(path, "parcels", actor="planner")
    entries = HistoryEntry.objects.filter(table_name=layer.table)
    assert entries.count() == 3
    assert set(entries.values_list("op", "actor")) == {("I", "planner")}
    assert {e.new["reference"] for e in entries} == {"TF 1000/C", "TF 1001/C", "TF 1002/C"}
    assert layer_version(layer) == version + 1  # one INSERT ... SELECT statement


@pytest.mark.parametrize("chunk", [20_000, 2, 1])
def test_texts_reach_the_table_as_written_and_missing_values_as_null(tmp_path, settings, chunk):
    # What CSV and COPY could get wrong: quotes, the separator, a line break, a backslash, the
    # text COPY's other format reads as NULL, an empty text (kept: the address is optional but
    # not nullable), a text in Arabic; and a missing number, which must become NULL. The CSV is
    # written a chunk at a time, each typed by its own values: in chunks of one row, the
    # missing number is a chunk whose column holds nothing but it.
    settings.INGEST = {"COPY_CHUNK_ROWS": chunk}
    addresses = ['12 rue "Al Amal", bloc B', "villa 3\nimpasse 7", "\\N", "", "زنقة 5 \\ 2"]
    frame = parcels_frame(
        5, address=addresses, official_area_m2=[10000.0, None, 2.5, 1e-7, 123456789.125]
    )
    path = write(frame, tmp_path / "p.gpkg")
    ingest_file(path, "parcels", actor="planner")
    stored = list(Parcel.objects.order_by("id").values_list("address", "official_area_m2"))
    assert stored == [
        ('12 rue "Al Amal", bloc B', 10000.0),
        ("villa 3\nimpasse 7", None),
        ("\\N", 2.5),
        ("", 1e-7),
        ("زنقة 5 \\ 2", 123456789.125),
    ]


def test_upsert_counts_created_updated_unchanged(tmp_path):
    # Existing: TF 1000/C identical to the file, TF 1001/C with another area, TF 9/C not in it.
    first = parcels_frame(2)
    ingest_file(write(first, tmp_path / "a.gpkg"), "parcels")
    Parcel.objects.filter(reference="TF 1001/C").update(official_area_m2=1.0)
    ParcelFactory(reference="TF 9/C", geom=rect(3000, 0, 10, 10))
    path = write(parcels_frame(3), tmp_path / "b.gpkg")
    report = ingest_file(
        path, "parcels", IngestOptions(mode="upsert", key="reference"), actor="planner"
    )
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert Parcel.objects.get(reference="TF 1001/C").official_area_m2 == 10_000
    assert Parcel.objects.filter(reference="TF 9/C").exists()
    updates = HistoryEntry.objects.filter(table_name="parcels_parcel", op="U", actor="planner")
    assert [(e.old["official_area_m2"], e.new["official_area_m2"], e.actor) for e in updates] == [
        (1.0, 10000.0, "planner")
    ]


def test_an_upsert_reports_its_write_stage_from_its_start(tmp_path):
    """An upsert that adds nothing reports its write's progress only at the end; its stage
    starts before the comparison and the MERGE all the same (their time is the write's)."""
    path = write(parcels_frame(3), tmp_path / "p.gpkg")
    ingest_file(path, "parcels")
    reports: list[tuple[str, int, int]] = []
    options = IngestOptions(mode="upsert", key="reference")
    report = ingest_file(path, "parcels", options, progress=lambda *r: reports.append(r))
    assert report.unchanged == 3
    stages = [stage for stage, _, _ in reports]
    first = stages.index("write")
    assert reports[first] == ("write", 0, 3)
    assert set(stages[first:]) == {"write"}


def test_replace_deletes_what_the_file_does_not_hold(tmp_path):
    ParcelFactory(reference="TF 9/C", geom=rect(3000, 0, 10, 10))
    report = ingest_file(
        write(parcels_frame(2), tmp_path / "p.gpkg"), "parcels", IngestOptions(mode="replace")
    )
    assert (report.deleted, report.created) == (1, 2)
    assert sorted(Parcel.objects.values_list("reference", flat=True)) == ["TF 1000/C", "TF 1001/C"]


def test_dry_run_writes_nothing_but_reports(tmp_path):
    ParcelFactory(reference="TF 9/C", geom=rect(3000, 0, 10, 10))
    before, version = table_rows(Parcel), layer_version(get_layer("parcels"))
    report = ingest_file(
        write(parcels_frame(3), tmp_path / "p.gpkg"), "parcels", IngestOptions(dry_run=True)
    )
    assert (report.status, report.created) == ("dry-run", 3)
    assert table_rows(Parcel) == before
    assert layer_version(get_layer("parcels")) == version


def test_database_refusal_leaves_the_layer_as_it_was(tmp_path):
    # Replacing planning documents that reserved land still refers to: the DELETE breaks a
    # foreign key, and the whole ingest is rolled back.
    doc = PlanningDocumentFactory(reference="PA-1")
    ReservedLandFactory(document=doc, geom=rect(0, 0, 50, 50))
    before = table_rows(PlanningDocument)
    import geopandas as gpd
    from shapely.geometry import MultiPolygon

    from tests.ingest.conftest import square

    frame = gpd.GeoDataFrame(
        {"name": ["PA Anfa"], "reference": ["PA-2"], "status": ["in_force"]},
        geometry=[MultiPolygon([square(0, 0, 1000)])],
        crs=26191,
    )
    with pytest.raises(IngestError, match="nothing was written"):
        ingest_file(
            write(frame, tmp_path / "pa.gpkg"), "planning-documents", IngestOptions(mode="replace")
        )
    assert table_rows(PlanningDocument) == before


def test_upsert_needs_a_key_that_identifies_features(tmp_path):
    path = write(parcels_frame(1), tmp_path / "p.gpkg")
    with pytest.raises(IngestError, match="--key"):
        ingest_file(path, "parcels", IngestOptions(mode="upsert"))
    ParcelFactory(reference="TF 1/C", land_status="titled", geom=rect(3000, 0, 10, 10))
    ParcelFactory(reference="TF 2/C", land_status="titled", geom=rect(3100, 0, 10, 10))
    before = table_rows(Parcel)
    with pytest.raises(IngestError, match="does not identify"):
        ingest_file(path, "parcels", IngestOptions(mode="upsert", key="land_status"))
    assert table_rows(Parcel) == before


def test_an_upsert_refuses_a_unique_value_that_another_stored_feature_holds(tmp_path):
    """Upserted by address, the file's first feature would take the reference of the stored
    parcel at another address: it is refused with its reason, the second is added."""
    ParcelFactory(reference="TF 1000/C", address="1 rue A", geom=rect(3000, 0, 10, 10))
    path = write(parcels_frame(2, address=["2 rue B", "3 rue C"]), tmp_path / "p.gpkg")
    report = ingest_file(
        path, "parcels", IngestOptions(mode="upsert", key="address", accept_partial=True)
    )
    assert (report.created, report.updated, report.rejected) == (1, 0, 1)
    assert report.examples == [(1, "reference 'TF 1000/C' belongs to another feature of the layer")]
    assert sorted(Parcel.objects.values_list("reference", "address")) == [
        ("TF 1000/C", "1 rue A"),
        ("TF 1001/C", "3 rue C"),
    ]


def test_the_final_write_reports_its_progress_while_it_runs(tmp_path, settings):
    """The INSERT is one statement; its progress is read from another connection. Another
    session holds an uncommitted parcel with the reference of the file's 201st feature, so the
    INSERT adds the first 200 rows in file order and waits there: the progress seen meanwhile
    must be 200 (or 201, the waiting row's id being taken) of 400."""
    import threading

    import psycopg
    from django.db import connection

    settings.INGEST = {**getattr(settings, "INGEST", {}), "PROGRESS_INTERVAL_S": 0.05}
    frame = parcels_frame(400)  # 400 squares of 10 m on a 20 x 20 grid of 20 m cells
    frame["geometry"] = [
        MultiPolygon([square(20 * (i % 20), 20 * (i // 20), 10)]) for i in range(400)
    ]
    path = write(frame, tmp_path / "p.gpkg")
    connection.ensure_connection()
    info = connection.connection.info
    blocker = psycopg.connect(info.dsn, password=info.password)
    blocker.execute(
        "INSERT INTO parcels_parcel (reference, land_status, current_use, address, geom) "
        "VALUES ('TF 1200/C', 'titled', 'housing', '', "
        "        ST_Multi(ST_MakeEnvelope(0, 0, 10, 10, %s)))",
        [settings.GIS["STORAGE_SRID"]],
    )
    seen: list[tuple[str, int, int]] = []
    # If the progress never shows the wait, the blocker lets go after 60 s and the test fails.
    safety = threading.Timer(60, blocker.rollback)
    safety.start()

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "write" and 0 < done < total and not seen:
            seen.append((stage, done, total))
            blocker.rollback()  # the wait ends: the INSERT goes on to the end

    try:
        report = ingest_file(path, "parcels", progress=progress)
    finally:
        safety.cancel()
        blocker.close()
    assert report.created == 400
    ((stage, done, total),) = seen
    assert total == 400 and done in (200, 201)
    # Ids follow the file's order.
    ids = dict(Parcel.objects.values_list("reference", "id"))
    assert ids["TF 1000/C"] < ids["TF 1200/C"] < ids["TF 1399/C"]


def _parcel_indexes() -> dict[str, tuple[int, str]]:
    """The parcels table's indexes: name -> (oid, definition); a rebuilt index has a new oid."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexrelid::regclass::text, indexrelid::int, pg_get_indexdef(indexrelid) "
            "FROM pg_index WHERE indrelid = 'parcels_parcel'::regclass"
        )
        return {name: (oid, definition) for name, oid, definition in cur.fetchall()}


def _parcel_constraints() -> list[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'parcels_parcel'::regclass ORDER BY 1"
        )
        return cur.fetchall()


def _grid_frame(n: int):
    """``n`` 10 m squares on a grid of 20 m cells, 50 a row."""
    frame = parcels_frame(n)
    frame["geometry"] = [
        MultiPolygon([square(20 * (i % 50), 20 * (i // 50), 10)]) for i in range(n)
    ]
    return frame


LOOSE = {  # the parcels' indexes that no constraint owns, and the unique constraint's own
    "parcel_geom_gist",
    "parcels_parcel_tile_geom",
    "parcels_parcel_reference_a6882f1d_like",
    "portal_parcels_parcel_address_unaccent_trgm",
    "portal_parcels_parcel_reference_unaccent_trgm",
    "parcels_parcel_reference_key",
}


def test_a_first_fill_builds_the_indexes_after_the_write(tmp_path, settings):
    """Into an empty layer table, the loose indexes and the unique constraint are dropped and
    built again from all the rows (new oids, same definitions); the unique constraint holds."""
    from django.db import IntegrityError, transaction

    settings.INGEST = {**getattr(settings, "INGEST", {}), "BULK_INDEX_MIN_ROWS": 100}
    before, constraints = _parcel_indexes(), _parcel_constraints()
    assert set(before) >= LOOSE
    seen: list[tuple[str, int, int]] = []
    report = ingest_file(
        write(_grid_frame(300), tmp_path / "p.gpkg"),
        "parcels",
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert report.created == 300 and Parcel.objects.count() == 300
    after = _parcel_indexes()
    assert {n: d for n, (_, d) in after.items()} == {n: d for n, (_, d) in before.items()}
    assert _parcel_constraints() == constraints
    rebuilt = {n for n in before if after[n][0] != before[n][0]}
    assert rebuilt == LOOSE
    assert [s for s in seen if s[0] == "indexes"][-1] == ("indexes", 6, 6)
    # The rebuilt indexes answer: the spatial one finds a square, the unique one refuses a copy.
    first = Parcel.objects.get(reference="TF 1000/C")
    assert Parcel.objects.filter(geom__intersects=first.geom).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        ParcelFactory(reference="TF 1000/C", geom=rect(0, 5000, 100, 100))


def test_a_write_into_a_table_that_holds_rows_keeps_its_indexes(tmp_path, settings):
    settings.INGEST = {**getattr(settings, "INGEST", {}), "BULK_INDEX_MIN_ROWS": 1}
    ParcelFactory(reference="TF 1/C", geom=rect(0, 5000, 100, 100))
    before = _parcel_indexes()
    seen: list[str] = []
    ingest_file(
        write(_grid_frame(300), tmp_path / "p.gpkg"),
        "parcels",
        progress=lambda stage, done, total: seen.append(stage),
    )
    assert Parcel.objects.count() == 301
    assert _parcel_indexes() == before
    assert "indexes" not in seen


def test_a_first_fill_while_another_session_reads_the_table_does_not_wait(tmp_path, settings):
    """The table lock is asked without waiting: a reader in another session keeps reading, and
    the write keeps the indexes as they are."""
    import psycopg
    from django.db import connection

    settings.INGEST = {**getattr(settings, "INGEST", {}), "BULK_INDEX_MIN_ROWS": 1}
    before = _parcel_indexes()
    connection.ensure_connection()
    info = connection.connection.info
    with psycopg.connect(info.dsn, password=info.password) as reader:
        reader.execute("SELECT count(*) FROM parcels_parcel")  # its transaction stays open
        report = ingest_file(write(_grid_frame(300), tmp_path / "p.gpkg"), "parcels")
    assert report.created == 300
    assert _parcel_indexes() == before


def test_a_first_fill_that_fails_after_the_write_leaves_the_table_and_its_indexes(
    tmp_path, settings
):
    """Stopped while the indexes are built again (a cancelled web ingest stops the same way):
    the rollback brings back the table as it was, indexes, constraint and no row."""
    settings.INGEST = {**getattr(settings, "INGEST", {}), "BULK_INDEX_MIN_ROWS": 1}
    before, constraints = _parcel_indexes(), _parcel_constraints()

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "indexes" and done == 3:
            raise RuntimeError("stopped")

    with pytest.raises(RuntimeError, match="stopped"):
        ingest_file(write(_grid_frame(300), tmp_path / "p.gpkg"), "parcels", progress=progress)
    assert Parcel.objects.count() == 0
    assert _parcel_indexes() == before
    assert _parcel_constraints() == constraints
