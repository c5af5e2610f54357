"""Validation: repair, promotion to multi, 3D, extent, geometry type, attribute types, keys.
Every case checks the reason given and that nothing was written when a feature is rejected."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from ingest.actions import ingest_file
from ingest.options import IngestOptions
from layers.common.errors import IngestError
from layers.parcels.models import Parcel
from tests.factories import ORIGIN, SRID, ParcelFactory, rect
from tests.ingest.conftest import square, table_rows, write

# The reasons are checked by their English source text.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
X, Y = ORIGIN


def frame_with(geoms, **columns) -> gpd.GeoDataFrame:
    n = len(geoms)
    data = {
        "reference": [f"TF {500 + i}/C" for i in range(n)],
        "land_status": ["titled"] * n,
    }
    data.update(columns)
    return gpd.GeoDataFrame(data, geometry=geoms, crs=SRID)


def load(tmp_path, frame, **kw):
    path = write(frame, tmp_path / "in.gpkg", driver="GPKG", geometry_type="Unknown")
    return ingest_file(path, "parcels", IngestOptions(**kw), report_dir=tmp_path)


def test_bowtie_is_repaired_and_reported(tmp_path):
    # A 100 m square whose top edge is drawn backwards: two triangles meeting at the centre,
    # 2 x (100 x 50 / 2) = 5,000 m² once repaired.
    bowtie = Polygon([(X, Y), (X + 100, Y), (X, Y + 100), (X + 100, Y + 100), (X, Y)])
    assert not bowtie.is_valid
    report = load(tmp_path, frame_with([bowtie]))
    assert (report.status, report.created, report.repaired) == ("done", 1, 1)
    parcel = Parcel.objects.get()
    assert parcel.computed_area_m2 == pytest.approx(5_000)
    assert parcel.geom.valid
    repaired = pyogrio.read_dataframe(report.report_path, layer="repaired")
    assert list(repaired["ingest_feature"]) == [1]
    assert "Self-intersection" in repaired["ingest_reason"][0]


def test_repair_that_would_reshape_is_rejected(tmp_path):
    # A square with a 300 m zero-width spike: repair drops the spike, moving the outline 300 m.
    spiky = Polygon(
        [
            (X, Y),
            (X + 100, Y),
            (X + 100, Y + 50),
            (X + 400, Y + 50),
            (X + 100, Y + 50),
            (X + 100, Y + 100),
            (X, Y + 100),
            (X, Y),
        ]
    )
    assert not spiky.is_valid
    report = load(tmp_path, frame_with([spiky, square(500, 0)]))
    assert report.status == "refused"
    assert report.examples[0][0] == 1
    assert "a repair would reshape" in report.examples[0][1]
    assert Parcel.objects.count() == 0


def test_single_polygon_promoted_and_3d_flattened(tmp_path):
    poly3d = Polygon(
        [(X, Y, 12.5), (X + 20, Y, 13), (X + 20, Y + 30, 14), (X, Y + 30, 12), (X, Y, 12.5)]
    )
    report = load(tmp_path, frame_with([poly3d, square(100, 0)]))
    assert report.created == 2
    first = Parcel.objects.get(reference="TF 500/C")
    assert first.geom.geom_type == "MultiPolygon"
    assert not first.geom.hasz
    assert first.computed_area_m2 == pytest.approx(600)


def test_outside_extent_wrong_type_and_bad_attributes_are_rejected_with_reasons(tmp_path):
    ParcelFactory(reference="TF 9/C", geom=rect(1000, 1000, 10, 10))
    before = table_rows(Parcel)
    frame = frame_with(
        [
            square(0, 0),  # 1: fine
            square(200_000, 0),  # 2: 200 km east, outside the municipal extent
            LineString([(X, Y), (X + 10, Y)]),  # 3: a line in a polygon layer
            Point(X, Y),  # 4: a point
            square(400, 0),  # 5: area is not a number
            square(600, 0),  # 6: unknown land status
            square(800, 0),  # 7: reference that breaks the layer's format rule
        ],
        official_area_m2=["100", "100", "100", "100", "beaucoup", "100", "100"],
    )
    frame.loc[5, "land_status"] = "stolen"
    frame.loc[6, "reference"] = "parcel seven"
    report = load(tmp_path, frame)
    assert report.status == "refused"
    assert (report.read, report.rejected, report.created) == (7, 6, 0)
    why = dict(report.examples)
    assert why[2] == "outside the municipal extent"
    assert why[3] == "wrong geometry type: Linestring, the layer takes MultiPolygon"
    assert why[4] == "wrong geometry type: Point, the layer takes MultiPolygon"
    assert why[5] == "official_area_m2: 'beaucoup' is not a number"
    assert why[6].startswith("land_status: 'stolen' is not one of")
    assert why[7] == "breaks the layer rule parcels_parcel_reference_format"
    assert table_rows(Parcel) == before  # all or nothing
    rejected = pyogrio.read_dataframe(report.report_path, layer="rejected")
    assert list(rejected["ingest_feature"]) == [2, 3, 4, 5, 6, 7]
    assert rejected.crs.to_epsg() == SRID
    # each with its geometry and attributes as in the file
    assert list(rejected.geometry.normalize()) == list(frame.geometry[1:].normalize())
    assert list(rejected["reference"]) == list(frame["reference"][1:])


def test_accept_partial_loads_the_valid_features_only(tmp_path):
    frame = frame_with([square(0, 0), square(200_000, 0), square(200, 0)])
    report = load(tmp_path, frame, accept_partial=True)
    assert (report.status, report.created, report.rejected) == ("done", 2, 1)
    assert sorted(Parcel.objects.values_list("reference", flat=True)) == ["TF 500/C", "TF 502/C"]


def test_a_layer_rule_written_with_a_percent_sign_is_checked_feature_by_feature(tmp_path):
    """A CHECK constraint with a ``LIKE`` pattern (as Django writes ``startswith``): the
    features that break it are refused with its name, the others loaded."""
    from django.db import connection

    with connection.cursor() as cur:  # undone with the test's transaction
        cur.execute(
            "ALTER TABLE parcels_parcel ADD CONSTRAINT parcel_reference_tf "
            "CHECK (reference LIKE 'TF %')"
        )
    frame = frame_with([square(0, 0), square(200, 0)], reference=["TF 500/C", "R 501/C"])
    report = load(tmp_path, frame, accept_partial=True)
    assert (report.created, report.rejected) == (1, 1)
    assert report.examples == [(2, "breaks the layer rule parcel_reference_tf")]
    assert list(Parcel.objects.values_list("reference", flat=True)) == ["TF 500/C"]


def test_duplicate_keys_in_file_and_in_layer(tmp_path):
    ParcelFactory(reference="TF 502/C", geom=rect(1000, 1000, 10, 10))
    frame = frame_with([square(0, 0), square(200, 0), square(400, 0)])
    frame.loc[1, "reference"] = "TF 500/C"
    report = load(tmp_path, frame)
    why = dict(report.examples)
    assert why[1] == why[2] == "duplicate reference 'TF 500/C' (features 1, 2)"
    assert (
        why[3] == "reference 'TF 502/C' is already in the layer (use --mode upsert --key reference)"
    )
    assert Parcel.objects.count() == 1


def test_missing_required_attribute_refuses_the_file(tmp_path):
    frame = frame_with([square(0, 0)]).drop(columns=["land_status"])
    with pytest.raises(IngestError, match="needs land_status"):
        load(tmp_path, frame)


def test_integer_and_date_attributes_must_fit(tmp_path):
    from layers.greenspaces.models import Tree

    frame = gpd.GeoDataFrame(
        {
            "species": ["Ficus", "Ficus", "Ficus", "Ficus"],
            "planted_year": ["1998", "1998.5", "-4", "70000"],
        },
        geometry=[Point(X + i, Y) for i in range(4)],
        crs=SRID,
    )
    path = write(frame, tmp_path / "t.geojson", driver="GeoJSON")
    report = ingest_file(path, "trees", IngestOptions(accept_partial=True))
    why = dict(report.examples)
    assert report.created == 1
    assert why[2] == "planted_year: '1998.5' is not an integer"
    assert why[3].startswith("planted_year: '-4' is out of range")
    assert why[4].startswith("planted_year: '70000' is out of range")
    assert Tree.objects.get().planted_year == 1998


def test_absurd_coordinates_change_nothing(tmp_path):
    ParcelFactory(reference="TF 9/C", geom=rect(1000, 1000, 10, 10))
    before = table_rows(Parcel)
    wild = MultiPolygon([Polygon([(0, 0), (1e12, 0), (1e12, 1e12), (0, 0)])])
    frame = frame_with([square(0, 0), wild]).to_crs(SRID)
    report = load(tmp_path, frame)
    assert report.status == "refused"
    assert dict(report.examples)[2].startswith("absurd coordinates")
    assert table_rows(Parcel) == before
    # The report gives it back as it was read, beside the feature refused for it.
    rejected = pyogrio.read_dataframe(report.report_path, layer="rejected")
    assert list(rejected["ingest_feature"]) == [2]
    assert rejected.geometry[0].normalize() == frame.geometry[1].normalize()
    # Degrees beyond the globe in a WGS 84 file.
    frame = gpd.GeoDataFrame(
        {"reference": ["TF 1/C"], "land_status": ["titled"]},
        geometry=[Polygon([(-7.6, 33.5), (-7.6, 95), (200, 95), (-7.6, 33.5)])],
        crs=4326,
    )
    report = load(tmp_path, frame)
    assert dict(report.examples)[1].startswith("absurd coordinates")
    assert table_rows(Parcel) == before


def test_mixed_geometry_types_change_nothing(tmp_path):
    before = table_rows(Parcel)
    frame = frame_with([square(0, 0), LineString([(X, Y), (X + 5, Y + 5)]), square(200, 0)])
    path = write(frame, tmp_path / "mixed.geojson", driver="GeoJSON")
    report = ingest_file(path, "parcels")
    assert report.status == "refused"
    assert report.reasons == {"wrong geometry type: Linestring, the layer takes MultiPolygon": 1}
    assert table_rows(Parcel) == before


def test_dates_and_yes_no_values(tmp_path):
    from layers.roads.models import RoadSegment

    frame = gpd.GeoDataFrame(
        {
            "road_class": ["primary", "residential", "service"],
            "one_way": ["oui", "non", "peut-être"],
            "last_inspection": ["2026-03-15", "15/03/2026", "hier"],
        },
        geometry=[LineString([(X, Y + i), (X + 100, Y + i)]) for i in range(3)],
        crs=SRID,
    )
    path = write(frame, tmp_path / "voirie.csv", driver="CSV", layer_options={"GEOMETRY": "AS_WKT"})
    report = ingest_file(path, "roads", IngestOptions(srs="EPSG:26191", accept_partial=True))
    assert report.created == 2
    why = dict(report.examples)
    assert why[3] == "one_way: 'peut-être' is not yes or no; last_inspection: 'hier' is not a date"
    rows = RoadSegment.objects.order_by("id").values_list("one_way", "last_inspection")
    import datetime as dt

    assert list(rows) == [(True, dt.date(2026, 3, 15)), (False, dt.date(2026, 3, 15))]


def test_date_fields_of_a_geopackage(tmp_path):
    import datetime as dt

    import pandas as pd

    from layers.roads.models import StreetLight

    frame = gpd.GeoDataFrame(
        {"power_w": [70, 100], "install_date": pd.to_datetime(["2019-06-01", None])},
        geometry=[Point(X, Y), Point(X + 30, Y)],
        crs=SRID,
    )
    ingest_file(write(frame, tmp_path / "lights.gpkg"), "street-lights")
    rows = StreetLight.objects.order_by("id").values_list("power_w", "install_date", "lamp_type")
    assert list(rows) == [(70, dt.date(2019, 6, 1), "led"), (100, None, "led")]  # led: default


def test_single_part_multipoint_fits_a_point_layer(tmp_path):
    from shapely.geometry import MultiPoint

    from layers.greenspaces.models import Tree

    frame = gpd.GeoDataFrame(
        {"species": ["Ficus", "Ficus"]},
        geometry=[MultiPoint([(X, Y)]), MultiPoint([(X, Y), (X + 5, Y)])],
        crs=SRID,
    )
    report = ingest_file(
        write(frame, tmp_path / "t.gpkg"), "trees", IngestOptions(accept_partial=True)
    )
    assert report.created == 1
    assert dict(report.examples) == {2: "several parts where the layer takes a single Point"}
    assert Tree.objects.get().geom.coords == (X, Y)
