"""MapLibre / Mapbox GL styles (version 8) of ``/tiles/{slug}/style.json`` and
``/tiles/style.json``: the keys a MapLibre client needs, every source and layer reference
resolved, colours and widths as the registry declares them (written here from the layers'
declarations), the portal's default layers in the order its map draws them, nothing from another
host."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

LAYER_TYPES = {"fill", "line", "circle", "background", "raster"}
# layers/roads/layers.py: the classes the roads style colours, in its order
ROAD_CLASSES = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "residential",
    "service",
    "pedestrian",
)


def check_style(doc: dict) -> None:
    """What MapLibre GL requires of a style document (style specification v8, root and
    layers), and no glyphs or sprite (no text labels, nothing from outside hosts)."""
    assert doc["version"] == 8
    assert isinstance(doc["sources"], dict) and isinstance(doc["layers"], list)
    assert "glyphs" not in doc and "sprite" not in doc
    ids = [layer["id"] for layer in doc["layers"]]
    assert len(ids) == len(set(ids))
    for source in doc["sources"].values():
        assert source["type"] in {"vector", "raster"}
        assert source["tiles"] and all(isinstance(url, str) for url in source["tiles"])
        if source["type"] == "vector":
            for url in source["tiles"]:
                assert url.startswith(settings.PUBLIC_URL + "/tiles/")
                assert url.endswith("/{z}/{x}/{y}.mvt")
            assert 0 <= source["minzoom"] <= source["maxzoom"] <= 24
    for layer in doc["layers"]:
        assert layer["type"] in LAYER_TYPES
        if layer["type"] != "background":
            assert layer["source"] in doc["sources"]
        if layer["type"] in {"fill", "line", "circle"}:
            assert doc["sources"][layer["source"]]["type"] == "vector"
            assert layer["source-layer"]
        for key in layer.get("paint", {}):
            assert key.split("-")[0] == layer["type"], key
        for key in layer.get("layout", {}):
            assert key.split("-")[0] in {layer["type"], "visibility"}, key
        if "filter" in layer and isinstance(layer["filter"][1], str):  # legacy filter syntax
            op, key, *values = layer["filter"]
            assert op in {"==", "!in"} and values
    text = json.dumps(doc)
    assert "text-field" not in text


def by_id(doc: dict) -> dict[str, dict]:
    return {layer["id"]: layer for layer in doc["layers"]}


def test_parcels_style_is_the_registry_style(client):
    response = client.get("/tiles/parcels/style.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    doc = response.json()
    check_style(doc)
    assert doc["sources"] == {
        "parcels": {
            "type": "vector",
            "tiles": [f"{settings.PUBLIC_URL}/tiles/parcels/{{z}}/{{x}}/{{y}}.mvt"],
            "minzoom": 14,
            "maxzoom": 22,
            "bounds": pytest.approx(list(settings.GIS_EXTENT_LONLAT)),
        }
    }
    # layers/parcels/layers.py: color #a04000, fill #f6ddcc, weight 0.6, fill opacity 0.25
    layers = by_id(doc)
    assert list(layers) == ["parcels-fill", "parcels-line"]  # fill under its outline
    fill, line = layers["parcels-fill"], layers["parcels-line"]
    assert fill["source-layer"] == line["source-layer"] == "parcels"
    assert fill["paint"] == {"fill-color": "#f6ddcc", "fill-opacity": 0.25}
    assert line["paint"] == {"line-color": "#a04000", "line-width": 0.6}
    assert fill["minzoom"] == 14


def test_green_spaces_and_a_dashed_outline(client):
    green = by_id(client.get("/tiles/green-spaces/style.json").json())
    assert green["green-spaces-fill"]["paint"] == {"fill-color": "#58d68d", "fill-opacity": 0.5}
    assert green["green-spaces-line"]["paint"]["line-color"] == "#1e8449"
    # arrondissements: no fill (opacity 0), a 2 px outline dashed "6 4" pixels = 3 and 2 widths
    doc = client.get("/tiles/arrondissements/style.json").json()
    check_style(doc)
    assert list(by_id(doc)) == ["arrondissements-line"]
    line = by_id(doc)["arrondissements-line"]
    assert line["paint"] == {"line-color": "#5b2c6f", "line-width": 2.0, "line-dasharray": [3, 2]}


def test_categorised_lines_and_points(client):
    doc = client.get("/tiles/roads/style.json").json()
    check_style(doc)
    roads = by_id(doc)
    classes = list(ROAD_CLASSES)
    # one style layer per road class, filtered on it, over one for any other class
    assert list(roads) == ["roads-other"] + [f"roads-{c}" for c in classes]
    assert all(lyr["type"] == "line" and lyr["paint"]["line-width"] == 2.0 for lyr in doc["layers"])
    assert roads["roads-other"]["filter"] == ["!in", "road_class", *classes]
    assert roads["roads-other"]["paint"]["line-color"] == "#555555"  # the layer's colour
    for road_class in classes:
        assert roads[f"roads-{road_class}"]["filter"] == ["==", "road_class", road_class]
    assert roads["roads-motorway"]["paint"]["line-color"] == "#c0392b"
    assert roads["roads-residential"]["paint"]["line-color"] == "#bdc3c7"
    assert roads["roads-pedestrian"]["paint"]["line-color"] == "#a569bd"
    facilities = by_id(client.get("/tiles/facilities/style.json").json())["facilities"]
    assert facilities["type"] == "circle"
    assert facilities["paint"] == {
        "circle-radius": 5.0,
        "circle-color": "#6c3483",
        "circle-opacity": 0.9,
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 1,
    }


def test_every_layer_style_is_valid(client):
    for slug in (
        "arrondissements",
        "prefectures",
        "communes",
        "planning-documents",
        "zoning",
        "servitudes",
        "reserved-land",
        "parcels",
        "roads",
        "street-lights",
        "street-furniture",
        "green-spaces",
        "trees",
        "facilities",
    ):
        response = client.get(f"/tiles/{slug}/style.json")
        assert response.status_code == 200, slug
        check_style(response.json())


def test_unknown_layer_style_is_404(client):
    assert client.get("/tiles/no-such-layer/style.json").status_code == 404
    assert client.get("/tiles/citizen-reports/style.json").status_code == 404


def test_default_map_style_is_the_portals_opening_map(client, settings):
    settings.BASEMAP_URL = ""
    response = client.get("/tiles/style.json")
    assert response.status_code == 200
    doc = response.json()
    check_style(doc)
    # The layers shown when the portal opens (visible=True): arrondissements, parcels and green
    # spaces (areas, in layer-tree order: admin, parcels, green themes), then roads (lines), then
    # facilities (points), as the portal's map stacks them.
    assert doc["metadata"]["casa:layers"] == [
        "arrondissements",
        "parcels",
        "green-spaces",
        "roads",
        "facilities",
    ]
    order = [layer["id"] for layer in doc["layers"]]
    overlays = [i for i in order if not i.startswith(("basemap", "background"))]
    assert overlays == [
        "arrondissements-line",
        "parcels-fill",
        "parcels-line",
        "green-spaces-fill",
        "green-spaces-line",
        "roads-other",
        *(f"roads-{c}" for c in ROAD_CLASSES),
        "facilities",
    ]
    # the portal's own basemap underneath: communes, arrondissements, green spaces, roads
    # (BasemapPaint order 10, 20, 30, 40), from one source
    assert order[0] == "background"
    basemap = [i for i in order if i.startswith("basemap-")]
    assert basemap == [
        "basemap-communes-fill",
        "basemap-communes-line",
        "basemap-arrondissements-fill",
        "basemap-arrondissements-line",
        "basemap-green-spaces-fill",
        "basemap-roads-line",
    ]
    assert max(order.index(i) for i in basemap) < min(order.index(i) for i in overlays)
    assert doc["sources"]["basemap"]["tiles"] == [
        f"{settings.PUBLIC_URL}/tiles/communes,arrondissements,green-spaces,roads/{{z}}/{{x}}/{{y}}.mvt"
    ]
    roads_base = by_id(doc)["basemap-roads-line"]["paint"]
    assert roads_base == {"line-color": "#ffffff", "line-width": ["step", ["zoom"], 2.5, 15, 5.0]}
    assert "citizen-reports" not in json.dumps(doc)


def test_default_map_style_with_an_outside_basemap(client, settings):
    settings.BASEMAP_URL = "https://tiles.example.ma/{z}/{x}/{y}.png"
    doc = client.get("/tiles/style.json").json()
    check_style(doc)
    assert doc["sources"]["basemap"] == {
        "type": "raster",
        "tiles": ["https://tiles.example.ma/{z}/{x}/{y}.png"],
        "tileSize": 256,
        "attribution": settings.BASEMAP_ATTRIBUTION,
    }
    assert [layer["id"] for layer in doc["layers"]][:2] == ["background", "basemap"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "motorway"), [("fr", "autoroute"), ("ar", "طريق سيار"), ("en", "motorway")]
)
def test_the_legend_names_coded_values_in_the_requests_language(client, lang, motorway):
    # the legend of road_class: "طريق سيار" in Arabic for motorway
    tree = client.get("/api/layers", {"lang": lang}).json()
    roads = next(
        layer for theme in tree["themes"] for layer in theme["layers"] if layer["slug"] == "roads"
    )
    labels = {entry["value"]: entry["label"] for entry in roads["legend"]}
    assert labels["motorway"] == motorway
    assert roads["choices"]["road_class"]["motorway"] == motorway
