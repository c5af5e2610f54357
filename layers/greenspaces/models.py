"""Green spaces and trees."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Area
from django.utils.translation import pgettext_lazy

from layers.common.models import STORAGE_SRID, Feature


class GreenSpace(Feature):
    class Kind(models.TextChoices):
        PARK = "park", pgettext_lazy("kind", "parc")
        GARDEN = "garden", pgettext_lazy("kind", "jardin")
        SQUARE = "square", pgettext_lazy("kind", "square")
        URBAN_FOREST = "urban_forest", pgettext_lazy("kind", "forêt urbaine")
        TREE_ALIGNMENT = "tree_alignment", pgettext_lazy("kind", "alignement d'arbres")
        SPORTS_GROUND = "sports_ground", pgettext_lazy("kind", "terrain de sport")

    class Irrigation(models.TextChoices):
        NONE = "none", pgettext_lazy("irrigation", "aucune")
        MANUAL = "manual", pgettext_lazy("irrigation", "manuelle")
        SPRINKLER = "sprinkler", pgettext_lazy("irrigation", "aspersion")
        DRIP = "drip", pgettext_lazy("irrigation", "goutte-à-goutte")

    name_fr = models.CharField(max_length=200, blank=True)
    name_ar = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    area_m2 = models.GeneratedField(
        expression=Area("geom"), output_field=models.FloatField(), db_persist=True
    )
    manager = models.CharField(max_length=120, blank=True)
    irrigation = models.CharField(
        max_length=10, choices=Irrigation.choices, default=Irrigation.NONE
    )
    public_access = models.BooleanField(default=True)
    opening_hours = models.CharField(
        max_length=120,
        blank=True,
        help_text=pgettext_lazy("help", "par exemple Mo-Su 08:00-20:00 (syntaxe OpenStreetMap)"),
    )
    geom = models.MultiPolygonField(srid=STORAGE_SRID, spatial_index=False)

    def __str__(self) -> str:
        return self.name_fr or f"{self.get_kind_display()} {self.pk}"


class Tree(Feature):
    species = models.CharField(max_length=120)
    height_m = models.FloatField(null=True, blank=True)
    planted_year = models.PositiveSmallIntegerField(null=True, blank=True)
    condition = models.CharField(
        max_length=10,
        choices=[
            ("good", pgettext_lazy("condition", "bon")),
            ("fair", pgettext_lazy("condition", "moyen")),
            ("poor", pgettext_lazy("condition", "mauvais")),
            ("dead", pgettext_lazy("condition", "mort")),
        ],
        default="good",
    )
    geom = models.PointField(srid=STORAGE_SRID, spatial_index=False)

    def __str__(self) -> str:
        return f"{self.species} {self.pk}"
