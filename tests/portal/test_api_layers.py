"""``/api/layers``: the layer tree the map is built from, generated from the registry."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User

from layers.common.registry import THEMES, layers

pytestmark = pytest.mark.django_db


def _slugs(tree: dict) -> list[str]:
    return [lyr["slug"] for theme in tree["themes"] for lyr in theme["layers"]]


def test_anonymous_sees_every_public_layer_grouped_by_theme_in_registry_order(client):
    tree = client.get("/api/layers").json()
    assert _slugs(tree) == [lyr.slug for lyr in layers(public_only=True)]
    assert "citizen-reports" not in _slugs(tree)
    theme_ids = [theme["id"] for theme in tree["themes"]]
    assert theme_ids == [t for t in THEMES if t in theme_ids]  # registry's theme order
    for theme in tree["themes"]:
        assert set(theme["title"]) == {"fr", "ar", "en"}


def test_each_layer_carries_titles_style_zooms_tiles_and_legend(client):
    tree = client.get("/api/layers").json()
    by_slug = {lyr["slug"]: lyr for theme in tree["themes"] for lyr in theme["layers"]}
    parcels = by_slug["parcels"]
    assert parcels["title"] == {
        "fr": "Parcelles cadastrales",
        "ar": "القطع العقارية",
        "en": "Cadastral parcels",
    }
    assert parcels["tiles"] == "/tiles/parcels/{z}/{x}/{y}.mvt"
    assert parcels["tilejson"] == "/tiles/parcels.json"
    assert parcels["min_zoom"] == 14 and parcels["max_zoom"] == 22
    assert parcels["style"]["color"] == "#a04000"
    assert parcels["legend"] == [
        {"label": "Parcelles cadastrales", "color": "#a04000", "kind": "polygon"}
    ]
    assert parcels["internal"] is False
    assert "reference" in parcels["tile_fields"]
    # A categorised style gives one legend entry per category.
    roads = by_slug["roads"]
    assert {e["value"] for e in roads["legend"]} >= {"motorway", "primary", "residential"}
    # labelled with the model's display names
    assert {"value": "motorway", "label": "autoroute", "color": "#c0392b", "kind": "line"} in roads[
        "legend"
    ]
    assert all(e["kind"] == "line" for e in roads["legend"])
    assert by_slug["facilities"]["legend"][0]["kind"] == "point"


def test_staff_with_the_view_permission_also_gets_the_internal_layer(client):
    user = User.objects.create_user("agent", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="view_citizenreport"))
    client.force_login(user)
    tree = client.get("/api/layers").json()
    reports = [
        lyr
        for theme in tree["themes"]
        for lyr in theme["layers"]
        if lyr["slug"] == "citizen-reports"
    ]
    assert len(reports) == 1 and reports[0]["internal"] is True


def test_basemap_defaults_to_the_platforms_own_layers(client, settings):
    settings.BASEMAP_URL = ""
    basemap = client.get("/api/layers").json()["basemap"]
    assert basemap["type"] == "vector"
    assert basemap["tiles"] == "/tiles/communes,arrondissements,green-spaces,roads/{z}/{x}/{y}.mvt"


def test_basemap_setting_switches_to_an_outside_xyz_layer(client, settings):
    settings.BASEMAP_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.BASEMAP_ATTRIBUTION = "© Example"
    basemap = client.get("/api/layers").json()["basemap"]
    assert basemap == {
        "type": "xyz",
        "url": "https://tiles.example.org/{z}/{x}/{y}.png",
        "attribution": "© Example",
    }
