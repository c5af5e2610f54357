"""The small demo city, checked against the real figures of the data README and against geometry
facts computed independently of the generator (validity, containment, overlaps, coverage)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import shapely
from django.apps import apps
from django.conf import settings
from django.db import connection
from psycopg import sql
from pyproj import Transformer

from layers.demo.boundaries import DATA
from layers.demo.city import generate_city
from layers.demo.loader import ACTOR, GENERATED_TABLES, DemoNotEmpty, load_demo, read_frame
from layers.demo.sizes import SIZES
from layers.parcels.models import REFERENCE_PATTERN
from tests.conftest import WEB_MODULES, imported_modules

from .conftest import snapshot, table_digest

pytestmark = pytest.mark.usefixtures("small_demo")

# From the README of the data (HCP names, RGPH 2024), typed here rather than read from the data.
ARRONDISSEMENTS = {
    "Anfa",
    "Maârif",
    "Sidi Belyout",
    "Al-Fida",
    "Mers-Sultan",
    "Aïn-Sebaâ",
    "Asoukhour Assawda",
    "Hay-Mohammadi",
    "Hay-Hassani",
    "Aïn-Chock",
    "Sidi Bernoussi",
    "Sidi Moumen",
    "Ben-M'sick",
    "Sbata",
    "Moulay Rachid",
    "Sidi Othmane",
}
PREFECTURES = {
    "Casablanca-Anfa": 66202 + 139669 + 138294,
    "Al-Fida-Mers-Sultan": 125933 + 98139,
    "Aïn-Sebaâ-Hay Mohammadi": 155828 + 104775 + 104232,
    "Hay-Hassani": 537509,
    "Aïn-Chock": 374707,
    "Sidi Bernoussi": 154919 + 551443,
    "Ben M'sick": 105612 + 101640,
    "Moulay Rachid": 245139 + 211894,
}
POLYGON_TABLES = [
    "boundaries_arrondissement",
    "boundaries_prefecture",
    "parcels_parcel",
    "greenspaces_greenspace",
    "zoning_planningdocument",
    "zoning_zone",
    "zoning_servitude",
    "zoning_reservedland",
]
GEOMETRY_TABLES = [
    *POLYGON_TABLES,
    "roads_roadsegment",
    "roads_streetlight",
    "roads_streetfurniture",
    "greenspaces_tree",
    "facilities_facility",
    "facilities_citizenreport",
]


def one(query, params=None):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()


def rows(query, params=None):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


@pytest.mark.django_db
def test_sixteen_arrondissements_and_eight_prefectures():
    names = {r[0] for r in rows("SELECT name_fr FROM boundaries_arrondissement")}
    assert names == ARRONDISSEMENTS
    got = dict(rows("SELECT name_fr, population_2024 FROM boundaries_prefecture"))
    assert got == PREFECTURES
    # every arrondissement lies in its préfecture
    outside = one(
        "SELECT count(*) FROM boundaries_arrondissement a JOIN boundaries_prefecture p "
        "ON p.id = a.prefecture_id WHERE NOT ST_Covers(ST_Buffer(p.geom, 0.01), a.geom)"
    )[0]
    assert outside == 0
    assert one("SELECT count(*) FROM boundaries_commune")[0] == 37


@pytest.mark.django_db
def test_population_and_area_match_the_census_and_an_independent_projection():
    assert one("SELECT sum(population_2024) FROM boundaries_arrondissement")[0] == 3_215_935
    assert one("SELECT sum(population_2024) FROM boundaries_prefecture")[0] == 3_215_935
    assert one("SELECT sum(households_2024) FROM boundaries_prefecture")[0] == 909_228
    area_km2 = one("SELECT sum(ST_Area(geom)) / 1e6 FROM boundaries_arrondissement")[0]
    assert area_km2 == pytest.approx(216.04, rel=1e-3)
    # the préfectures, dissolved, cover the same ground
    pref_km2 = one("SELECT sum(ST_Area(geom)) / 1e6 FROM boundaries_prefecture")[0]
    assert pref_km2 == pytest.approx(area_km2, rel=1e-6)
    # the same area from the GeoJSON, projected with pyproj instead of PostGIS
    gis = settings.GIS
    to_storage = Transformer.from_crs(gis["API_SRID"], gis["STORAGE_SRID"], always_xy=True)
    features = json.loads((DATA / "arrondissements.geojson").read_text())["features"]
    total = 0.0
    for f in features:
        geom = shapely.geometry.shape(f["geometry"])
        projected = shapely.transform(
            geom, lambda xy: np.column_stack(to_storage.transform(xy[:, 0], xy[:, 1]))
        )
        total += projected.area
    assert area_km2 == pytest.approx(total / 1e6, rel=1e-3)


@pytest.mark.django_db
@pytest.mark.parametrize("table", GEOMETRY_TABLES)
def test_every_geometry_is_valid_and_inside_the_city(table):
    count, invalid, outside = one(
        sql.SQL(
            "WITH city AS (SELECT ST_Buffer(ST_Union(geom), 0.5) AS g FROM boundaries_arrondissement) "
            "SELECT count(*), count(*) FILTER (WHERE NOT ST_IsValid(t.geom)), "
            "count(*) FILTER (WHERE NOT ST_Covers(city.g, t.geom)) FROM {} t, city"
        ).format(sql.Identifier(table))
    )
    assert count > 0
    assert invalid == 0
    assert outside == 0


@pytest.mark.django_db
def test_parcels_do_not_overlap():
    pairs, overlap = one(
        "SELECT count(*), coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom))), 0) "
        "FROM parcels_parcel a JOIN parcels_parcel b ON a.id < b.id AND a.geom && b.geom "
        "AND ST_Intersects(a.geom, b.geom)"
    )
    assert pairs > 100  # neighbours share edges: the join did find touching parcels
    assert overlap < 1e-3  # m², the whole city: shared edges only


@pytest.mark.django_db
def test_zones_cover_the_parcels_without_overlapping():
    uncovered = one(
        "SELECT count(*) FROM parcels_parcel p WHERE ST_Area(ST_Difference(p.geom, "
        "(SELECT ST_Union(z.geom) FROM zoning_zone z WHERE z.geom && p.geom))) > 0.01"
    )[0]
    assert uncovered == 0
    overlap = one(
        "SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom))), 0) FROM zoning_zone a "
        "JOIN zoning_zone b ON a.id < b.id AND a.geom && b.geom AND ST_Intersects(a.geom, b.geom)"
    )[0]
    assert overlap < 1e-2
    city, zones = one(
        "SELECT (SELECT sum(ST_Area(geom)) FROM boundaries_arrondissement), "
        "(SELECT sum(ST_Area(geom)) FROM zoning_zone)"
    )
    assert zones == pytest.approx(city, abs=1.0)  # m²: the zoning plan covers the whole city


@pytest.mark.django_db
def test_small_demo_is_a_plausible_city():
    parcels = one("SELECT count(*) FROM parcels_parcel")[0]
    assert 200 <= parcels <= 1000
    refs = [r[0] for r in rows("SELECT reference FROM parcels_parcel")]
    assert all(re.match(REFERENCE_PATTERN, r) for r in refs)
    assert {r.split(" ")[0].split("-")[0] for r in refs} == {"TF", "R", "NI"}
    statuses = {r[0] for r in rows("SELECT DISTINCT land_status FROM parcels_parcel")}
    assert {"titled", "requisition", "unregistered"} <= statuses
    worst = one(
        "SELECT max(abs(official_area_m2 - computed_area_m2) / computed_area_m2) "
        "FROM parcels_parcel WHERE official_area_m2 IS NOT NULL"
    )[0]
    assert worst < 0.06
    # an address names the street of the grid the parcel fronts
    assert one("SELECT count(*) FROM parcels_parcel WHERE address !~ '^[0-9]+, \\S'")[0] == 0
    roads = {r[0] for r in rows("SELECT DISTINCT name_fr FROM roads_roadsegment")}
    assert {"Boulevard Mohammed V", "Boulevard d'Anfa", "Avenue des FAR"} <= roads
    assert one("SELECT count(*) FROM roads_roadsegment WHERE name_ar = ''")[0] == 0
    codes = {r[0] for r in rows("SELECT code FROM zoning_zoneregulation")}
    assert {"R+4", "I", "VA", "ZI", "E", "VE", "C"} <= codes
    kinds = {r[0] for r in rows("SELECT DISTINCT kind FROM zoning_servitude")}
    assert kinds == {"maritime_public_domain", "railway", "high_voltage", "cemetery", "heritage"}
    assert (
        one("SELECT count(*) FROM zoning_reservedland WHERE kind = 'road' AND road_width_m > 0")[0]
        >= 3
    )
    assert one("SELECT count(*) FROM zoning_planningdocument WHERE status = 'in_force'")[0] == 8
    # even the small city's parcels fall in more than one zone code
    assert (
        one(
            "SELECT count(DISTINCT z.code) FROM parcels_parcel p JOIN zoning_zone z "
            "ON ST_Intersects(z.geom, ST_PointOnSurface(p.geom))"
        )[0]
        >= 2
    )
    # every zone's regulation belongs to the document whose perimeter holds the zone
    misplaced = one(
        "SELECT count(*) FROM zoning_zone z JOIN zoning_zoneregulation r ON r.id = z.regulation_id "
        "JOIN zoning_planningdocument d ON d.id = r.document_id "
        "WHERE NOT ST_Covers(ST_Buffer(d.geom, 0.01), z.geom) OR z.code <> r.code"
    )[0]
    assert misplaced == 0
    # the database trigger found a nearby segment for every citizen report
    assert (
        one(
            "SELECT count(*) FROM facilities_citizenreport WHERE nearest_segment_id IS NULL "
            "OR nearest_segment_distance_m > 25"
        )[0]
        == 0
    )
    assert one("SELECT count(*) FROM roads_inspection")[0] > 0
    for table in ("greenspaces_tree", "roads_streetlight", "facilities_facility"):
        assert one(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))[0] > 0


@pytest.mark.django_db
def test_history_records_the_load():
    entries = one(
        "SELECT count(*) FROM layers_history WHERE table_name = 'parcels_parcel' AND op = 'I' "
        "AND actor = %s",
        [ACTOR],
    )[0]
    assert entries == one("SELECT count(*) FROM parcels_parcel")[0]
    versions = dict(rows("SELECT table_name, version FROM layers_version"))
    assert all(versions[t] > 0 for t in GENERATED_TABLES if t in versions)


@pytest.mark.django_db
def test_same_seed_same_city_other_seed_other_city():
    before = {t: table_digest(t) for t in GENERATED_TABLES}
    load_demo(SIZES["small"], 1, replace=True, progress=False, say=lambda _: None)
    assert {t: table_digest(t) for t in GENERATED_TABLES} == before
    load_demo(SIZES["small"], 2, replace=True, progress=False, say=lambda _: None)
    assert table_digest("parcels_parcel") != before["parcels_parcel"]
    # (the test's transaction is rolled back: the module's demo stays as it was)


@pytest.mark.django_db
def test_load_without_history_keeps_versions_moving_and_restores_the_trigger():
    before = dict(rows("SELECT table_name, version FROM layers_version"))
    history = one("SELECT count(*) FROM layers_history")[0]
    load_demo(SIZES["small"], 1, replace=True, history=False, progress=False, say=lambda _: None)
    assert one("SELECT count(*) FROM layers_history")[0] == history
    after = dict(rows("SELECT table_name, version FROM layers_version"))
    assert after["parcels_parcel"] > before["parcels_parcel"]
    by_state = dict(
        rows(
            "SELECT tgenabled, count(*) FROM pg_trigger WHERE tgname LIKE 'layers_history_%' "
            "AND tgrelid = 'parcels_parcel'::regclass GROUP BY tgenabled"
        )
    )
    assert by_state == {"O": 3}  # insert, update and delete: enabled again


@pytest.mark.django_db
@pytest.mark.parametrize("history", [True, False], ids=["delete", "truncate"])
def test_a_replace_empties_the_districts_of_the_edit_scopes(history):
    from django.contrib.auth.models import Group

    from layers.boundaries.models import Arrondissement
    from layers.common.models import EditScope

    scope = EditScope.objects.create(group=Group.objects.create(name="Anfa"), layer="parcels")
    scope.districts.set(Arrondissement.objects.order_by("id")[:2])
    said: list[str] = []
    load_demo(SIZES["small"], 1, replace=True, history=history, progress=False, say=said.append)
    assert not scope.districts.exists()
    assert EditScope.objects.filter(pk=scope.pk).exists()  # the scope stays: it edits nowhere
    assert any(m.startswith("the edit scopes lost their districts") for m in said)


@pytest.mark.django_db
def test_non_empty_database_is_refused_in_process():
    before = snapshot()
    with pytest.raises(DemoNotEmpty, match="parcels_parcel"):
        load_demo(SIZES["small"], 3, progress=False, say=lambda _: None)
    assert snapshot() == before


@pytest.mark.django_db
def test_if_empty_leaves_a_non_empty_database_alone_in_process():
    before = snapshot()
    report = load_demo(SIZES["small"], 3, if_empty=True, progress=False, say=lambda _: None)
    assert report.skipped
    assert snapshot() == before


def _db_env(url: str) -> dict[str, str]:
    return {"DATABASE_URL": url}


@pytest.mark.slow
def test_command_if_empty_skips(small_demo, run_manage, django_db_blocker):
    with django_db_blocker.unblock():
        before = snapshot()
    env = {**_db_env(small_demo), "PYTHONPROFILEIMPORTTIME": "1"}
    result = run_manage("load_demo", "--size", "small", "--if-empty", env=env)
    assert "nothing done" in result.stdout
    # Its system checks are those of a load (the layer registry, the GIS settings): `make run`
    # calls it at every start, and the web server's would load the portal's views and pygeoapi.
    imported = imported_modules(result.stderr)
    assert "layers.common.registry" in imported
    assert not WEB_MODULES & imported
    with django_db_blocker.unblock():
        assert snapshot() == before


@pytest.mark.slow
def test_command_refuses_a_non_empty_database_and_changes_nothing(
    small_demo, run_manage, django_db_blocker
):
    with django_db_blocker.unblock():
        before = snapshot()
    result = run_manage(
        "load_demo", "--size", "small", "--seed", "5", env=_db_env(small_demo), check=False
    )
    assert result.returncode != 0
    assert "already holds layer data" in result.stderr
    assert "--replace" in result.stderr
    with django_db_blocker.unblock():
        assert snapshot() == before


@pytest.mark.django_db
def test_a_replace_that_fails_half_way_changes_nothing():
    before = snapshot()

    def fail_after_emptying(message: str) -> None:
        if message.startswith("emptied"):
            raise RuntimeError("stopped after the TRUNCATE")

    with pytest.raises(RuntimeError, match="after the TRUNCATE"):
        load_demo(SIZES["small"], 4, replace=True, progress=False, say=fail_after_emptying)
    assert snapshot() == before


@pytest.mark.django_db
def test_city_size_is_tens_of_thousands_of_valid_parcels_inside_the_city():
    """The ``city`` size, generated in memory from the real boundaries (not written)."""
    with connection.cursor() as cursor:
        frame, arrondissements, prefectures = read_frame(cursor)
    tables = {
        t.table: t for t in generate_city(frame, arrondissements, prefectures, SIZES["city"], 1)
    }
    parcels = np.asarray(tables["parcels_parcel"].columns["geom"], dtype=object)
    assert 20_000 <= len(parcels) <= 150_000
    assert len(tables["roads_roadsegment"]) >= 5_000
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_AsBinary(ST_Buffer(ST_Union(geom), 0.5)) FROM boundaries_arrondissement"
        )
        city = shapely.from_wkb(bytes(cursor.fetchone()[0]))
    shapely.prepare(city)
    models = {m._meta.db_table: m for m in apps.get_models()}
    for name, table in tables.items():
        if "geom" in table.columns:
            geoms = np.asarray(table.columns["geom"], dtype=object)
            # valid as written, in the storage SRID (the database's check constraint), and of
            # the layer's geometry type
            invalid = {
                int(k) + 1: shapely.is_valid_reason(geoms[k])
                for k in np.flatnonzero(~shapely.is_valid(geoms))
            }
            assert not invalid, (name, invalid)
            layer_type = models[name]._meta.get_field("geom").geom_type
            types = {g.geom_type.upper() for g in geoms}
            assert types == {layer_type}, name
            assert not shapely.is_empty(geoms).any(), name
            assert shapely.covers(city, geoms).all(), name
    # no two parcels overlap: every intersecting pair meets along edges only
    left, right = shapely.STRtree(parcels).query(parcels, predicate="intersects")
    pairs = left < right
    assert pairs.sum() > len(parcels)  # neighbours were found
    overlap = shapely.area(shapely.intersection(parcels[left[pairs]], parcels[right[pairs]]))
    assert overlap.sum() < 1e-2


@pytest.mark.django_db
def test_a_replace_is_recorded_so_the_past_date_read_gives_the_new_city():
    from django.utils import timezone

    from layers.common.registry import get_layer
    from layers.common.selectors import layer_as_of

    old = dict(rows("SELECT id, reference FROM parcels_parcel"))
    load_demo(SIZES["small"], 2, replace=True, progress=False, say=lambda _: None)
    new = dict(rows("SELECT id, reference FROM parcels_parcel"))
    assert new != old
    deleted = one(
        "SELECT count(*) FROM layers_history WHERE table_name = 'parcels_parcel' AND op = 'D' "
        "AND actor = %s",
        [ACTOR],
    )[0]
    assert deleted == len(old)
    now = {
        f.id: f.properties["reference"] for f in layer_as_of(get_layer("parcels"), timezone.now())
    }
    assert now == new


@pytest.mark.django_db
def test_a_generation_that_fails_after_some_tables_are_written_changes_nothing(monkeypatch):
    """The city is generated in a thread while the tables already made are written, their
    indexes dropped and built again around each COPY: an error of the generation after the
    first tables reaches the caller, and the rollback leaves the rows and the indexes as they
    were."""
    import layers.demo.loader as loader

    before = snapshot()
    indexes = rows("SELECT indexrelid::regclass::text FROM pg_index ORDER BY 1")
    real = loader.iter_city

    def two_tables_then_fail(*args, **kwargs):
        made = real(*args, **kwargs)
        yield next(made)
        yield next(made)
        raise RuntimeError("generation stopped")

    monkeypatch.setattr(loader, "iter_city", two_tables_then_fail)
    with pytest.raises(RuntimeError, match="generation stopped"):
        load_demo(SIZES["small"], 4, replace=True, progress=False, say=lambda _: None)
    assert snapshot() == before
    assert rows("SELECT indexrelid::regclass::text FROM pg_index ORDER BY 1") == indexes
