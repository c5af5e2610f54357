"""The portal's basemap, the admin editor's basemap and the order of search hits are read from
the layer registry: changing a layer's options changes them, with no slug written elsewhere."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from layers.common import registry
from layers.common.registry import BasemapPaint, get_layer
from layers.parcels.models import Parcel
from tests.factories import ArrondissementFactory, FacilityFactory, point

pytestmark = pytest.mark.django_db


def set_options(monkeypatch, slug: str, **changes) -> None:
    """Replace a registered layer's options for one test."""
    layer = get_layer(slug)
    monkeypatch.setitem(
        registry._REGISTRY, slug, replace(layer, options=replace(layer.options, **changes))
    )


def test_the_portal_basemap_is_the_registrys_basemap_layers_bottom_first(client, settings):
    settings.BASEMAP_URL = ""
    basemap = client.get("/api/layers").json()["basemap"]
    assert basemap["layers"] == ["communes", "arrondissements", "green-spaces", "roads"]
    assert basemap["paint"]["roads"] == {
        "color": "#ffffff",
        "fillColor": None,
        "weight": 2.5,
        "zoomWeights": [[15, 5.0]],
    }
    assert basemap["paint"]["green-spaces"]["color"] is None  # areas without an outline
    # the administrative layers' source, credited once
    assert basemap["attribution"] == f"{settings.ATTRIBUTION['OSM']}; {settings.ATTRIBUTION['HCP']}"


def test_a_layer_joins_the_basemap_by_its_options_and_an_internal_one_never(
    client, settings, monkeypatch
):
    settings.BASEMAP_URL = ""
    set_options(monkeypatch, "parcels", basemap=BasemapPaint(order=35, color="#cccccc"))
    set_options(monkeypatch, "citizen-reports", basemap=BasemapPaint(order=1, color="#000000"))
    set_options(monkeypatch, "communes", basemap=None)
    basemap = client.get("/api/layers").json()["basemap"]
    assert basemap["tiles"] == "/tiles/arrondissements,green-spaces,parcels,roads/{z}/{x}/{y}.mvt"


def test_no_basemap_layer_means_no_basemap_tiles(client, settings, monkeypatch):
    settings.BASEMAP_URL = ""
    for layer in registry.layers():
        set_options(monkeypatch, layer.slug, basemap=None)
    basemap = client.get("/api/layers").json()["basemap"]
    assert (basemap["layers"], basemap["tiles"]) == ([], None)


def widget_options(html: str) -> dict:
    found = re.search(
        r'<script id="[^"]*_mapwidget_options" type="application/json">(.*?)</script>', html
    )
    assert found, "no map widget options in the page"
    return json.loads(found.group(1))


def test_the_admin_editor_draws_the_registrys_editor_basemap(client, settings, monkeypatch):
    settings.BASEMAP_URL = ""
    client.force_login(User.objects.create_superuser("planner", "planner@example.org", "pw"))
    meta = Parcel._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
    options = widget_options(client.get(url).content.decode())
    assert options["basemap_tiles"] == (
        "/tiles/arrondissements,roads,parcels,green-spaces/{z}/{x}/{y}.mvt"
    )
    assert options["basemap_paint"]["parcels"]["color"] == "#a04000"
    assert options["basemap_paint"]["green-spaces"]["fillColor"] == "rgba(88, 214, 141, 0.4)"
    set_options(monkeypatch, "parcels", editor_basemap=None)
    options = widget_options(client.get(url).content.decode())
    assert options["basemap_tiles"] == "/tiles/arrondissements,roads,green-spaces/{z}/{x}/{y}.mvt"
    assert "parcels" not in options["basemap_paint"]


def labels_by_layer(client, q: str) -> list[str]:
    response = client.get("/api/search", {"q": q})
    assert response.status_code == 200
    return [hit["layer"] for hit in response.json()["results"]]


def test_equally_good_hits_come_in_the_registrys_search_priority(client, monkeypatch):
    # the same whole name in an arrondissement and a school
    ArrondissementFactory(name_fr="Hay Test Nassim")
    FacilityFactory(name_fr="Hay Test Nassim", geom=point(10, 10))
    assert labels_by_layer(client, "hay test nassim") == ["arrondissements", "facilities"]
    set_options(monkeypatch, "facilities", search_priority=5)
    assert labels_by_layer(client, "hay test nassim") == ["facilities", "arrondissements"]


def test_registration_checks_search_options():
    base = get_layer("parcels").options
    with pytest.raises(ValueError, match="search_priority"):
        registry.register(Parcel, replace(base, search_priority=100))
    with pytest.raises(Exception, match="no_such_field"):
        registry.register(Parcel, replace(base, search_fields=("no_such_field",)))
    assert get_layer("parcels").options is base  # neither was registered
