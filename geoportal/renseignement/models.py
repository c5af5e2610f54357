"""Issued notes (immutable snapshots) and the per-client request counters of the rate limit."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

STORAGE_SRID: int = settings.GIS["STORAGE_SRID"]


class Note(models.Model):
    """An issued urban-planning information note. The row is never updated or deleted (a database
    trigger refuses it): ``content`` is the note exactly as issued, ``content_hash`` the SHA-256 of
    its canonical JSON, ``rules_hash`` the hash of its regulatory part, recomputed later to tell
    whether the rules have changed since. ``lang`` is the language it was issued in, chosen by the
    citizen: its words and its planning data are in that language, for good.
    ``content_signature`` signs ``content_hash`` with the platform's key, ``signing_certificate``
    is the SHA-256 fingerprint of the certificate it was signed under; both are empty for the
    notes issued before notes were signed."""

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
    content_signature = models.TextField(blank=True, default="", help_text="base64")
    signing_certificate = models.CharField(
        max_length=64, blank=True, default="", help_text="SHA-256 of the certificate, hex"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            # The first signed note: an unsigned note issued after it is not "before signing".
            models.Index(
                fields=["issued_at"],
                condition=~models.Q(content_signature=""),
                name="renseignement_note_signed",
            ),
            models.Index(
                fields=["arrondissement_code", "issued_at"], name="renseignement_note_arr"
            ),
            models.Index(fields=["rules_hash", "issued_at"], name="renseignement_note_reuse"),
        ]

    def __str__(self) -> str:
        return self.number


class VerificationScan(models.Model):
    """One look at a note's verification page (its QR code scanned, its link followed): when, and
    what the page found. Nothing about who looked: no address, no browser, no user."""

    class Outcome(models.TextChoices):
        AUTHENTIC = "authentic", _("authentique")
        NOT_AUTHENTIC = "not_authentic", _("non authentique")
        UNSIGNED = "unsigned", _("délivrée avant la signature")
        UNVERIFIABLE = "unverifiable", _("signée par un certificat qui n'est plus en usage")

    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="scans")
    scanned_at = models.DateTimeField(db_default=Now())
    outcome = models.CharField(max_length=16, choices=Outcome.choices)

    class Meta:
        indexes = [models.Index(fields=["note", "scanned_at"], name="renseignement_scan_note")]

    def __str__(self) -> str:
        return f"{self.note_id} {self.outcome}"


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
