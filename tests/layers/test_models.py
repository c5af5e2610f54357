"""Constraints and measurements of the layer models, on hand-made geometries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import IntegrityError, connection, transaction

from layers.parcels.models import Parcel
from layers.roads.actions import record_inspection
from layers.roads.models import RoadSegment
from tests.factories import (
    ORIGIN,
    SRID,
    CitizenReportFactory,
    GreenSpaceFactory,
    ParcelFactory,
    RoadSegmentFactory,
    line,
    point,
    rect,
)

pytestmark = pytest.mark.django_db


def bowtie() -> MultiPolygon:
    x, y = ORIGIN
    ring = ((x, y), (x + 10, y + 10), (x + 10, y), (x, y + 10), (x, y))
    return MultiPolygon(Polygon(ring, srid=SRID), srid=SRID)


def test_invalid_geometry_is_rejected_by_the_database_from_the_orm():
    with pytest.raises(IntegrityError, match="geom_valid"), transaction.atomic():
        ParcelFactory(geom=bowtie())
    assert Parcel.objects.count() == 0


def test_invalid_geometry_is_rejected_by_the_database_from_sql():
    with (
        pytest.raises(IntegrityError, match="geom_valid"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(
            "INSERT INTO parcels_parcel (reference, land_status, current_use, address, geom) "
            "VALUES ('TF 1/C', 'titled', '', '', ST_GeomFromText(%s, %s))",
            [bowtie().wkt, SRID],
        )
    assert Parcel.objects.count() == 0


def test_areas_are_square_metres_in_the_storage_srid():
    parcel = ParcelFactory(geom=rect(0, 0, 100, 100))  # 100 m x 100 m
    odd = ParcelFactory(geom=rect(0, 200, 37.5, 80))  # 37.5 m x 80 m = 3,000 m²
    park = GreenSpaceFactory(geom=rect(300, 0, 250, 40))  # 10,000 m²
    parcel.refresh_from_db()
    odd.refresh_from_db()
    park.refresh_from_db()
    assert parcel.computed_area_m2 == pytest.approx(10_000.0, abs=1e-6)
    assert odd.computed_area_m2 == pytest.approx(3_000.0, abs=1e-6)
    assert park.area_m2 == pytest.approx(10_000.0, abs=1e-6)
    assert parcel.geom.srid == SRID


def test_computed_area_follows_a_geometry_edit():
    parcel = ParcelFactory(geom=rect(0, 0, 100, 100))
    parcel.geom = rect(0, 0, 50, 100)
    parcel.save()
    parcel.refresh_from_db()
    assert parcel.computed_area_m2 == pytest.approx(5_000.0)


@pytest.mark.parametrize(
    ("index", "grade"),
    [(100, "A"), (80, "A"), (79, "B"), (60, "B"), (45, "C"), (20, "D"), (0, "E"), (None, None)],
)
def test_condition_grade_is_derived_from_the_index(index, grade):
    segment = RoadSegmentFactory(condition_index=index)
    segment.refresh_from_db()
    assert segment.condition_grade == grade


def test_condition_index_above_100_is_rejected():
    with pytest.raises(IntegrityError), transaction.atomic():
        RoadSegmentFactory(condition_index=101)


@pytest.mark.parametrize("reference", ["TF 12345/C", "R 2345/C", "NI-061410101-000123"])
def test_parcel_reference_formats_accepted(reference):
    ParcelFactory(reference=reference)


@pytest.mark.parametrize("reference", ["12345", "TF12345/C", "tf 1/c", "TF 1/C; DROP TABLE x"])
def test_parcel_reference_formats_refused(reference):
    with pytest.raises(IntegrityError, match="reference_format"), transaction.atomic():
        ParcelFactory(reference=reference)


def test_citizen_report_gets_the_nearest_road_segment():
    # Two parallel streets: y = -10 and y = -100. A report at y = -15 is 5 m from the first.
    near = RoadSegmentFactory(geom=line((0, -10), (200, -10)))
    RoadSegmentFactory(geom=line((0, -100), (200, -100)))
    report = CitizenReportFactory(geom=point(60, -15))
    report.refresh_from_db()
    assert report.nearest_segment_id == near.pk
    assert report.nearest_segment_distance_m == pytest.approx(5.0)
    # Moved next to the other street (10 m away), the report follows.
    report.geom = point(60, -90)
    report.save()
    report.refresh_from_db()
    assert report.nearest_segment_id != near.pk
    assert report.nearest_segment_distance_m == pytest.approx(10.0)


def test_record_inspection_updates_the_segment_condition():
    segment = RoadSegmentFactory(condition_index=90, last_inspection=None)
    record_inspection(
        segment,
        date=dt.date(2026, 3, 1),
        inspector="N. Bennani",
        score=55,
        defects=["pothole", "cracking"],
    )
    segment.refresh_from_db()
    assert (segment.condition_index, segment.condition_grade) == (55, "C")
    assert segment.last_inspection == dt.date(2026, 3, 1)
    # An older inspection entered late keeps the newer condition.
    record_inspection(segment, date=dt.date(2025, 1, 1), inspector="A. Alami", score=95)
    segment.refresh_from_db()
    assert segment.condition_index == 55
    assert segment.inspections.count() == 2
    with pytest.raises(ValueError, match="unknown defects"):
        record_inspection(
            segment, date=dt.date(2026, 4, 1), inspector="x", score=50, defects=["ufo"]
        )
    assert RoadSegment.objects.get(pk=segment.pk).inspections.count() == 2


def test_a_zone_follows_its_regulation_from_every_write_path():
    from layers.zoning.models import Zone
    from tests.factories import ZoneFactory, ZoneRegulationFactory

    regulation = ZoneRegulationFactory(
        code="R+4", category="collective_housing", label_fr="Immeubles"
    )
    zone = ZoneFactory(regulation=regulation)
    assert (zone.code, zone.category, zone.label_fr) == ("R+4", "collective_housing", "Immeubles")
    # Written by SQL, as ingest or pygeoapi do, with no code at all.
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO zoning_zone (regulation_id, code, category, label_fr, geom) "
            "VALUES (%s, '', '', '', ST_GeomFromText(%s, %s)) RETURNING id",
            [regulation.pk, rect(600, 0, 10, 10).wkt, SRID],
        )
        sql_zone = Zone.objects.get(pk=cur.fetchone()[0])
    assert (sql_zone.code, sql_zone.category) == ("R+4", "collective_housing")
    # The regulation is renumbered: its zones follow.
    regulation.code = "R+5"
    regulation.save()
    assert set(Zone.objects.values_list("code", flat=True)) == {"R+5"}
