"""Layer rules (layers.common.rules) on every write path, against PostGIS, on hand-made geometries
whose overlaps are worked out by hand: two 100 m squares 90 m apart overlap by a 10 m x 100 m
strip, 1,000 m².

Parcels may not overlap parcels (1 m² in all); green spaces lie inside the arrondissements (to
0.5 m). Writes through the OGC API (the editor's and QGIS's path) are refused with 422 and the
part at fault; ingest refuses the staged rows with their reason."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import translation
from psycopg import sql
from shapely.geometry import MultiPolygon, box

from geoportal.errors import problem_details
from ingest.actions import ingest_file
from ingest.options import IngestOptions
from layers.common import rules
from layers.common.checks import check_rule_layers
from layers.common.geojson import CRS84, parse_geometry
from layers.common.guards import RuleViolation
from layers.common.registry import get_layer
from layers.common.rules import NoOverlap, Staged, Within, check_feature
from layers.greenspaces.models import GreenSpace
from layers.parcels.models import Parcel
from ogc.actions import create_feature
from tests.factories import (
    ORIGIN,
    SRID,
    ArrondissementFactory,
    GreenSpaceFactory,
    ParcelFactory,
    rect,
)
from tests.ingest.conftest import square, table_rows, write
from tests.registry_overrides import layer_options

# The messages are checked by their English source text; one test checks them in French.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
LOCAL = {"HTTP_CONTENT_CRS": f"<{EPSG}{SRID}>"}
PARCELS = "/ogc/collections/parcels/items"
GREEN = "/ogc/collections/green-spaces/items"


def rectangle(x: float, y: float, w: float, h: float) -> dict:
    """A GeoJSON ``w`` x ``h`` metre rectangle in the storage CRS, ``(x, y)`` metres from ORIGIN."""
    x0, y0 = ORIGIN[0] + x, ORIGIN[1] + y
    ring = [[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0 + h], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(geometry: dict, **props) -> str:
    return json.dumps({"type": "Feature", "geometry": geometry, "properties": props})


def parcel(geometry: dict, reference: str = "TF 77/C") -> str:
    return feature(geometry, reference=reference, land_status="titled")


@pytest.fixture
def planner(django_user_model):
    """May edit parcels and green spaces."""
    user = django_user_model.objects.create_user("planner", password="pw")
    for codename in ("change_parcel", "change_greenspace"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def client(planner) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(planner)
    return c


def send(client: Client, method: str, url: str, body: str):
    return getattr(client, method)(
        url, body, content_type="application/geo+json", HTTP_HOST="127.0.0.1", **LOCAL
    )


def area_of(geojson: dict) -> float:
    """The area in m² of a GeoJSON geometry in CRS84, read back into the storage SRID."""
    return parse_geometry(geojson, CRS84).area


# --- one feature through the OGC API -------------------------------------------------------------


def test_a_new_parcel_overlapping_another_is_refused_with_the_overlap(client, planner):
    ParcelFactory(reference="TF 1/C", geom=rect(0, 0, 100, 100))
    body = parcel(rectangle(90, 0, 100, 100))
    response = send(client, "post", PARCELS, body)
    assert response.status_code == 422, response.content
    detail = json.loads(response.content)["description"]
    assert detail == "overlaps TF 1/C by 1,000.0 m² (tolerance 1 m²)"
    assert list(Parcel.objects.values_list("reference", flat=True)) == ["TF 1/C"]
    # What the editor draws: the 10 m x 100 m strip, in CRS84.
    with pytest.raises(RuleViolation) as caught:
        create_feature(get_layer("parcels"), planner, body.encode(), f"{EPSG}{SRID}")
    problem = problem_details(caught.value, RequestFactory().post(PARCELS))
    assert (problem["status"], problem["code"], problem["rule"]) == (
        422,
        "rule-violation",
        "no-overlap",
    )
    assert problem["area"]["type"] == "Polygon"
    assert area_of(problem["area"]) == pytest.approx(1000, rel=0.005)
    lon, lat = problem["area"]["coordinates"][0][0]
    assert -8 < lon < -7 and 33 < lat < 34  # longitude first
    assert Parcel.objects.count() == 1


def test_a_replaced_parcel_moved_onto_another_is_refused_and_kept(client):
    ParcelFactory(reference="TF 1/C", geom=rect(0, 0, 100, 100))
    moved = ParcelFactory(reference="TF 2/C", geom=rect(300, 0, 100, 100))
    response = send(
        client, "put", f"{PARCELS}/{moved.pk}", parcel(rectangle(50, 0, 100, 100), "TF 2/C")
    )
    assert response.status_code == 422, response.content
    assert "overlaps TF 1/C by 5,000.0 m²" in json.loads(response.content)["description"]
    moved.refresh_from_db()
    assert moved.geom.equals_exact(rect(300, 0, 100, 100), 0.001)


def test_an_overlap_within_the_tolerance_is_accepted(client):
    ParcelFactory(reference="TF 1/C", geom=rect(0, 0, 100, 100))
    # 5 mm over the neighbour along 100 m: 0.5 m²
    response = send(client, "post", PARCELS, parcel(rectangle(99.995, 0, 100, 100)))
    assert response.status_code == 201, response.content
    # sharing an edge is no overlap at all
    response = send(client, "post", PARCELS, parcel(rectangle(-100, 0, 100, 100), "TF 78/C"))
    assert response.status_code == 201, response.content
    assert Parcel.objects.count() == 3


def test_the_tolerance_is_for_the_overlaps_in_all(client):
    # 0.6 m² over each of two neighbours: 1.2 m² in all
    ParcelFactory(reference="TF 1/C", geom=rect(0, 0, 100, 100))
    ParcelFactory(reference="TF 2/C", geom=rect(0, 200, 100, 100))
    response = send(client, "post", PARCELS, parcel(rectangle(0, 99.994, 100, 100.012)))
    assert response.status_code == 422, response.content
    detail = json.loads(response.content)["description"]
    assert detail == "overlaps TF 1/C, TF 2/C by 1.2 m² in all (tolerance 1 m²)"


def test_a_parcel_changed_in_place_does_not_overlap_itself(client):
    own = ParcelFactory(reference="TF 1/C", geom=rect(0, 0, 100, 100))
    ParcelFactory(reference="TF 2/C", geom=rect(100, 0, 100, 100))  # its neighbour, edge to edge
    url = f"{PARCELS}/{own.pk}"
    for geometry in (
        rectangle(0, 0, 100, 100),
        rectangle(5, 5, 90, 90),
        rectangle(-20, 0, 120, 100),
    ):
        response = send(client, "put", url, parcel(geometry, "TF 1/C"))
        assert response.status_code == 204, response.content
    own.refresh_from_db()
    assert own.geom.area == pytest.approx(12_000)


def test_an_attribute_change_of_a_parcel_that_overlaps_already_is_accepted(client):
    """A geometry the write leaves as it is is not checked: data saved before the rule can
    still be corrected, attribute by attribute."""
    ParcelFactory(reference="TF 1/C", geom=rect(0, 0, 100, 100))
    legacy = ParcelFactory(reference="TF 2/C", geom=rect(50, 0, 100, 100))
    patch = json.dumps({"properties": {"address": "12 rue Tarik"}})
    response = client.patch(
        f"{PARCELS}/{legacy.pk}", patch, content_type="application/merge-patch+json"
    )
    assert response.status_code == 204, response.content
    # but moving it still has to respect the rule
    response = send(
        client, "put", f"{PARCELS}/{legacy.pk}", parcel(rectangle(40, 0, 100, 100), "TF 2/C")
    )
    assert response.status_code == 422


def test_a_green_space_outside_the_arrondissements_is_refused_with_the_part_outside(
    client, planner
):
    ArrondissementFactory(geom=rect(-1000, -1000, 3000, 3000))  # x from -1000 to 2000 m
    body = feature(rectangle(1950, 0, 100, 100), name_fr="Jardin du bord", kind="garden")
    response = send(client, "post", GREEN, body)
    assert response.status_code == 422, response.content
    detail = json.loads(response.content)["description"]
    assert detail == "lies outside Arrondissements by 5,000.0 m² (tolerance 0.5 m)"
    assert not GreenSpace.objects.exists()
    with pytest.raises(RuleViolation) as caught:
        create_feature(get_layer("green-spaces"), planner, body.encode(), f"{EPSG}{SRID}")
    assert caught.value.rule == "within"
    assert area_of(caught.value.area) == pytest.approx(5000, rel=0.005)  # the 50 m x 100 m outside


def test_a_green_space_may_cross_between_arrondissements_and_stick_out_by_the_tolerance(client):
    ArrondissementFactory(geom=rect(-1000, -1000, 3000, 3000))
    ArrondissementFactory(geom=rect(2000, -1000, 3000, 3000))  # its eastern neighbour
    across = feature(rectangle(1950, 0, 100, 100), name_fr="Jardin à cheval", kind="garden")
    assert send(client, "post", GREEN, across).status_code == 201
    out_by_30_cm = feature(rectangle(-1000.3, 0, 100, 100), name_fr="Square", kind="square")
    assert send(client, "post", GREEN, out_by_30_cm).status_code == 201
    out_by_80_cm = feature(rectangle(-1000.8, 200, 100, 100), name_fr="Square 2", kind="square")
    response = send(client, "post", GREEN, out_by_80_cm)
    assert response.status_code == 422
    assert "by 80.0 m²" in json.loads(response.content)["description"]


def test_without_any_arrondissement_the_boundary_rule_is_skipped(client):
    body = feature(rectangle(1950, 0, 100, 100), name_fr="Jardin", kind="garden")
    assert send(client, "post", GREEN, body).status_code == 201


# --- ingest -------------------------------------------------------------------------------------


OVERLAPS = "overlaps other features (tolerance 1 m²): "


def frame(*squares: tuple[float, float], size: float = 100.0, **columns) -> gpd.GeoDataFrame:
    """Parcels, one ``size`` m square per south-west corner, referenced TF 1000/C, 1001/C..."""
    n = len(squares)
    data = {
        "reference": [f"TF {1000 + i}/C" for i in range(n)],
        "land_status": ["titled"] * n,
        **columns,
    }
    geoms = [MultiPolygon([square(x, y, size)]) for x, y in squares]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=SRID)


def load(tmp_path, data: gpd.GeoDataFrame, layer: str = "parcels", **options):
    path = write(data, tmp_path / "in.gpkg")
    return ingest_file(path, layer, IngestOptions(**options), report_dir=tmp_path)


def test_ingest_refuses_the_row_overlapping_a_stored_parcel_and_writes_nothing(tmp_path):
    ParcelFactory(reference="TF 9/C", geom=rect(0, 0, 100, 100))
    before = table_rows(Parcel)
    report = load(tmp_path, frame((50, 0), (400, 0)))
    assert report.status == "refused"
    assert report.examples == [(1, f"{OVERLAPS}TF 9/C by 5,000.0 m²")]
    assert report.reasons == {"overlaps other features": 1}
    assert table_rows(Parcel) == before
    report = load(tmp_path, frame((50, 0), (400, 0)), accept_partial=True)
    assert (report.created, report.rejected) == (1, 1)
    assert sorted(Parcel.objects.values_list("reference", flat=True)) == ["TF 1001/C", "TF 9/C"]


def test_ingest_refuses_both_rows_of_the_file_that_overlap_each_other(tmp_path):
    report = load(tmp_path, frame((0, 0), (90, 0), (400, 0)))
    assert report.status == "refused"
    assert report.examples == [
        (1, f"{OVERLAPS}feature 2 of the file (TF 1001/C) by 1,000.0 m²"),
        (2, f"{OVERLAPS}feature 1 of the file (TF 1000/C) by 1,000.0 m²"),
    ]
    assert not Parcel.objects.exists()


def test_ingest_names_every_overlap_of_a_row(tmp_path):
    ParcelFactory(reference="TF 9/C", geom=rect(0, 0, 100, 100))
    report = load(tmp_path, frame((50, 0), (140, 0), (1000, 0)))
    assert report.examples[0] == (
        1,
        f"{OVERLAPS}TF 9/C, feature 2 of the file (TF 1001/C) by 6,000.0 m² in all",
    )


def test_upsert_of_a_parcel_moved_a_little_replaces_it(tmp_path):
    load(tmp_path, frame((0, 0), (100, 0), (200, 0)))  # three parcels edge to edge
    moved = frame((0, 3), (100, 0), (200, 0), current_use=["commerce", "", ""])
    report = load(tmp_path, moved, mode="upsert", key="reference")
    assert (report.status, report.updated, report.unchanged) == ("done", 1, 2)
    assert Parcel.objects.get(reference="TF 1000/C").current_use == "commerce"
    # moved 3 m east instead, it overlaps its neighbour by 300 m²
    report = load(tmp_path, frame((3, 0), (100, 0), (200, 0)), mode="upsert", key="reference")
    # (its neighbour is in the file, unchanged: named as the file's feature)
    assert report.examples == [(1, f"{OVERLAPS}feature 2 of the file (TF 1001/C) by 300.0 m²")]


def test_upsert_refuses_a_moved_parcel_that_overlaps_an_unchanged_one_before_it(tmp_path):
    """The unchanged row comes first in the file: the pair is found from the moved row."""
    load(tmp_path, frame((0, 0), (100, 0)))
    report = load(tmp_path, frame((0, 0), (96, 0)), mode="upsert", key="reference")
    # 100 m squares 96 m apart: a 4 m x 100 m strip
    assert report.examples == [(2, f"{OVERLAPS}feature 1 of the file (TF 1000/C) by 400.0 m²")]


def test_ingest_of_a_partition_refuses_only_the_parcel_inside_another(tmp_path):
    """A 3 x 3 block of 100 m parcels edge to edge (each touches up to eight neighbours, none
    overlaps), and a 10 m parcel inside the middle one: no edge of one crosses an edge of the
    other, yet their interiors share its 100 m²."""
    block = [(100.0 * i, 100.0 * j) for j in range(3) for i in range(3)]
    data = frame(*block)
    inside = frame((120, 120), size=10).assign(reference="TF 2000/C")
    report = load(tmp_path, gpd.GeoDataFrame(pd.concat([data, inside]), crs=SRID))
    assert report.examples == [
        (5, f"{OVERLAPS}feature 10 of the file (TF 2000/C) by 100.0 m²"),
        (10, f"{OVERLAPS}feature 5 of the file (TF 1004/C) by 100.0 m²"),
    ]
    report = load(tmp_path, data)
    assert (report.status, report.created) == ("done", 9)


@pytest.mark.parametrize("step, threads", [(2, 2), (1, 3), (50_000, 1)])
def test_the_search_in_steps_finds_the_pairs_across_steps(tmp_path, monkeypatch, step, threads):
    """The file's rows are searched a step at a time, in threads: a pair whose rows fall in two
    steps, or in the first and the last, is found all the same. Three pairs of 100 m squares:
    rows 1 and 6 overlap by 50 m (5,000 m²), rows 2 and 3 by 10 m, rows 4 and 5 by 20 m."""
    monkeypatch.setattr("layers.common.rules.PAIR_STEP_ROWS", step)
    monkeypatch.setattr("layers.common.rules.PAIR_THREADS", threads)
    data = frame((0, 0), (1000, 0), (1090, 0), (2000, 0), (2080, 0), (50, 0))

    def why(other: int, area: float) -> str:
        return f"{OVERLAPS}feature {other} of the file (TF {999 + other}/C) by {area:,.1f} m²"

    assert load(tmp_path, data).examples == [
        (1, why(6, 5000)),
        (2, why(3, 1000)),
        (3, why(2, 1000)),
        (4, why(5, 2000)),
        (5, why(4, 2000)),
        (6, why(1, 5000)),
    ]


def test_upsert_two_parcels_trading_places(tmp_path):
    """The stored rows a file replaces are not compared with it, whatever row of the file
    replaces them."""
    load(tmp_path, frame((0, 0), (100, 0)))
    data = frame((100, 0), (0, 0))
    assert load(tmp_path, data, mode="upsert", key="reference").updated == 2


def test_an_upsert_that_moves_no_geometry_does_not_search_for_pairs(tmp_path, monkeypatch):
    """The rules refuse only the rows they check: an upsert whose geometries are all the
    layer's already (a delivery of new attributes) has none, and its rows are not read back
    for the search of overlapping pairs; one moved parcel is."""
    load(tmp_path, frame((0, 0), (100, 0)))
    searched = []
    search = rules._overlapping_pairs
    monkeypatch.setattr(rules, "_overlapping_pairs", lambda s: searched.append(1) or search(s))
    data = frame((0, 0), (100, 0), current_use=["jardin", "jardin"])
    assert load(tmp_path, data, mode="upsert", key="reference").updated == 2
    assert searched == []
    report = load(tmp_path, frame((0, 0), (50, 0)), mode="upsert", key="reference")
    assert report.examples == [(2, f"{OVERLAPS}feature 1 of the file (TF 1000/C) by 5,000.0 m²")]
    assert searched == [1]


def test_upsert_leaves_unchanged_geometries_alone(tmp_path):
    # Two stored parcels that overlap (saved before the rule) get a new use, same geometries.
    ParcelFactory(reference="TF 1000/C", geom=rect(0, 0, 100, 100))
    ParcelFactory(reference="TF 1001/C", geom=rect(50, 0, 100, 100))
    data = frame((0, 0), (50, 0), current_use=["jardin", "jardin"])
    report = load(tmp_path, data, mode="upsert", key="reference")
    assert (report.status, report.updated) == ("done", 2)


def test_replace_compares_the_file_with_itself_only(tmp_path):
    ParcelFactory(reference="TF 9/C", geom=rect(0, 0, 100, 100))
    report = load(tmp_path, frame((50, 0), (150, 0)), mode="replace")
    assert (report.status, report.deleted, report.created) == ("done", 1, 2)


def test_the_staged_rows_are_indexed_only_for_stored_parcels_the_write_keeps():
    """The no-overlap rule's join from the stored parcels probes the staged rows by geometry:
    an append into the empty layer and a replace have no stored parcel to compare."""
    rule, layer = NoOverlap(layers=("parcels",)), get_layer("parcels")
    with connection.cursor() as cur:

        def probes(mode: str, key: str | None = None) -> bool:
            stage, rows = sql.Identifier("ingest_stage"), sql.Identifier("ingest_rows")
            return rule.probes_rows(Staged(cur, layer, stage, rows, mode, key))

        assert (probes("append"), probes("replace"), probes("upsert", "reference")) == (
            False,
            False,
            False,
        )
        ParcelFactory(reference="TF 9/C", geom=rect(0, 0, 100, 100))
        assert (probes("append"), probes("replace"), probes("upsert", "reference")) == (
            True,
            False,
            True,
        )


def test_ingest_refuses_green_spaces_outside_the_arrondissements(tmp_path):
    ArrondissementFactory(geom=rect(-1000, -1000, 3000, 3000))
    data = gpd.GeoDataFrame(
        {"name_fr": ["Dedans", "Dehors", "Au bord"], "kind": ["garden"] * 3},
        geometry=[
            MultiPolygon([square(0, 0)]),
            MultiPolygon([square(1950, 0)]),
            MultiPolygon([box(ORIGIN[0] - 1000.4, ORIGIN[1], ORIGIN[0] - 900, ORIGIN[1] + 100)]),
        ],
        crs=SRID,
    )
    report = load(tmp_path, data, "green-spaces")
    assert report.examples == [(2, "lies outside Arrondissements (tolerance 0.5 m) by 5,000.0 m²")]
    assert not GreenSpace.objects.exists()


def test_ingest_without_any_arrondissement_skips_the_boundary_rule(tmp_path):
    data = gpd.GeoDataFrame(
        {"name_fr": ["Dehors"], "kind": ["garden"]},
        geometry=[MultiPolygon([square(1950, 0)])],
        crs=SRID,
    )
    assert load(tmp_path, data, "green-spaces").created == 1


# --- the rules as declared ----------------------------------------------------------------------


def test_parcels_and_green_spaces_declare_their_rules_in_three_languages():
    (no_overlap,) = get_layer("parcels").options.rules
    (within,) = get_layer("green-spaces").options.rules
    assert no_overlap == NoOverlap(layers=("parcels",), tolerance_m2=1.0)
    assert within == Within(layer="arrondissements", tolerance_m=0.5)
    assert (no_overlap.name, within.name) == ("no-overlap", "within")
    for rule in (no_overlap, within):
        assert set(rule.label) == {"fr", "ar", "en"}
    assert no_overlap.label["fr"] == (
        "Ne peut chevaucher aucune entité de : Parcelles cadastrales (tolérance 1 m²)"
    )
    assert within.label["fr"] == (
        "Doit se trouver à l'intérieur de : Arrondissements (tolérance 0,5 m)"
    )
    assert within.label["en"] == "Must lie inside: Arrondissements (tolerance 0.5 m)"


@pytest.mark.parametrize(
    ("slug", "rule", "message"),
    [
        ("trees", NoOverlap(layers=("trees",)), "'trees' is a Point layer"),
        ("green-spaces", Within(layer="street-lights"), "'street-lights' is a Point layer"),
        ("parcels", NoOverlap(layers=("parcels",), tolerance_m2=-1), "tolerance"),
        ("green-spaces", Within(layer="green-spaces"), "inside itself"),
    ],
)
def test_a_rule_that_cannot_apply_is_refused_at_registration(slug, rule, message):
    registered = get_layer(slug)
    with pytest.raises(ValueError, match=message), layer_options(slug, rules=(rule,)):
        pass
    assert get_layer(slug) is registered
    assert check_rule_layers() == []


def test_a_rule_naming_a_layer_never_registered_fails_the_system_check():
    with layer_options("green-spaces", rules=(Within(layer="arrondisements"),)) as layer:
        (error,) = check_rule_layers()
        assert error.id == "layers.E001"
        assert "'arrondisements'" in error.msg
        with pytest.raises(ImproperlyConfigured, match="arrondisements"):
            check_feature(layer, rect(0, 0, 10, 10), pk=None)
    assert check_rule_layers() == []


def test_a_rule_against_another_layer_names_it():
    GreenSpaceFactory(name_fr="Parc Murdoch", geom=rect(0, 0, 100, 100))
    rule = NoOverlap(layers=("green-spaces", "parcels"))
    expected = r"^overlaps Parc Murdoch \(Green spaces\) by 1,000.0 m²"
    with (
        layer_options("parcels", rules=(rule,)) as layer,
        pytest.raises(RuleViolation, match=expected),
    ):
        check_feature(layer, rect(90, 0, 100, 100), pk=None)


# --- in the user's language ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        # a 100 m square 90 m east of another overlaps it by a 10 m x 100 m strip
        ("fr", "chevauche TF 1/C de 1.000,0 m² (tolérance 1 m²)"),
        ("ar", "يتداخل مع TF 1/C بمساحة 1.000,0 م² (هامش التسامح 1 م²)"),
    ],
)
def test_a_refusal_through_the_ogc_api_is_in_the_requests_language(client, language, detail):
    ParcelFactory(reference="TF 1/C", geom=rect(0, 0, 100, 100))
    body = parcel(rectangle(90, 0, 100, 100))
    response = send(client, "post", PARCELS + f"?lang={language}", body)
    assert response.status_code == 422, response.content
    assert json.loads(response.content)["description"] == detail


def test_ingest_reasons_are_in_the_active_language(tmp_path):
    ParcelFactory(reference="TF 9/C", geom=rect(0, 0, 100, 100))
    ArrondissementFactory(geom=rect(-1000, -1000, 3000, 3000))
    with translation.override("fr"):
        # 50 m into TF 9/C: a 50 m x 100 m overlap; then two rows 90 m apart overlap each other
        report = load(tmp_path, frame((50, 0), (400, 0), (490, 0)))
        outside = gpd.GeoDataFrame(
            {"name_fr": ["Dehors"], "kind": ["garden"]},
            geometry=[MultiPolygon([square(3500, 0)])],
            crs=SRID,
        )
        green = load(tmp_path, outside, "green-spaces")
    assert report.examples == [
        (1, "chevauche d'autres entités (tolérance 1 m²) : TF 9/C de 5.000,0 m²"),
        (
            2,
            "chevauche d'autres entités (tolérance 1 m²) : entité 3 du fichier (TF 1002/C) de 1.000,0 m²",
        ),
        (
            3,
            "chevauche d'autres entités (tolérance 1 m²) : entité 2 du fichier (TF 1001/C) de 1.000,0 m²",
        ),
    ]
    # a 100 m square 500 m east of the arrondissement's edge lies wholly outside: 10,000 m²
    assert green.examples == [(1, "sort de Arrondissements (tolérance 0,5 m) de 10.000,0 m²")]
