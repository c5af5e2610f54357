"""Forms of the planners' ingest pages. The option forms' fields carry the names of
:class:`~ingest.options.IngestOptions`, and a valid form holds the options it built
(``form.options``): an option that cannot work is shown on its field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from layers.rasters.models import RasterLayer

from .mappings import Mapping
from .options import MODES, IngestOptions, InvalidOption

# The modes as the page names them (``--mode`` at the command line).
MODE_NAMES = {
    "append": _("ajouter les entités"),
    "replace": _("remplacer toutes les entités de la couche"),
    "upsert": _("mettre à jour par la clé, ajouter les nouvelles"),
}
FIELD_PREFIX = "field_"  # field_<attribute> = source column, from the mapping table
VALUE_PREFIX = "value_"  # value_<attribute> = a constant


def _srs_example() -> str:
    """The storage CRS as the example of a ``srs`` value, read when the page is drawn."""
    return f"EPSG:{settings.GIS['STORAGE_SRID']} …"


SRS_HELP = lazy(_srs_example, str)()


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier (GeoPackage, shapefile zippé, GeoJSON, KML, CSV, DXF, GeoTIFF)")
    )
    layer = forms.ChoiceField(label=_("Couche cible"))

    def __init__(self, *args: Any, layers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        layer_field = self.fields["layer"]
        assert isinstance(layer_field, forms.ChoiceField)
        layer_field.choices = layers


class OptionsForm(forms.Form):
    """A form whose cleaned data are ingest options; ``options`` is set once it is valid."""

    options: IngestOptions

    def build_options(self, data: dict[str, Any]) -> IngestOptions:
        return IngestOptions(**data)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.options = self.build_options(data)
        except InvalidOption as exc:
            self.add_error(exc.field if exc.field in self.fields else None, str(exc))
        return data


class RunForm(OptionsForm):
    """Options of a vector load, and the mapping table of the preview (``field_<attribute>``
    and ``value_<attribute>`` inputs, read from the posted data)."""

    mode = forms.ChoiceField(
        label=_("Mode"), choices=[(m, MODE_NAMES[m]) for m in MODES], initial="append"
    )
    key = forms.CharField(label=_("Clé (mise à jour)"), required=False, max_length=60)
    srs = forms.CharField(
        label=_("Système de coordonnées du fichier"),
        required=False,
        max_length=40,
        help_text=SRS_HELP,
    )
    source_layer = forms.CharField(label=_("Couche du fichier"), required=False, max_length=120)
    encoding = forms.CharField(label=_("Encodage des attributs"), required=False, max_length=20)
    dry_run = forms.BooleanField(label=_("Contrôler sans rien écrire"), required=False)
    accept_partial = forms.BooleanField(
        label=_("Charger les entités valides, laisser les autres"), required=False
    )

    def build_options(self, data: dict[str, Any]) -> IngestOptions:
        posted = list(self.data.items())
        mapping = Mapping(
            fields={
                k.removeprefix(FIELD_PREFIX): v for k, v in posted if k.startswith(FIELD_PREFIX)
            },
            values={
                k.removeprefix(VALUE_PREFIX): v for k, v in posted if k.startswith(VALUE_PREFIX)
            },
        )
        return IngestOptions(**data, mapping=mapping)


class RasterForm(OptionsForm):
    """Options of a GeoTIFF load: the raster layer it becomes."""

    raster_name = forms.SlugField(max_length=60, label=_("Nom de la couche raster"))
    raster_kind = forms.ChoiceField(choices=RasterLayer.Kind.choices, label=_("Nature"))
    raster_title = forms.CharField(max_length=200, required=False, label=_("Titre"))
    srs = forms.CharField(
        label=_("Système de coordonnées du fichier"),
        required=False,
        max_length=40,
        help_text=SRS_HELP,
    )
    dry_run = forms.BooleanField(label=_("Contrôler sans rien écrire"), required=False)
