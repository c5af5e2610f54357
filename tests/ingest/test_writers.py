"""The write path: modes, history and version counters, dry runs, and all-or-nothing when the
database itself refuses the data."""

from __future__ import annotations

import pytest

from ingest.actions import ingest_file
from ingest.options import IngestOptions
from layers.common.errors import IngestError
from layers.common.models import HistoryEntry
from layers.common.registry import get_layer
from layers.common.selectors import layer_version
from layers.parcels.models import Parcel
from layers.zoning.models import PlanningDocument
from tests.factories import ParcelFactory, PlanningDocumentFactory, ReservedLandFactory, rect
from tests.ingest.conftest import parcels_frame, table_rows, write

pytestmark = pytest.mark.django_db


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
