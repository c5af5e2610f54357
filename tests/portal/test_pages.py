"""The map page and the language choice: French by default, Arabic right-to-left, English; the
browser's language when no choice was made."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

import pytest
from django.utils import translation

from geoportal.portal.words import strings
from layers.common.labels import FIELD_LABELS
from layers.common.registry import layers

pytestmark = pytest.mark.django_db


def config_of(html: str) -> dict:
    match = re.search(
        r'<script id="portal-config" type="application/json">(.*?)</script>', html, re.S
    )
    assert match
    return json.loads(match.group(1))


def test_every_named_word_has_a_text_in_every_language():
    for lang in ("fr", "ar", "en"):
        with translation.override(lang):
            words = strings()
        assert all(text.strip() for text in words.values()), lang
    with translation.override("ar"):
        assert strings()["layers"] == "الطبقات"
    with translation.override("en"):
        assert strings()["layers"] == "Layers"


def test_every_published_attribute_has_a_label():
    for layer in layers():
        for name in (*layer.options.fields, *layer.options.tile_fields):
            assert name in FIELD_LABELS, f"{layer.slug}.{name}"
    with translation.override("ar"):
        assert str(FIELD_LABELS["road_class"]) == "صنف الطريق"
    with translation.override("en"):
        assert str(FIELD_LABELS["name_fr"]) == "Name in French"


def test_home_is_french_by_default(client):
    html = client.get("/").content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert "Parcelle (TF 12345/C), rue, arrondissement, lieu…" in html
    config = config_of(html)
    assert config["lang"] == "fr" and config["strings"]["layers"] == "Couches"
    assert config["lambert"]["code"] == "EPSG:26191"
    # the municipal extent, reprojected: it holds Place Mohammed V (33.5936 N, 7.6186 W) and is
    # about 112 km x 86 km, i.e. about 1.2 degrees of longitude and 0.8 of latitude
    (south, west), (north, east) = config["bounds"]
    assert south < 33.5936 < north and west < -7.6186 < east
    assert 1.0 < east - west < 1.4 and 0.6 < north - south < 1.0


def test_home_follows_the_browsers_language_until_one_is_chosen(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert config_of(html)["strings"]["layers"] == "Layers"
    client.cookies["django_language"] = "fr"
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="fr" dir="ltr">' in html


def test_no_script_or_style_is_loaded_from_another_site(client):
    html = client.get("/").content.decode()
    assert re.findall(r'(?:src|href)="(https?:)?//', html) == []


def test_choosing_arabic_is_remembered_and_turns_the_page_right_to_left(client):
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/#map=15/33.59/-7.61"})
    assert response.status_code == 302 and response["Location"] == "/#map=15/33.59/-7.61"
    assert response.cookies["django_language"].value == "ar"
    assert response.cookies["django_language"]["max-age"] == 365 * 24 * 3600  # remembered
    html = client.get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "الطبقات" in html  # "Couches"
    assert config_of(html)["dir"] == "rtl"
    api = client.get("/api/search", {"q": "zz"})
    assert api["Vary"] and "Cookie" in api["Vary"]


def test_english_and_back_to_french(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en" dir="ltr">' in client.get("/open-data/").content.decode()
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert '<html lang="fr" dir="ltr">' in client.get("/").content.decode()


def test_an_unknown_language_cookie_falls_back_to_french(client):
    client.cookies["django_language"] = "xx"
    assert '<html lang="fr" dir="ltr">' in client.get("/").content.decode()


def test_open_data_titles_follow_the_language(client):
    client.cookies["django_language"] = "ar"
    html = client.get("/open-data/").content.decode()
    assert "القطع العقارية" in html and 'dir="rtl"' in html


def test_language_switch_only_redirects_inside_the_site(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/open-data/"})
    assert response["Location"] == "/open-data/" and "django_language" not in response.cookies
    assert client.get("/i18n/setlang/").status_code == 405


def test_language_switch_needs_the_csrf_token():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/i18n/setlang/", {"language": "ar"}).status_code == 403


def test_the_pages_name_the_portal_icon_and_favicon_ico_leads_to_it(client, admin_client):
    """Each family of pages names the icon (the browser's tab, bookmarks); a page that names none
    (the API's JSON, a note's PDF) makes the browser ask for ``/favicon.ico``, which leads to it."""
    icon_url = "/static/geoportal/favicon.svg"
    link = f'<link rel="icon" href="{icon_url}" type="image/svg+xml">'
    for page in ("/", "/open-data/", "/renseignement/", "/accounts/login/"):
        assert link in client.get(page).content.decode(), page
    ingest = admin_client.get("/ingest/")
    assert ingest.status_code == 200 and link in ingest.content.decode()
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 302 and redirect["Location"] == icon_url
    assert "max-age=86400" in redirect["Cache-Control"]
    icon = client.get(icon_url)
    assert icon.status_code == 200 and icon["Content-Type"].startswith("image/svg+xml")
    svg = ElementTree.fromstring(b"".join(icon.streaming_content))
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.get("viewBox") == "0 0 32 32"
