"""The abstract feature every layer model subclasses, the database-kept version counters and
history that every write path (ORM, admin, pygeoapi, ingest, raw SQL) goes through, and the edit
scopes that limit a group's right to edit a layer to districts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.gis.db import models
from django.contrib.gis.geos import GEOSGeometry
from django.contrib.postgres.indexes import GistIndex
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import pgettext_lazy

from layers.common.conf import gis_settings
from layers.common.registry import layers

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


class JSONTextField(models.JSONField):
    """A JSON document stored as PostgreSQL ``json`` (its text, as written) instead of ``jsonb``.

    The history's rows are written in bulk by a trigger and read one at a time: as ``jsonb``,
    PostgreSQL would parse each GeoJSON geometry's every coordinate into its binary form on the
    write, the larger part of what the history adds to a bulk insert (``layers_record_changes``).
    ``json`` has no equality or containment operators: compare or filter on ``::jsonb`` in SQL."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        return "json"

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        # psycopg has decoded it (Django has only jsonb handed over as text, for json.loads).
        return value


class HistoryEntry(models.Model):
    """A change of one row, recorded by the history triggers (``layers_record_changes``, called
    once a statement). ``old``/``new`` are the whole row as JSON, its columns in the table's
    order, the geometry as GeoJSON in the storage SRID."""

    class Op(models.TextChoices):
        INSERT = "I", "insert"
        UPDATE = "U", "update"
        DELETE = "D", "delete"

    table_name = models.CharField(max_length=63)
    row_id = models.BigIntegerField()
    op = models.CharField(max_length=1, choices=Op.choices)
    at = models.DateTimeField(db_default=Now())
    actor = models.CharField(max_length=150, null=True, blank=True)
    old = JSONTextField(null=True)
    new = JSONTextField(null=True)

    class Meta:
        db_table = "layers_history"
        indexes = [models.Index(fields=["table_name", "row_id", "at"], name="layers_history_row")]
        ordering = ["at", "id"]
        verbose_name_plural = "history"

    def __str__(self) -> str:
        return (
            f"{self.table_name}#{self.row_id} {self.get_op_display()} at {self.at:%Y-%m-%d %H:%M}"
        )


def layer_choices() -> list[tuple[str, str]]:
    """The registry's layers, as the choices of a field that names one by its slug. A callable,
    so the choices follow the registry without a migration."""
    return [(lyr.slug, f"{lyr.title()} ({lyr.slug})") for lyr in layers()]


class EditScope(models.Model):
    """A group's right to edit a layer, limited to districts: what the group's change permission
    on the layer lets its members write lies inside the union of ``districts``. Who is limited
    by which scopes is ``layers.common.scopes.user_scope``; a group without a scope for a layer
    edits it everywhere."""

    group = models.ForeignKey("auth.Group", on_delete=models.CASCADE, related_name="edit_scopes")
    layer = models.CharField(
        max_length=63,
        choices=layer_choices,
        help_text=pgettext_lazy("help", "l'identifiant (slug) de la couche"),
    )
    # The arrondissements of the boundaries layer, by their app label: the scope names them, it
    # does not import their model (this app is the one the layer apps build on).
    districts = models.ManyToManyField(
        "boundaries.Arrondissement",
        related_name="edit_scopes",
        help_text=pgettext_lazy(
            "help",
            "les membres du groupe ne peuvent modifier la couche qu'à l'intérieur de ces arrondissements",
        ),
    )

    class Meta:
        db_table = "layers_editscope"
        constraints = [
            models.UniqueConstraint(fields=["group", "layer"], name="layers_editscope_group_layer")
        ]
        ordering = ["group__name", "layer"]

    def __str__(self) -> str:
        return f"{self.group} / {self.layer}"
