"""Cadastral parcels. No personal owner data: the public layer describes the land, not people."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Area
from django.db.models import Q
from django.utils.translation import pgettext_lazy

from layers.common.models import STORAGE_SRID, Feature

# "TF 12345/C" (titre foncier), "R 2345/C" (réquisition), "NI-061410101-000123" (non immatriculé)
REFERENCE_PATTERN = r"^(TF \d{1,7}/[A-Z0-9]{1,3}|R \d{1,7}/[A-Z0-9]{1,3}|NI-[0-9A-Z-]{1,30})$"


class LandStatus(models.TextChoices):
    TITLED = "titled", pgettext_lazy("land_status", "immatriculé (titre foncier)")
    REQUISITION = (
        "requisition",
        pgettext_lazy("land_status", "en cours d'immatriculation (réquisition)"),
    )
    PUBLIC_DOMAIN = "public_domain", pgettext_lazy("land_status", "domaine public")
    HABOUS = "habous", pgettext_lazy("land_status", "habous")
    COLLECTIVE = "collective", pgettext_lazy("land_status", "terres collectives")
    UNREGISTERED = "unregistered", pgettext_lazy("land_status", "non immatriculé")


class Parcel(Feature):
    reference = models.CharField(
        max_length=40,
        unique=True,
        help_text=pgettext_lazy(
            "help", "TF 12345/C, R 2345/C, ou NI-… pour un terrain non immatriculé"
        ),
    )
    land_status = models.CharField(max_length=20, choices=LandStatus.choices)
    official_area_m2 = models.FloatField(
        null=True,
        blank=True,
        help_text=pgettext_lazy("help", "contenance inscrite au titre foncier"),
    )
    computed_area_m2 = models.GeneratedField(
        expression=Area("geom"), output_field=models.FloatField(), db_persist=True
    )
    current_use = models.CharField(max_length=60, blank=True)
    address = models.CharField(max_length=250, blank=True)
    geom = models.MultiPolygonField(srid=STORAGE_SRID, spatial_index=False)

    class Meta(Feature.Meta):
        constraints = [
            *Feature.Meta.constraints,
            models.CheckConstraint(
                condition=Q(reference__regex=REFERENCE_PATTERN),
                name="parcels_parcel_reference_format",
            ),
        ]

    def __str__(self) -> str:
        return self.reference
