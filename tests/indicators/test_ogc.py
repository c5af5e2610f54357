"""The OGC API Features collection ``arrondissement-indicators``: the figures on the boundaries,
read-only, for QGIS and GDAL."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from geoportal.indicators import publication
from ogc.api import reset_apis
from tests.ogc.conftest import ogc_server  # noqa: F401  (the fixture)

COLLECTION = "/ogc/collections/arrondissement-indicators"


@pytest.fixture(autouse=True)
def fresh_apis() -> Iterator[None]:
    reset_apis()
    yield
    reset_apis()


def test_the_migration_sql_is_what_the_generator_writes():
    assert publication.SQL_FILE.read_text() == publication.view_ddl()


def test_the_collection_is_listed_and_serves_the_figures(client, known_city_committed):
    listed = client.get("/ogc/collections?f=json").json()
    assert "arrondissement-indicators" in [c["id"] for c in listed["collections"]]
    response = client.get(COLLECTION + "/items?f=json")
    assert response.status_code == 200
    features = {f["properties"]["name_fr"]: f for f in response.json()["features"]}
    assert set(features) == {"Ouest", "Est"}
    west = features["Ouest"]["properties"]
    assert west["density"] == pytest.approx(10_000)
    assert west["road_share_de"] == pytest.approx(100 / 1.7)
    assert west["facilities_school_per_10k"] == pytest.approx(0.5)
    assert "open_reports_per_10k" not in west  # staff only: never in the public view
    assert features["Est"]["geometry"]["type"] == "MultiPolygon"
    # a filter on a figure
    dense = client.get(COLLECTION + "/items?f=json&density=5000").json()
    assert [f["properties"]["name_fr"] for f in dense["features"]] == ["Est"]


def test_the_figures_are_computed_again_only_after_a_write(client, known_city_committed):
    """The collection is a materialised view: a read computes it again when a source layer
    changed since (here the census figure of an arrondissement: its density doubles), and only
    then."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from layers.boundaries.models import Arrondissement

    def density(name: str) -> float:
        page = client.get(COLLECTION + "/items?f=json").json()
        return next(f for f in page["features"] if f["properties"]["name_fr"] == name)[
            "properties"
        ]["density"]

    assert density("Ouest") == pytest.approx(10_000)
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as unchanged:
        assert density("Ouest") == pytest.approx(10_000)
    assert not [q for q in unchanged.captured_queries if "REFRESH" in q["sql"]]
    Arrondissement.objects.filter(name_fr="Ouest").update(population_2024=F("population_2024") * 2)
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as changed:
        assert density("Ouest") == pytest.approx(20_000)
    assert len([q for q in changed.captured_queries if "REFRESH" in q["sql"]]) == 1
    one = client.get(COLLECTION + "/items/" + str(Arrondissement.objects.get(name_fr="Ouest").pk))
    assert one.json()["properties"]["density"] == pytest.approx(20_000)


def test_the_collection_is_read_only(client, known_city_committed):
    feature = {"type": "Feature", "properties": {"code": "x"}, "geometry": None}
    response = client.post(
        COLLECTION + "/items", json.dumps(feature), content_type="application/geo+json"
    )
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert client.options(COLLECTION + "/items")["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.slow
def test_gdal_reads_the_figures(ogc_server, known_city_committed):  # noqa: F811
    if shutil.which("ogr2ogr") is None:
        pytest.skip("GDAL's ogr2ogr is not installed")
    out = subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", f"OAPIF:{ogc_server}/ogc",
         "arrondissement-indicators"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    features = json.loads(out.stdout)["features"]
    by_name = {f["properties"]["name_fr"]: f["properties"] for f in features}
    assert by_name["Est"]["density"] == pytest.approx(5_000)
    assert by_name["Ouest"]["trees_per_1000"] == pytest.approx(0.075)
