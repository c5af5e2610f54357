"""Green spaces and trees."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Area

from layers.common.models import STORAGE_SRID, Feature


class GreenSpace(Feature):
    class Kind(models.TextChoices):
        PARK = "park", "parc"
        GARDEN = "garden", "jardin"
        SQUARE = "square", "square"
        URBAN_FOREST = "urban_forest", "forêt urbaine"
        TREE_ALIGNMENT = "tree_alignment", "alignement d'arbres"
        SPORTS_GROUND = "sports_ground", "terrain de sport"

    class Irrigation(models.TextChoices):
        NONE = "none", "aucune"
        MANUAL = "manual", "manuelle"
        SPRINKLER = "sprinkler", "aspersion"
        DRIP = "drip", "goutte-à-goutte"

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
    opening_hours = models.CharField(max_length=120, blank=True, help_text="e.g. Mo-Su 08:00-20:00")
    geom = models.MultiPolygonField(srid=STORAGE_SRID, spatial_index=False)

    def __str__(self) -> str:
        return self.name_fr or f"{self.get_kind_display()} {self.pk}"


class Tree(Feature):
    species = models.CharField(max_length=120)
    height_m = models.FloatField(null=True, blank=True)
    planted_year = models.PositiveSmallIntegerField(null=True, blank=True)
    condition = models.CharField(
        max_length=10,
        choices=[("good", "bon"), ("fair", "moyen"), ("poor", "mauvais"), ("dead", "mort")],
        default="good",
    )
    geom = models.PointField(srid=STORAGE_SRID, spatial_index=False)

    def __str__(self) -> str:
        return f"{self.species} {self.pk}"
