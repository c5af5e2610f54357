"""What the platform shows of its city follows the settings: the site title, the storage CRS's
name, code and PROJ string, the municipal bounds and the note's data credit.

The suite runs these in the default city (Casablanca, EPSG:26191) and, through
``test_other_city.py``, with ``tests/othercity_settings.py`` (Marrakech, EPSG:26192); the expected
texts of each city are written out here by hand."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

from geoportal.checks import check_gis_derived_settings, check_trusted_proxies
from geoportal.portal.words import strings
from tests.factories import ParcelFactory, rect

EXPECTED = {
    "Casablanca": {
        "title": {
            "fr": "Géoportail de Casablanca",
            "ar": "البوابة الجغرافية لمدينة الدار البيضاء",
            "en": "Casablanca geoportal",
        },
        "code": "EPSG:26191",
        "crs_name": "Merchich / Nord Maroc",
        # Lambert conformal conic of northern Morocco on the Clarke 1880 (IGN) ellipsoid, with
        # the Merchich to WGS 84 shift that PostGIS applies (EPSG:1146).
        "proj4": (
            "+proj=lcc +lat_1=33.3 +lat_0=33.3 +lon_0=-5.4 +k_0=0.999625769 +x_0=500000 "
            "+y_0=300000 +ellps=clrk80ign +towgs84=31,146,47,0,0,0,0 +units=m +no_defs"
        ),
        "landmark": (-7.6186, 33.5936),  # Place Mohammed V
        "credit": "données de démonstration de la plateforme (ville fictive, sans valeur légale)",
    },
    "Marrakech": {
        "title": {
            "fr": "Géoportail de Marrakech",
            "ar": "البوابة الجغرافية لمدينة مراكش",
            "en": "Marrakech geoportal",
        },
        "code": "EPSG:26192",
        "crs_name": "Merchich / Sud Maroc",
        "proj4": (
            "+proj=lcc +lat_1=29.7 +lat_0=29.7 +lon_0=-5.4 +k_0=0.999615596 +x_0=500000 "
            "+y_0=300000 +ellps=clrk80ign +towgs84=31,146,47,0,0,0,0 +units=m +no_defs"
        ),
        "landmark": (-7.9891, 31.6258),  # Jemaa el-Fna
        "credit": "jeu d'essai de la ville de Marrakech",
    },
}


@pytest.fixture
def city() -> dict:
    return EXPECTED[settings.GIS["CITY_NAME"]]


def config_of(html: str) -> dict:
    match = re.search(
        r'<script id="portal-config" type="application/json">(.*?)</script>', html, re.S
    )
    assert match
    return json.loads(match.group(1))


@pytest.mark.django_db
def test_every_geometry_column_is_in_the_storage_srid(city):
    # Made by the migrations, which read the SRID from the settings; the tile columns
    # (tiles/derived.py) are the Web Mercator copies.
    with connection.cursor() as cur:
        cur.execute(
            "SELECT DISTINCT srid FROM geometry_columns WHERE f_table_schema = 'public' "
            "AND f_geometry_column NOT LIKE 'tile_geom%%'"
        )
        assert cur.fetchall() == [(int(city["code"].removeprefix("EPSG:")),)]
        cur.execute(
            "SELECT DISTINCT srid FROM geometry_columns WHERE f_table_schema = 'public' "
            "AND f_geometry_column LIKE 'tile_geom%%'"
        )
        assert cur.fetchall() == [(3857,)]


def test_the_citys_name_per_language_is_a_setting(settings):
    settings.GIS = {**settings.GIS, "CITY_NAME": "Agadir", "CITY_NAME_BY_LANG": {"ar": "أكادير"}}
    with translation.override("fr"):
        assert strings()["site_title"] == "Géoportail d'Agadir"  # French elides "de"
    with translation.override("ar"):
        assert strings()["site_title"] == "البوابة الجغرافية لمدينة أكادير"
    with translation.override("en"):
        assert strings()["site_title"] == "Agadir geoportal"


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_the_site_title_names_the_city_in_each_language(client, city, lang):
    client.cookies["django_language"] = lang
    for path in ("/", "/open-data/"):
        html = client.get(path).content.decode()
        assert city["title"][lang] in html, path
    assert f"<title>{city['title'][lang]}</title>" in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_map_shows_coordinates_in_the_storage_crs(client, city):
    config = config_of(client.get("/").content.decode())
    assert config["lambert"] == {"code": city["code"], "proj4": city["proj4"]}
    assert config["strings"]["lambert"] == city["crs_name"]
    (south, west), (north, east) = config["bounds"]
    lon, lat = city["landmark"]
    assert west < lon < east and south < lat < north


@pytest.mark.django_db
def test_the_download_formats_name_the_storage_crs(client, city):
    html = unescape(client.get("/open-data/").content.decode())
    assert f"GeoPackage et Shapefile en {city['crs_name']} ({city['code']})" in html


@pytest.mark.django_db
def test_the_note_credits_the_citys_own_data(client, city):
    ParcelFactory(reference="TF 1/C", geom=rect(0, 0, 100, 100))
    note = client.get("/api/renseignement/", {"parcel": "TF 1/C"}).json()
    assert f"Parcellaire, voirie et urbanisme : {city['credit']}" in note["credits"]
    page = client.get("/renseignement/", {"parcel": "TF 1/C"})
    assert page.status_code == 200
    assert city["credit"] in unescape(page.content.decode())


@pytest.mark.django_db
def test_a_place_outside_is_refused_in_the_citys_name(client):
    response = client.get("/api/renseignement/", {"lon": -6.8, "lat": 34.0})  # Rabat
    assert response.status_code == 400
    assert response.json()["detail"].endswith(f"hors du territoire de {settings.GIS['CITY_NAME']}.")


def test_derived_values_that_do_not_follow_gis_are_reported(settings):
    assert check_gis_derived_settings() == []
    xmin, ymin, xmax, ymax = settings.GIS["EXTENT"]
    settings.GIS = {**settings.GIS, "EXTENT": (xmin + 1000, ymin, xmax + 1000, ymax)}
    assert [e.id for e in check_gis_derived_settings()] == ["geoportal.E001"]
    other_zone = 26192 if settings.GIS["STORAGE_SRID"] == 26191 else 26191
    settings.GIS = {**settings.GIS, "STORAGE_SRID": other_zone}
    assert [e.id for e in check_gis_derived_settings()] == ["geoportal.E001", "geoportal.E002"]


def test_trusted_proxies_is_a_count(settings):
    for value in (0, 1, 2):
        settings.TRUSTED_PROXIES = value
        assert check_trusted_proxies() == []
    for value in (-1, "1", True, 1.5):
        settings.TRUSTED_PROXIES = value
        assert [e.id for e in check_trusted_proxies()] == ["geoportal.E003"], value
