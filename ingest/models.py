"""A planner's ingest from the web: the uploaded file, the chosen options, progress (written by
the queue's worker, read by the page's polling) and the final report."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

# ``IngestJob.layer`` of a GeoTIFF load (its options name the raster layer), and who may do it.
RASTER = "raster"
RASTER_PERMISSION = "rasters.change_rasterlayer"


class IngestJob(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("téléversé")
        RUNNING = "running", _("en cours")
        DONE = "done", _("terminé")
        DRY_RUN = "dry-run", _("vérifié (rien écrit)")
        REFUSED = "refused", _("refusé (entités rejetées)")
        FAILED = "failed", _("échec")
        CANCELLED = "cancelled", _("annulé")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    layer = models.CharField(max_length=60)
    file_name = models.CharField(max_length=255, help_text="the name the planner uploaded")
    path = models.CharField(max_length=500, help_text="where the upload is kept, set by the server")
    size = models.BigIntegerField(default=0)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    stage = models.CharField(max_length=20, blank=True)
    done = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    report = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    lang = models.CharField(
        max_length=8, blank=True, help_text="the uploader's language: the job's reports speak it"
    )
    queue_job_id = models.BigIntegerField(
        null=True, blank=True, help_text="the job of the queue (procrastinate) that runs it"
    )
    cancelled_by = models.CharField(
        max_length=150, blank=True, help_text="who asked to cancel the run"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} -> {self.layer} ({self.status})"
