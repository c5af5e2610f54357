"""``/open-data/``: the catalogue of public layers and the streamed downloads."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pyogrio
import pytest
import shapely
from django.conf import settings

from layers.common.registry import layers
from tests.factories import ParcelFactory, rect
from tests.portal.conftest import to_lonlat


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
def test_catalogue_lists_every_public_layer_with_count_and_update_date(client, small_city):
    html = client.get("/open-data/").content.decode()
    for layer in layers(public_only=True):
        assert f'id="dataset-{layer.slug}"' in html
    assert 'id="dataset-citizen-reports"' not in html
    # three parcels were created by the fixture
    start = html.index('id="dataset-parcels"')
    section = html[start : html.index("</li>", start)]
    assert 'data-count="3"' in section
    assert "<time datetime=" in section  # layers_version.changed_at, set by the trigger
    assert "/open-data/parcels.geojson" in section and "/open-data/parcels.shp.zip" in section
    assert f"{settings.PUBLIC_URL}/ogc/collections/parcels" in section
    assert f"{settings.PUBLIC_URL}/tiles/parcels/{{z}}/{{x}}/{{y}}.mvt" in section
    assert f"{settings.PUBLIC_URL}/tiles/parcels.json" in section
    assert f"{settings.PUBLIC_URL}/ogc" in html
    # credits for the administrative layers
    assert "OpenStreetMap" in html and "ODbL" in html and "CC BY 4.0" in html


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "written"), [("fr", "1.236"), ("ar", "1.236"), ("en", "1,236")])
def test_the_counts_are_grouped_as_the_language_writes_numbers(client, small_city, lang, written):
    from layers.parcels.models import Parcel

    # 1,233 more 10 m squares, 20 m apart, beside the fixture's three parcels: 1,236 in all
    Parcel.objects.bulk_create(
        Parcel(reference=f"TF {10_000 + i}/C", land_status="titled",
               geom=rect(1000 + 20 * (i % 40), 1000 + 20 * (i // 40), 10, 10))
        for i in range(1233)
    )  # fmt: skip
    html = client.get(f"/open-data/?lang={lang}").content.decode()
    start = html.index('id="dataset-parcels"')
    count = re.search(r'<dd class="count" data-count="(\d+)">([^<]*)</dd>', html[start:])
    assert count is not None and count.groups() == ("1236", written)


@pytest.mark.django_db
def test_geojson_download_is_a_valid_feature_collection_in_lonlat(client, small_city):
    response = client.get("/open-data/parcels.geojson")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/geo+json"
    assert 'filename="parcels.geojson"' in response["Content-Disposition"]
    data = json.loads(body(response))
    assert data["type"] == "FeatureCollection"
    by_ref = {f["properties"]["reference"]: f for f in data["features"]}
    assert set(by_ref) == {"TF 4242/C", "TF 4243/C", "R 77/C"}
    parcel = by_ref["TF 4242/C"]
    assert parcel["id"] == small_city["parcel"].pk
    assert parcel["properties"]["computed_area_m2"] == pytest.approx(10_000)
    ring = parcel["geometry"]["coordinates"][0][0]
    assert ring[0] == pytest.approx(list(to_lonlat(0, 0)), abs=1e-5)
    assert ring[2] == pytest.approx(list(to_lonlat(100, 100)), abs=1e-5)
    # special characters come back intact (JSON built by the database)
    assert by_ref["TF 4243/C"]["properties"]["address"] == 'Angle "Allal" & <Ibn Batouta>'


@pytest.mark.django_db
def test_geojson_values_keep_nulls_and_escapes_and_are_written_without_spaces(client):
    address = 'Bd "Anfa" 12\\3\nشارع أنفا'
    ParcelFactory(reference="TF 1/D", geom=rect(0, 0, 10, 10), address=address)
    ParcelFactory(reference="TF 2/D", geom=rect(20, 0, 10, 10), official_area_m2=None)
    raw = body(client.get("/open-data/parcels.geojson"))
    first, second = json.loads(raw)["features"]
    assert first["properties"]["address"] == address
    assert second["properties"]["official_area_m2"] is None
    assert second["properties"]["computed_area_m2"] == pytest.approx(100.0)
    assert "id" not in second["properties"] and second["id"] > first["id"]
    features = raw[raw.index(b"[") : raw.rindex(b"]")]
    assert b'": ' not in features and b', "' not in features


@pytest.mark.django_db
def test_geojson_of_an_empty_layer_is_an_empty_collection(client):
    data = json.loads(body(client.get("/open-data/trees.geojson")))
    assert data["features"] == []


@pytest.mark.django_db
def test_geojson_streams_in_chunks(client, small_city, monkeypatch):
    from geoportal.portal import downloads

    monkeypatch.setattr(downloads, "CHUNK_ROWS", 1)
    chunks = list(client.get("/open-data/parcels.geojson").streaming_content)
    assert len(chunks) == 1 + 3 + 1  # header, one per parcel, footer
    assert len(json.loads(b"".join(chunks))["features"]) == 3


@pytest.mark.django_db
def test_csv_download_has_a_header_and_a_row_per_feature_with_wkt(client, small_city):
    response = client.get("/open-data/parcels.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert len(rows) == 3
    # headers are the attributes' names, in French by default
    row = next(r for r in rows if r["Référence"] == "TF 4243/C")
    assert row["Adresse"] == 'Angle "Allal" & <Ibn Batouta>'
    assert float(row["Contenance du titre (m²)"]) == 1999.5
    geom = shapely.from_wkt(row["wkt"])
    assert geom.geom_type == "MultiPolygon"
    west, south = to_lonlat(200, 0)
    assert geom.bounds[0] == pytest.approx(west, abs=1e-5)
    assert geom.bounds[1] == pytest.approx(south, abs=1e-5)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "headers", "header", "primary"),
    [
        ({}, {}, "Classe de voie", "boulevard principal"),
        ({}, {"HTTP_ACCEPT_LANGUAGE": "ar"}, "صنف الطريق", "شارع رئيسي"),
        ({"lang": "en"}, {}, "Road class", "main boulevard"),
    ],
)
def test_csv_headers_and_coded_values_are_in_the_users_language(
    client, small_city, query, headers, header, primary
):
    response = client.get("/open-data/roads.csv", query, **headers)
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert {row[header] for row in rows} == {
        primary,
        {"fr": "rue", "ar": "زنقة", "en": "street"}[response["Content-Language"]],
    }


@pytest.mark.django_db
def test_internal_or_unknown_layers_and_formats_are_not_downloadable(client, small_city):
    assert client.get("/open-data/citizen-reports.geojson").status_code == 404
    assert client.get("/open-data/nowhere.geojson").status_code == 404
    assert client.get("/open-data/parcels.exe").status_code == 404


@pytest.mark.slow
def test_geopackage_and_zipped_shapefile_written_by_ogr2ogr(
    transactional_db, client, tmp_path, settings
):
    settings.VAR_DIR = tmp_path / "var"
    # ogr2ogr reads the database on its own connection: the rows must be committed.
    ParcelFactory(reference="TF 9001/C", address="Casa Anfa «تجريبي»", geom=rect(0, 0, 100, 100))
    ParcelFactory(reference="TF 9002/C", geom=rect(200, 0, 50, 40))

    gpkg = tmp_path / "parcels.gpkg"
    response = client.get("/open-data/parcels.gpkg")
    assert response.status_code == 200
    gpkg.write_bytes(body(response))
    frame = pyogrio.read_dataframe(gpkg, layer="parcels")
    assert frame.crs.to_epsg() == settings.GIS["STORAGE_SRID"]
    areas = dict(zip(frame["reference"], frame.geometry.area, strict=True))
    assert areas == pytest.approx({"TF 9001/C": 10_000.0, "TF 9002/C": 2_000.0})
    assert "Casa Anfa «تجريبي»" in set(frame["address"])

    response = client.get("/open-data/parcels.shp.zip")
    assert response["Content-Type"] == "application/zip"
    archive = tmp_path / "parcels.shp.zip"
    archive.write_bytes(body(response))
    with zipfile.ZipFile(archive) as zf:
        assert {"parcels.shp", "parcels.shx", "parcels.dbf", "parcels.prj"} <= set(zf.namelist())
    frame = pyogrio.read_dataframe(f"/vsizip/{archive}/parcels.shp")
    assert sorted(frame.geometry.area.round(3)) == [2000.0, 10000.0]
    assert "Casa Anfa «تجريبي»" in set(frame["address"])


@pytest.mark.django_db
def test_big_layers_show_the_planners_estimate_instead_of_counting(client, small_city, monkeypatch):
    from django.db import connection

    from geoportal.portal import selectors

    monkeypatch.setattr(selectors, "EXACT_COUNT_UP_TO", 2)
    with connection.cursor() as cur:
        cur.execute("ANALYZE parcels_parcel")  # reltuples becomes 3 (> 2)
    entry = next(e for e in selectors.catalogue("fr") if e.layer.slug == "parcels")
    assert (entry.count, entry.estimated) == (3, True)
    html = client.get("/open-data/").content.decode()
    start = html.index('id="dataset-parcels"')
    assert "environ 3" in html[start : html.index("</li>", start)]


@pytest.mark.slow
def test_exports_are_kept_per_layer_version_and_redone_after_a_write(
    transactional_db, client, tmp_path, settings, monkeypatch
):
    from geoportal.portal import downloads

    settings.VAR_DIR = tmp_path / "var"
    calls = []
    real_export = downloads.export_with_ogr
    monkeypatch.setattr(
        downloads, "export_with_ogr", lambda *a: calls.append(a[0].slug) or real_export(*a)
    )
    ParcelFactory(reference="TF 9101/C", geom=rect(0, 0, 100, 100))

    def references() -> list[str]:
        target = tmp_path / "p.gpkg"
        target.write_bytes(body(client.get("/open-data/parcels.gpkg")))
        return sorted(pyogrio.read_dataframe(target)["reference"])

    assert references() == ["TF 9101/C"]
    assert references() == ["TF 9101/C"]
    assert calls == ["parcels"]  # the second download was the kept file
    ParcelFactory(reference="TF 9102/C", geom=rect(200, 0, 50, 40))  # bumps layers_version
    assert references() == ["TF 9101/C", "TF 9102/C"]
    assert calls == ["parcels", "parcels"]
    kept = list(downloads.cache_dir().glob("parcels-*.gpkg"))
    assert len(kept) == 1  # the older version was removed


@pytest.mark.django_db
def test_a_failed_export_is_a_503_that_shows_no_server_detail(
    client, small_city, tmp_path, settings, monkeypatch, caplog
):
    settings.VAR_DIR = tmp_path / "var"
    # A machine whose GDAL tools are missing: ogr2ogr cannot be started at all.
    monkeypatch.setenv("PATH", str(tmp_path))
    response = client.get("/open-data/parcels.gpkg", HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    problem = response.json()
    assert problem["code"] == "export-failed"
    assert "réessayez plus tard" in problem["detail"]
    assert "ogr2ogr" not in problem["detail"] and str(tmp_path) not in problem["detail"]
    assert any("ogr2ogr" in r.getMessage() for r in caplog.records)  # the operator's log has it
    assert not list((tmp_path / "var").rglob("*.gpkg"))  # nothing half-written is kept


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["parcels", "roads", "facilities"])
def test_downloads_have_the_stored_geometrys_coordinates_at_7_decimals(client, small_city, slug):
    """The downloads' WGS 84 is transformed from the Web Mercator copy the tiles keep: each
    coordinate is PostGIS's transform of the stored geometry to within one unit of the 7th
    decimal written (a value on a rounding edge may round either way), in GeoJSON and CSV."""
    from django.db import connection

    from layers.common.registry import get_layer

    table = get_layer(slug).table
    with connection.cursor() as cur:
        cur.execute(f'SELECT id, ST_AsText(ST_Transform(geom, 4326), 9) FROM "{table}"')
        stored = {pk: shapely.from_wkt(wkt) for pk, wkt in cur.fetchall()}
    assert stored
    features = json.loads(body(client.get(f"/open-data/{slug}.geojson")))["features"]
    rows = list(csv.DictReader(io.StringIO(body(client.get(f"/open-data/{slug}.csv")).decode())))
    assert len(features) == len(rows) == len(stored)
    for feature, row in zip(features, rows, strict=True):
        expected = shapely.get_coordinates(stored[feature["id"]])
        for geometry in (shapely.geometry.shape(feature["geometry"]), shapely.from_wkt(row["wkt"])):
            assert shapely.get_coordinates(geometry) == pytest.approx(expected, abs=1.01e-7)
