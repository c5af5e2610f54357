"""Administrative areas: préfectures, the arrondissements of the city, and surrounding communes."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.utils.translation import pgettext_lazy

from layers.common.models import STORAGE_SRID, Feature


class Prefecture(Feature):
    """Préfecture d'arrondissements (Casablanca-Anfa, Hay-Hassani...)."""

    code = models.CharField(max_length=20, unique=True)
    name_fr = models.CharField(max_length=120)
    name_ar = models.CharField(max_length=120, blank=True)
    population_2024 = models.PositiveIntegerField(null=True, blank=True)
    households_2024 = models.PositiveIntegerField(null=True, blank=True)
    geom = models.MultiPolygonField(srid=STORAGE_SRID, spatial_index=False)

    class Meta(Feature.Meta):
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_fr


class Arrondissement(Feature):
    code = models.CharField(
        max_length=12, unique=True, help_text=pgettext_lazy("help", "code HCP à neuf chiffres")
    )
    code_hcp = models.CharField(
        max_length=20, blank=True, help_text=pgettext_lazy("help", "code HCP avec points")
    )
    name_fr = models.CharField(max_length=120)
    name_ar = models.CharField(max_length=120, blank=True)
    prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, related_name="arrondissements", null=True, blank=True
    )
    population_2024 = models.PositiveIntegerField(null=True, blank=True)
    households_2024 = models.PositiveIntegerField(null=True, blank=True)
    geom = models.MultiPolygonField(srid=STORAGE_SRID, spatial_index=False)

    class Meta(Feature.Meta):
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_fr


class Commune(Feature):
    """Communes of the region around the city (context layer)."""

    code = models.CharField(max_length=12, unique=True)
    name_fr = models.CharField(max_length=120)
    name_ar = models.CharField(max_length=120, blank=True)
    commune_type = models.CharField(
        max_length=10,
        choices=[
            ("urban", pgettext_lazy("commune_type", "urbaine")),
            ("rural", pgettext_lazy("commune_type", "rurale")),
        ],
    )
    province_fr = models.CharField(max_length=120, blank=True)
    population_2024 = models.PositiveIntegerField(null=True, blank=True)
    households_2024 = models.PositiveIntegerField(null=True, blank=True)
    geom = models.MultiPolygonField(srid=STORAGE_SRID, spatial_index=False)

    class Meta(Feature.Meta):
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_fr
