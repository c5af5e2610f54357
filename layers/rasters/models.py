"""Raster layers (orthophotos, elevation): Cloud-Optimized GeoTIFFs kept under
``settings.RASTER_ROOT``. A layer is addressed by its slug; the file path is set by ingest and
never comes from a request."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models.functions import Now
from django.utils.translation import pgettext_lazy

from layers.common.models import STORAGE_SRID


class RasterLayer(models.Model):
    class Kind(models.TextChoices):
        ORTHOPHOTO = "orthophoto", pgettext_lazy("kind", "orthophotographie")
        ELEVATION = "elevation", pgettext_lazy("kind", "modèle numérique de terrain")
        OTHER = "other", pgettext_lazy("kind", "autre")

    slug = models.SlugField(max_length=60, unique=True)
    title_fr = models.CharField(max_length=200)
    title_ar = models.CharField(max_length=200, blank=True)
    title_en = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file_name = models.CharField(
        max_length=200,
        help_text=pgettext_lazy(
            "help", "nom du fichier COG dans RASTER_ROOT, fixé par l'ingestion"
        ),
    )
    source_crs = models.CharField(max_length=80, blank=True)
    band_count = models.PositiveSmallIntegerField(default=1)
    dtype = models.CharField(max_length=20, blank=True)
    nodata = models.FloatField(null=True, blank=True)
    resolution_m = models.FloatField(null=True, blank=True)
    # Display range for single-band layers (elevation): values are stretched from min to max.
    value_min = models.FloatField(null=True, blank=True)
    value_max = models.FloatField(null=True, blank=True)
    footprint = models.PolygonField(srid=STORAGE_SRID)
    public = models.BooleanField(default=True)
    min_zoom = models.PositiveSmallIntegerField(default=10)
    max_zoom = models.PositiveSmallIntegerField(default=21)
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title_fr

    @property
    def path(self) -> Path:
        """The vetted COG path: always inside RASTER_ROOT, whatever ``file_name`` holds."""
        root = Path(settings.RASTER_ROOT).resolve()
        path = (root / self.file_name).resolve()
        if root not in path.parents:
            raise ValueError(f"raster layer {self.slug!r} points outside RASTER_ROOT")
        return path
