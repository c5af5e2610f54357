"""Public facilities and citizen reports."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.db.models.functions import Now
from django.utils.translation import pgettext_lazy

from layers.common.models import STORAGE_SRID, Feature


class Facility(Feature):
    class Kind(models.TextChoices):
        SCHOOL = "school", pgettext_lazy("kind", "école")
        SPORTS = "sports_ground", pgettext_lazy("kind", "terrain de sport")
        CULTURE = "cultural_venue", pgettext_lazy("kind", "lieu culturel")
        COWORKING = "coworking", pgettext_lazy("kind", "espace de coworking")
        HEALTH = "health", pgettext_lazy("kind", "centre de santé")
        ADMINISTRATION = "administration", pgettext_lazy("kind", "administration")
        MARKET = "market", pgettext_lazy("kind", "marché")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name_fr = models.CharField(max_length=200)
    name_ar = models.CharField(max_length=200, blank=True)
    address = models.CharField(max_length=250, blank=True)
    opening_hours = models.CharField(max_length=120, blank=True)
    geom = models.PointField(srid=STORAGE_SRID, spatial_index=False)

    class Meta(Feature.Meta):
        verbose_name_plural = "facilities"

    def __str__(self) -> str:
        return self.name_fr


class CitizenReport(Feature):
    """A problem located by a citizen. ``nearest_segment`` is filled by a database trigger from
    every write path (``facilities/sql/0002_report_nearest_segment.sql``)."""

    class Kind(models.TextChoices):
        POTHOLE = "pothole", pgettext_lazy("kind", "nid-de-poule")
        BROKEN_LIGHT = "broken_light", pgettext_lazy("kind", "lampadaire en panne")
        ILLEGAL_DUMPING = "illegal_dumping", pgettext_lazy("kind", "dépôt sauvage")
        DAMAGED_PAVEMENT = "damaged_pavement", pgettext_lazy("kind", "trottoir dégradé")
        OTHER = "other", pgettext_lazy("kind", "autre")

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("status", "nouveau")
        ACKNOWLEDGED = "acknowledged", pgettext_lazy("status", "pris en compte")
        IN_PROGRESS = "in_progress", pgettext_lazy("status", "en cours")
        RESOLVED = "resolved", pgettext_lazy("status", "résolu")
        REJECTED = "rejected", pgettext_lazy("status", "rejeté")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.NEW)
    reported_at = models.DateTimeField(db_default=Now())
    resolved_at = models.DateTimeField(null=True, blank=True)
    nearest_segment = models.ForeignKey(
        "roads.RoadSegment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    nearest_segment_distance_m = models.FloatField(null=True, blank=True, editable=False)
    reporter_contact = models.CharField(
        max_length=200, blank=True, help_text=pgettext_lazy("help", "interne : jamais publié")
    )
    geom = models.PointField(srid=STORAGE_SRID, spatial_index=False)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
