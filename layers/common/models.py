"""The abstract feature every layer model subclasses, and the database-kept version counters and
history that every write path (ORM, admin, pygeoapi, ingest, raw SQL) goes through."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.gis.db import models
from django.contrib.gis.geos import GEOSGeometry
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Q
from django.db.models.functions import Now

from layers.common.conf import gis_settings

STORAGE_SRID: int = gis_settings()["STORAGE_SRID"]


class Feature(models.Model):
    """Base of every layer model. Subclasses declare ``geom`` with ``srid=STORAGE_SRID`` and
    ``spatial_index=False`` (the named GiST index below replaces GeoDjango's unnamed one), and
    their ``Meta`` inherits ``Feature.Meta``. Timestamps have database defaults, so rows written
    by SQL (ingest, pygeoapi) get them too."""

    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    if TYPE_CHECKING:
        geom: GEOSGeometry

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(geom__isvalid=True), name="%(app_label)s_%(class)s_geom_valid"
            ),
        ]
        indexes = [GistIndex(fields=["geom"], name="%(class)s_geom_gist")]


class LayerVersion(models.Model):
    """One row per layer table; a statement-level trigger bumps ``version`` on every write, so tile
    caches and ETags can key on it."""

    table_name = models.CharField(max_length=63, primary_key=True)
    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "layers_version"

    def __str__(self) -> str:
        return f"{self.table_name} v{self.version}"


class HistoryEntry(models.Model):
    """A change of one row, recorded by the history triggers (``layers_record_changes``, called
    once a statement). ``old``/``new`` are the whole row as JSON, the geometry as GeoJSON in the
    storage SRID."""

    class Op(models.TextChoices):
        INSERT = "I", "insert"
        UPDATE = "U", "update"
        DELETE = "D", "delete"

    table_name = models.CharField(max_length=63)
    row_id = models.BigIntegerField()
    op = models.CharField(max_length=1, choices=Op.choices)
    at = models.DateTimeField(db_default=Now())
    actor = models.CharField(max_length=150, null=True, blank=True)
    old = models.JSONField(null=True)
    new = models.JSONField(null=True)

    class Meta:
        db_table = "layers_history"
        indexes = [models.Index(fields=["table_name", "row_id", "at"], name="layers_history_row")]
        ordering = ["at", "id"]
        verbose_name_plural = "history"

    def __str__(self) -> str:
        return (
            f"{self.table_name}#{self.row_id} {self.get_op_display()} at {self.at:%Y-%m-%d %H:%M}"
        )
