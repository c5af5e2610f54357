"""The layer registry: each layer is declared once, and every interface is generated from it.

The OGC API collections (``ogc/``), the vector-tile layers (``tiles/``), the portal's layer tree, the
open-data downloads and the admin all iterate over :func:`layers`. Adding a layer is one model (a
subclass of :class:`layers.common.models.Feature`) and one :func:`register` call in its app's
``layers.py``, which the app's ``AppConfig.ready`` imports.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from layers.common.conf import gis_settings
from layers.common.errors import UnknownLayer
from layers.common.users import AnyUser

if TYPE_CHECKING:
    from django.contrib.gis.db.models import GeometryField
    from django.db.models import Field

    from layers.common.models import Feature
    from layers.common.rules import Rule

GEOMETRY_FIELD = "geom"  # every layer model's geometry (STYLE.md rule 13)

THEMES: dict[str, dict[str, str]] = {
    "admin": {
        "fr": "Limites administratives",
        "ar": "الحدود الإدارية",
        "en": "Administrative areas",
    },
    "planning": {"fr": "Urbanisme", "ar": "التعمير", "en": "Urban planning"},
    "parcels": {"fr": "Foncier", "ar": "العقار", "en": "Land parcels"},
    "roads": {"fr": "Voirie", "ar": "الطرق", "en": "Roads"},
    "green": {"fr": "Espaces verts", "ar": "المساحات الخضراء", "en": "Green spaces"},
    "facilities": {"fr": "Équipements et services", "ar": "المرافق والخدمات", "en": "Facilities"},
}


@dataclass(frozen=True)
class Style:
    """Default cartography, read by the portal (Leaflet path options) and the legend."""

    color: str = "#3366cc"
    fill_color: str | None = None
    weight: float = 1.0
    fill_opacity: float = 0.3
    radius: float = 4.0  # points
    dash: str | None = None
    # Optional categorised colours: (attribute, {value: colour}).
    by: str | None = None
    categories: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "color": self.color,
            "fillColor": self.fill_color or self.color,
            "weight": self.weight,
            "fillOpacity": self.fill_opacity,
            "radius": self.radius,
            "dashArray": self.dash,
            "by": self.by,
            "categories": dict(self.categories),
        }


@dataclass(frozen=True)
class BasemapPaint:
    """How a layer is painted as part of one of the platform's own basemaps, drawn under every
    overlay when no outside basemap is configured (``GEOPORTAL_BASEMAP_URL``)."""

    order: int  # drawing order among the basemap's layers, bottom first
    color: str | None = None  # outline colour (any CSS colour); None draws no outline
    fill_color: str | None = None  # None leaves areas empty
    weight: float = 1.0  # outline width in pixels
    # (from zoom, outline width) steps, lowest zoom first: streets widen when the map is close.
    zoom_weights: tuple[tuple[int, float], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "color": self.color,
            "fillColor": self.fill_color,
            "weight": self.weight,
            "zoomWeights": [list(step) for step in self.zoom_weights],
        }


@dataclass(frozen=True)
class TileBand:
    """How a layer's vector tiles are drawn up to ``max_zoom``, from the zoom after the previous
    band's (the first band from the layer's ``min_zoom``): the features a map at those zooms can
    show, with the attributes it needs.

    - ``classes``: the values of the style's ``by`` attribute drawn (empty: every feature);
    - ``min_pixels``: the least size drawn at the tile's zoom, in square pixels for areas and
      pixels for lines (points are always drawn);
    - ``fields``: the tile attributes (None: the layer's ``tile_fields``); the id always travels
      as the feature id;
    - ``simplify``: draw from a copy of the geometry generalised for ``max_zoom``, which the
      database keeps (column ``tile_geom_z<max_zoom>``, ``tiles/sql/``); for lines and areas
      with many vertices, where generalising at each request costs more than drawing.

    Zooms past the last band draw every feature, with ``tile_fields``."""

    max_zoom: int
    classes: tuple[str, ...] = ()
    min_pixels: float = 0.0
    fields: tuple[str, ...] | None = None
    simplify: bool = False


# Search hits that match equally well come by layer ``search_priority``, then by which of the
# layer's ``search_fields`` matched: every first field before any second field.
SEARCH_FIELD_RANK_STEP = 100


@dataclass(frozen=True)
class LayerOptions:
    slug: str
    title: dict[str, str]  # {"fr": ..., "ar": ..., "en": ...}
    description: dict[str, str]
    theme: str
    fields: tuple[str, ...]  # attributes published (OGC, downloads, popups), "id" first
    tile_fields: tuple[str, ...] = ("id",)
    public: bool = True
    style: Style = field(default_factory=Style)
    min_zoom: int = 10
    max_zoom: int = 22
    label_field: str | None = None  # the attribute that names a feature (search, popups)
    # Numeric attributes the portal writes as they are, not as quantities grouped by thousands
    # (a year: "2015", not "2.015"); "id" is always one.
    plain_numbers: tuple[str, ...] = ()
    # Text attributes the portal's search looks in; each needs its trigram index, which
    # ``manage.py search_indexes`` writes for a geoportal migration.
    search_fields: tuple[str, ...] = ()
    # Rank of the layer's search hits among equally good matches, lower first (places before
    # parcels before streets...); below SEARCH_FIELD_RANK_STEP.
    search_priority: int = 90
    datetime_field: str | None = None  # OGC API ``datetime`` filter
    order: int = 100  # position in the layer tree, inside its theme
    visible: bool = False  # shown when the portal opens
    licence: str = "ODbL-1.0"
    attribution: str = ""
    # Most features one vector tile of this layer holds (default: TILES["MAX_FEATURES_PER_TILE"]).
    max_features_per_tile: int | None = None
    # Lower zooms drawn lighter (classes, least size, attributes, generalised copies), lowest
    # first; see TileBand.
    tile_bands: tuple[TileBand, ...] = ()
    # Part of the portal's own basemap, and of the admin's geometry editor's (public layers only).
    basemap: BasemapPaint | None = None
    editor_basemap: BasemapPaint | None = None
    # What the layer's geometries must respect on every write path (the OGC API, ingest): no
    # overlap, inside the municipal boundary...; see layers.common.rules.
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Layer:
    """A registered layer: its model and options, with what is derived from them."""

    model: type[Feature]
    options: LayerOptions

    @property
    def slug(self) -> str:
        return self.options.slug

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    def plain_numbers(self) -> tuple[str, ...]:
        """The numeric attributes shown as they are (identifiers, years), not grouped."""
        return ("id", *self.options.plain_numbers)

    def model_field(self, name: str) -> Field[Any, Any]:
        """The model field behind attribute ``name``: a column of the layer's table (published
        and tile attributes are columns, never reverse relations)."""
        from django.db.models import Field

        field = self.model._meta.get_field(name)
        if not isinstance(field, Field):
            raise TypeError(f"{self.slug}: {name!r} is a reverse relation, not a column")
        return field

    def column(self, name: str) -> str:
        """The table column of attribute ``name`` (a foreign key ``zone`` is ``zone_id``)."""
        column = self.model_field(name).column
        if column is None:
            raise TypeError(f"{self.slug}: {name!r} has no column")
        return column

    def columns(self, names: Iterable[str]) -> list[tuple[str, str]]:
        """(table column, attribute name) of each attribute of ``names``: what a statement selects
        to publish columns under their attribute names (``zone_id AS zone``)."""
        return [(self.column(name), name) for name in names]

    @property
    def geometry_field(self) -> GeometryField[Any, Any]:
        from django.contrib.gis.db.models import GeometryField

        field = self.model_field(GEOMETRY_FIELD)
        if not isinstance(field, GeometryField):
            raise TypeError(f"{self.slug}: {GEOMETRY_FIELD!r} is not a geometry field")
        return field

    @property
    def geometry_type(self) -> str:
        """OGC simple-feature type name: ``MultiPolygon``, ``MultiLineString``, ``Point``..."""
        from django.contrib.gis.gdal import OGRGeomType

        return OGRGeomType(self.geometry_field.geom_type).name

    @property
    def srid(self) -> int:
        return gis_settings()["STORAGE_SRID"]

    @property
    def public(self) -> bool:
        return self.options.public

    @property
    def view_permission(self) -> str:
        return f"{self.model._meta.app_label}.view_{self.model._meta.model_name}"

    @property
    def change_permission(self) -> str:
        return f"{self.model._meta.app_label}.change_{self.model._meta.model_name}"

    def title(self, lang: str = "fr") -> str:
        return self.options.title.get(lang) or self.options.title["fr"]

    def field_types(self) -> dict[str, str]:
        """Published attribute -> simple type (``string``, ``integer``, ``number``, ``boolean``,
        ``date``, ``datetime``), for OGC queryables and downloads."""
        return {name: simple_type(self.model_field(name)) for name in self.options.fields}

    def user_can_view(self, user: AnyUser) -> bool:
        if self.public:
            return True
        return bool(user and user.is_authenticated and user.has_perm(self.view_permission))

    def user_can_edit(self, user: AnyUser) -> bool:
        return bool(user and user.is_authenticated and user.has_perm(self.change_permission))


def simple_type(field: Any) -> str:
    """A model field's value type as the interfaces name it (``string``, ``integer``, ``number``,
    ``boolean``, ``date``, ``datetime``): OGC queryables, TileJSON fields, ingest's checks. A
    generated column has its output type, a foreign key the type of the key it points to."""
    from django.db import models as m

    if isinstance(field, m.GeneratedField):
        field = field.output_field
    if isinstance(field, m.ForeignKey):
        field = field.target_field
    if isinstance(field, m.BooleanField):
        return "boolean"
    if isinstance(field, (m.IntegerField, m.AutoField)):
        return "integer"
    if isinstance(field, (m.FloatField, m.DecimalField)):
        return "number"
    if isinstance(field, m.DateTimeField):
        return "datetime"
    if isinstance(field, m.DateField):
        return "date"
    return "string"


_REGISTRY: dict[str, Layer] = {}


def register(model: type[Feature], options: LayerOptions) -> Layer:
    if options.slug in _REGISTRY and _REGISTRY[options.slug].model is not model:
        raise ValueError(f"layer slug {options.slug!r} is already registered")
    if options.theme not in THEMES:
        raise ValueError(f"layer {options.slug!r}: unknown theme {options.theme!r}")
    if not 0 <= options.search_priority < SEARCH_FIELD_RANK_STEP:
        raise ValueError(
            f"layer {options.slug!r}: search_priority must be in [0, {SEARCH_FIELD_RANK_STEP})"
        )
    label = (options.label_field,) if options.label_field else ()
    band_fields = [name for band in options.tile_bands for name in band.fields or ()]
    for name in (*options.fields, *options.tile_fields, *options.search_fields, *label):
        model._meta.get_field(name)  # fails loudly on a typo
    if unpublished := set(options.plain_numbers) - set(options.fields):
        raise ValueError(
            f"layer {options.slug!r}: plain_numbers names attributes it does not publish: "
            f"{sorted(unpublished)}"
        )
    _check_tile_bands(options, band_fields)
    layer = Layer(model=model, options=options)
    _check_rules(layer)
    _REGISTRY[options.slug] = layer
    return layer


def _check_rules(layer: Layer) -> None:
    """Refuse rules that cannot apply to ``layer``, or that layers registered earlier declare
    and that cannot apply to it. A slug no layer has registered yet is left to the system check
    (:func:`unknown_rule_layers`): apps register in any order."""
    known = {**_REGISTRY, layer.slug: layer}
    problems = [
        f"layer {layer.slug!r}: {problem}"
        for rule in layer.options.rules
        for problem in rule.problems(layer, known)
    ]
    problems += [
        f"layer {other.slug!r}: {problem}"
        for other in _REGISTRY.values()
        if other.slug != layer.slug
        for rule in other.options.rules
        if layer.slug in rule.references()
        for problem in rule.problems(other, known)
    ]
    if problems:
        raise ValueError("; ".join(problems))


def unknown_rule_layers() -> list[tuple[str, str, str]]:
    """(layer slug, rule name, slug) of each layer a rule names that is not registered."""
    return [
        (lyr.slug, rule.name, slug)
        for lyr in _REGISTRY.values()
        for rule in lyr.options.rules
        for slug in rule.references()
        if slug not in _REGISTRY
    ]


def _check_tile_bands(options: LayerOptions, band_fields: list[str]) -> None:
    zooms = [band.max_zoom for band in options.tile_bands]
    if zooms != sorted(set(zooms)) or any(
        not options.min_zoom <= z < options.max_zoom for z in zooms
    ):
        raise ValueError(
            f"layer {options.slug!r}: tile_bands must rise from min_zoom to below max_zoom"
        )
    if any(band.classes for band in options.tile_bands) and not options.style.by:
        raise ValueError(f"layer {options.slug!r}: tile band classes need a style 'by' attribute")
    outside = set(band_fields) - set(options.tile_fields)
    if outside:
        raise ValueError(
            f"layer {options.slug!r}: band fields {sorted(outside)} not in tile_fields"
        )


def get_layer(slug: str) -> Layer:
    try:
        return _REGISTRY[slug]
    except KeyError:
        raise UnknownLayer(_("unknown layer %(slug)s") % {"slug": repr(slug)}) from None


def layers(public_only: bool = False) -> Iterator[Layer]:
    items = sorted(
        _REGISTRY.values(),
        key=lambda lyr: (list(THEMES).index(lyr.options.theme), lyr.options.order, lyr.slug),
    )
    return (lyr for lyr in items if lyr.public or not public_only)


def layer_for_model(model: type) -> Layer | None:
    return next((lyr for lyr in _REGISTRY.values() if lyr.model is model), None)


def visible_layers(user: AnyUser) -> Iterator[Layer]:
    return (lyr for lyr in layers() if lyr.user_can_view(user))


def basemap_layers(editor: bool = False) -> list[tuple[Layer, BasemapPaint]]:
    """The public layers drawn as the portal's own basemap (``editor``: the admin geometry
    editor's), each with its paint, bottom first."""
    painted = [
        (lyr, paint)
        for lyr in layers(public_only=True)
        if (paint := lyr.options.editor_basemap if editor else lyr.options.basemap) is not None
    ]
    return sorted(painted, key=lambda pair: (pair[1].order, pair[0].slug))
