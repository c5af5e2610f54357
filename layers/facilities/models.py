"""Public facilities and citizen reports."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.db.models.functions import Now

from layers.common.models import STORAGE_SRID, Feature


class Facility(Feature):
    class Kind(models.TextChoices):
        SCHOOL = "school", "école"
        SPORTS = "sports_ground", "terrain de sport"
        CULTURE = "cultural_venue", "lieu culturel"
        COWORKING = "coworking", "espace de coworking"
        HEALTH = "health", "centre de santé"
        ADMINISTRATION = "administration", "administration"
        MARKET = "market", "marché"

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
        POTHOLE = "pothole", "nid-de-poule"
        BROKEN_LIGHT = "broken_light", "lampadaire en panne"
        ILLEGAL_DUMPING = "illegal_dumping", "dépôt sauvage"
        DAMAGED_PAVEMENT = "damaged_pavement", "trottoir dégradé"
        OTHER = "other", "autre"

    class Status(models.TextChoices):
        NEW = "new", "nouveau"
        ACKNOWLEDGED = "acknowledged", "pris en compte"
        IN_PROGRESS = "in_progress", "en cours"
        RESOLVED = "resolved", "résolu"
        REJECTED = "rejected", "rejeté"

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
        max_length=200, blank=True, help_text="internal: never published"
    )
    geom = models.PointField(srid=STORAGE_SRID, spatial_index=False)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
