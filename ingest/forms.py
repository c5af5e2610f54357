"""Forms of the planners' ingest pages."""

from __future__ import annotations

from typing import Any

from django import forms

from layers.rasters.models import RasterLayer

from .actions import MODES


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Fichier (GeoPackage, shapefile zippé, GeoJSON, KML, CSV, DXF, GeoTIFF)"
    )
    layer = forms.ChoiceField(label="Couche cible")

    def __init__(self, *args: Any, layers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        layer_field = self.fields["layer"]
        assert isinstance(layer_field, forms.ChoiceField)
        layer_field.choices = layers


class RunForm(forms.Form):
    mode = forms.ChoiceField(choices=[(m, m) for m in MODES], initial="append")
    key = forms.CharField(required=False, max_length=60)
    srs = forms.CharField(required=False, max_length=40, help_text="EPSG:26191 …")
    source_layer = forms.CharField(required=False, max_length=120)
    encoding = forms.CharField(required=False, max_length=20)
    dry_run = forms.BooleanField(required=False)
    accept_partial = forms.BooleanField(required=False)


class RasterForm(forms.Form):
    """Options of a GeoTIFF load: the raster layer it becomes."""

    raster_name = forms.SlugField(max_length=60, label="Nom de la couche raster")
    raster_kind = forms.ChoiceField(choices=RasterLayer.Kind.choices, label="Nature")
    raster_title = forms.CharField(max_length=200, required=False, label="Titre")
    srs = forms.CharField(required=False, max_length=40, help_text="EPSG:26191 …")
    dry_run = forms.BooleanField(required=False)
