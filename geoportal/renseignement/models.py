"""Issued notes (immutable snapshots) and the per-client request counters of the rate limit."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models.functions import Now

STORAGE_SRID: int = settings.GIS["STORAGE_SRID"]


class Note(models.Model):
    """An issued urban-planning information note. The row is never updated or deleted (a database
    trigger refuses it): ``content`` is the note exactly as issued, ``content_hash`` the SHA-256 of
    its canonical JSON, ``rules_hash`` the hash of its regulatory part, recomputed later to tell
    whether the rules have changed since. ``lang`` is the language it was issued in, chosen by the
    citizen: its words and its planning data are in that language, for good."""

    class Subject(models.TextChoices):
        PARCEL = "parcel", "parcelle"
        OUTLINE = "outline", "contour dessiné"

    class Lang(models.TextChoices):
        FR = "fr", "français"
        AR = "ar", "arabe"
        EN = "en", "anglais"

    number = models.CharField(max_length=32, unique=True)
    issued_at = models.DateTimeField(db_default=Now())
    subject_kind = models.CharField(max_length=10, choices=Subject.choices)
    parcel_reference = models.CharField(max_length=40, blank=True, db_index=True)
    arrondissement_code = models.CharField(max_length=12, blank=True)
    arrondissement_name = models.CharField(max_length=120, blank=True)
    geom = models.MultiPolygonField(srid=STORAGE_SRID, help_text="the land as issued")
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    rules_hash = models.CharField(max_length=64)
    lang = models.CharField(
        max_length=2, choices=Lang.choices, default=Lang.FR, help_text="the note's language"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(
                fields=["arrondissement_code", "issued_at"], name="renseignement_note_arr"
            ),
            models.Index(fields=["rules_hash", "issued_at"], name="renseignement_note_reuse"),
        ]

    def __str__(self) -> str:
        return self.number


class RateCounter(models.Model):
    """Requests of one client in one fixed time window, shared by every server process."""

    bucket = models.CharField(max_length=20)
    client = models.CharField(max_length=64)
    window_start = models.BigIntegerField(help_text="epoch seconds")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bucket", "client", "window_start"], name="renseignement_rate_unique"
            )
        ]
