"""The layer registry: one declaration per layer that the other parts generate from."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.apps import apps

from layers.common.errors import UnknownLayer
from layers.common.models import Feature
from layers.common.registry import (
    THEMES,
    Style,
    TileBand,
    get_layer,
    layer_for_model,
    layers,
    register,
)

EXPECTED = {
    "arrondissements": "MultiPolygon",
    "prefectures": "MultiPolygon",
    "communes": "MultiPolygon",
    "roads": "MultiLineString",
    "street-lights": "Point",
    "street-furniture": "Point",
    "parcels": "MultiPolygon",
    "green-spaces": "MultiPolygon",
    "trees": "Point",
    "planning-documents": "MultiPolygon",
    "zoning": "MultiPolygon",
    "servitudes": "MultiPolygon",
    "reserved-land": "MultiPolygon",
    "facilities": "Point",
    "citizen-reports": "Point",
}


def test_every_layer_is_declared_once_with_its_geometry_type():
    assert {lyr.slug: lyr.geometry_type for lyr in layers()} == EXPECTED


def test_every_feature_model_is_registered():
    feature_models = [m for m in apps.get_models() if issubclass(m, Feature)]
    assert feature_models
    assert all(layer_for_model(m) is not None for m in feature_models)


def test_titles_exist_in_three_languages_and_themes_are_known():
    for lyr in layers():
        assert set(lyr.options.title) == {"fr", "ar", "en"}
        assert set(lyr.options.description) == {"fr", "ar", "en"}
        assert lyr.options.theme in THEMES
        assert lyr.options.fields[0] == "id"
        assert 0 <= lyr.options.min_zoom <= lyr.options.max_zoom <= 22


def test_internal_layers_are_not_public():
    assert [lyr.slug for lyr in layers() if not lyr.public] == ["citizen-reports"]
    assert "citizen-reports" not in {lyr.slug for lyr in layers(public_only=True)}


def test_unknown_layer():
    with pytest.raises(UnknownLayer):
        get_layer("nope")


def test_field_types_for_queryables():
    types = get_layer("roads").field_types()
    assert types["width_m"] == "number"
    assert types["lanes"] == "integer"
    assert types["one_way"] == "boolean"
    assert types["last_inspection"] == "date"
    assert types["condition_grade"] == "string"
    assert get_layer("parcels").field_types()["computed_area_m2"] == "number"


def test_every_domain_error_maps_to_its_own_status_wherever_it_is_defined():
    from layers.common.errors import GisError, NotFound, RateLimited, http_status_for

    class Unavailable(GisError):  # as another part of the platform would declare one
        http_status = 503

    class Narrower(NotFound):
        pass

    assert http_status_for(Unavailable("x")) == 503
    assert http_status_for(Narrower("x")) == 404
    assert http_status_for(RateLimited("x", retry_after=1)) == 429
    assert http_status_for(GisError("x")) == 400


@pytest.mark.parametrize(
    ("bands", "style", "message"),
    [
        ((TileBand(max_zoom=13), TileBand(max_zoom=12)), Style(), "rise"),
        ((TileBand(max_zoom=9),), Style(), "rise"),  # below the layer's min_zoom (10)
        ((TileBand(max_zoom=12, classes=("primary",)),), Style(), "'by'"),
        ((TileBand(max_zoom=12, fields=("surface",)),), Style(), "not in tile_fields"),
    ],
)
def test_tile_bands_that_cannot_be_drawn_are_refused(bands, style, message):
    roads = get_layer("roads")
    options = replace(roads.options, slug="roads-bands", tile_bands=bands, style=style)
    with pytest.raises(ValueError, match=message):
        register(roads.model, options)
    with pytest.raises(UnknownLayer):
        get_layer("roads-bands")
