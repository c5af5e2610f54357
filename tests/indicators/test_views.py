"""The indicators' data: JSON, CSV and GeoJSON, staff-only figures for staff alone."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from pyproj import Transformer

from tests.factories import ORIGIN


@pytest.fixture
def staff_client(client, db):
    user = get_user_model().objects.create_user("planner", password="x", is_staff=True)
    client.force_login(user)
    return client


def by_name(doc: dict) -> dict:
    return {a["name_fr"]: a for a in doc["arrondissements"]}


def test_json_gives_every_indicator_with_unit_formula_and_sources(client, known_city):
    doc = client.get("/api/indicators/arrondissements").json()
    keys = [ind["key"] for ind in doc["indicators"]]
    assert "density" in keys and "road_share_de" in keys
    assert "open_reports_per_10k" not in keys  # citizen reports are an internal layer
    density = next(ind for ind in doc["indicators"] if ind["key"] == "density")
    assert density["unit"] == "hab./km²"
    assert "superficie" in density["formula"]
    assert [s["id"] for s in density["sources"]] == ["census", "arrondissements"]
    west = by_name(doc)["Ouest"]
    assert west["values"]["density"] == 10_000
    assert set(west["values"]) == set(keys)
    assert doc["city"]["values"]["population"] == 45_000
    assert doc["classification"] == "quantiles"


def test_json_speaks_the_asked_language(client, known_city):
    doc = client.get("/api/indicators/arrondissements?lang=en").json()
    density = next(ind for ind in doc["indicators"] if ind["key"] == "density")
    assert density["label"] == "Density"
    assert density["unit"] == "inhabitants/km²"
    doc = client.get("/api/indicators/arrondissements?lang=ar").json()
    density = next(ind for ind in doc["indicators"] if ind["key"] == "density")
    assert density["label"] == "الكثافة"


def test_staff_see_the_open_reports(staff_client, known_city):
    doc = staff_client.get("/api/indicators/arrondissements").json()
    assert by_name(doc)["Ouest"]["values"]["open_reports_per_10k"] == 0.5


def test_csv(client, known_city):
    response = client.get("/api/indicators/arrondissements.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["name_fr"] for r in rows] == ["Ouest", "Est", ""]
    assert rows[-1]["code"] == "city"
    assert float(rows[0]["road_share_de"]) == pytest.approx(58.8, abs=0.05)
    assert float(rows[2]["density"]) == 9000
    assert "open_reports_per_10k" not in rows[0]


def test_geojson_puts_the_figures_on_the_boundaries(client, known_city):
    response = client.get("/api/indicators/arrondissements.geojson")
    assert response["Content-Type"] == "application/geo+json"
    fc = response.json()
    east = next(f for f in fc["features"] if f["properties"]["name_fr"] == "Est")
    assert east["properties"]["density"] == 5000
    # the outline in lon/lat: East's south-west corner is 2,000 m east of ORIGIN
    gis = settings.GIS
    to_lonlat = Transformer.from_crs(gis["STORAGE_SRID"], 4326, always_xy=True)
    lon, lat = to_lonlat.transform(ORIGIN[0] + 2000, ORIGIN[1])
    ring = east["geometry"]["coordinates"][0][0]
    assert min(abs(x - lon) + abs(y - lat) for x, y in ring) < 1e-5


def test_page_lists_the_arrondissements_and_escapes_names(client, known_city):
    known_city["west"].name_fr = "Ouest <script>alert(1)</script>"
    known_city["west"].save()
    html = client.get("/indicators/?indicator=trees_per_1000").content.decode()
    assert "Ouest &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert 'value="trees_per_1000" selected' in html
    assert "RGPH 2024" in html  # the note on what is real and what is demonstration data


def test_the_page_offers_staff_only_indicators_to_staff_alone(staff_client, known_city):
    from django.test import Client

    anonymous = Client().get("/indicators/").content.decode()
    assert 'value="open_reports_per_10k"' not in anonymous
    assert 'value="density" selected' in anonymous  # the default
    staff = staff_client.get("/indicators/?indicator=open_reports_per_10k").content.decode()
    assert 'value="open_reports_per_10k" selected' in staff
