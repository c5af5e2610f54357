"""What the portal's map editor reads besides the OGC API it writes through: the layers a user may
edit with their attribute forms (generated from the registry and the models), a feature's past
versions (``layers_history``), and who else has it open.

Writes never happen here: saving, restoring a version and undoing a save are OGC API Features -
Part 4 requests (``ogc.actions``), the path QGIS uses, so the layer's rules, the writer's edit
scope and the ``If-Match`` check apply to them all alike.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.core import validators
from django.db import models
from django.db.models import Max, Q
from django.utils import timezone, translation

from geoportal.models import EditPresence
from geoportal.portal.selectors import legend
from layers.common import scopes
from layers.common.errors import Forbidden
from layers.common.labels import field_labels
from layers.common.models import HistoryEntry
from layers.common.registry import GEOMETRY_FIELD, Layer, layers, simple_type
from layers.common.selectors import feature_history
from layers.common.users import AnyUser
from ogc.actions import writable_fields


def editor_settings() -> dict[str, Any]:
    return settings.EDITOR


def editable_layers(user: AnyUser) -> list[Layer]:
    """The layers ``user`` may change, in layer-tree order (none for the anonymous user)."""
    if not user.is_authenticated:
        return []
    return [layer for layer in layers() if layer.user_can_edit(user)]


# --- attribute forms ----------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _check_limits(layer: Layer) -> dict[str, dict[str, Any]]:
    """What the model's CHECK constraints say of single attributes, as form limits: a regex
    (``pattern``) or a bound (``max``/``min``). Constraints over several columns are left to
    the server, whose refusal names them."""
    lookups = {"regex": "pattern", "lte": "max", "gte": "min", "lt": "max", "gt": "min"}
    out: dict[str, dict[str, Any]] = {}
    for constraint in layer.model._meta.constraints:
        condition = getattr(constraint, "condition", None)
        if not isinstance(condition, Q) or condition.connector != Q.AND or condition.negated:
            continue
        for child in condition.children:
            if not isinstance(child, tuple):
                continue
            name, _, lookup = child[0].partition("__")
            if lookup in lookups and not isinstance(child[1], (Q, models.Expression)):
                out.setdefault(name, {})[lookups[lookup]] = child[1]
    return out


def _form_field(name: str, field: models.Field[Any, Any], labels: dict) -> dict:
    kind = simple_type(field)
    spec: dict[str, Any] = {
        "name": name,
        "label": labels.get(name) or str(field.verbose_name),
        "type": kind,
        "help": str(field.help_text or ""),
        # A value is required when the model refuses an empty one and has no default for it.
        "required": not field.blank
        and not field.has_default()
        and field.db_default is models.NOT_PROVIDED,
        "nullable": field.null,
        # Set by the database when left out (a report's date): an empty field is not sent.
        "database_default": field.db_default is not models.NOT_PROVIDED and not field.null,
        "text": isinstance(field, models.TextField),
    }
    if field.choices:
        spec["choices"] = [{"value": v, "label": str(lbl)} for v, lbl in field.choices]
    if getattr(field, "max_length", None):
        spec["max_length"] = field.max_length
    if field.has_default():
        spec["default"] = _json_value(field.get_default())
    for validator in field.validators:
        if isinstance(validator, validators.MinValueValidator):
            spec["min"] = validator.limit_value
        elif isinstance(validator, validators.MaxValueValidator):
            spec["max"] = validator.limit_value
    if isinstance(field, models.ForeignKey):
        spec["type"] = "integer"
    return spec


def form_fields(layer: Layer, lang: str) -> list[dict[str, Any]]:
    """The attribute form of ``layer``: one entry per published attribute a client may set, in
    the registry's order, with its type, label in ``lang``, choices, whether it is required, its
    limits (validators, CHECK constraints) and default."""
    limits = _check_limits(layer)
    with translation.override(lang):
        labels = field_labels()
        specs = [(name, _form_field(name, f, labels)) for name, f in writable_fields(layer).items()]
    out = []
    for name, spec in specs:
        for key, value in limits.get(name, {}).items():
            spec.setdefault(key, value)
        if spec["type"] == "string" and "pattern" in spec:
            # HTML's pattern attribute is anchored already and uses JavaScript's syntax.
            # Browsers compile it with the ``v`` flag, where a class's literal "-" is escaped.
            spec["pattern"] = re.sub(r"^\^|\$$", "", spec["pattern"]).replace("-]", "\\-]")
        out.append(spec)
    return out


def read_only_fields(layer: Layer, lang: str) -> list[dict[str, Any]]:
    """Published attributes the server computes (``id``, ``computed_area_m2``): shown, not sent;
    ``plain``: a number shown as it is (an identifier), not grouped by thousands."""
    with translation.override(lang):
        labels = field_labels()
    writable = writable_fields(layer)
    plain = layer.plain_numbers()
    return [
        {"name": name, "label": labels.get(name, name), "plain": name in plain}
        for name in layer.options.fields
        if name not in writable
    ]


def editor_layers(user: AnyUser, lang: str) -> list[dict[str, Any]]:
    """Everything the editor needs of each layer ``user`` may edit."""
    out = []
    for layer in editable_layers(user):
        scope = scopes.user_scope(layer, user)
        out.append(
            {
                "slug": layer.slug,
                "title": layer.title(lang),
                "geometry_type": layer.geometry_type,
                "items": f"/ogc/collections/{layer.slug}/items",
                "label_field": layer.options.label_field,
                "style": layer.options.style.as_dict(),
                "legend": legend(layer, lang),
                "public": layer.public,
                "fields": form_fields(layer, lang),
                "read_only": read_only_fields(layer, lang),
                "rules": [
                    {"name": rule.name, "label": rule.label.get(lang) or rule.label["fr"]}
                    for rule in layer.options.rules
                ],
                "scope": (
                    {"districts": scope.names, "outline": scope.outline()} if scope else None
                ),
            }
        )
    return out


# --- history ------------------------------------------------------------------------------------


def _storage_geojson(value: Any) -> dict[str, Any] | None:
    """A history record's geometry (GeoJSON in the storage SRID, maybe with a ``crs`` member) as
    plain GeoJSON coordinates."""
    if not value:
        return None
    geometry = dict(value)
    geometry.pop("crs", None)
    return geometry


def _to_crs84(geometry: dict[str, Any] | None) -> dict[str, Any] | None:
    if geometry is None:
        return None
    geom = GEOSGeometry(json.dumps(geometry))
    geom.srid = settings.GIS["STORAGE_SRID"]  # GeoJSON reads as EPSG:4326; these are Lambert
    geom.transform(settings.GIS["API_SRID"])
    return json.loads(geom.geojson)


def feature_versions(layer: Layer, pk: int) -> list[dict[str, Any]]:
    """The feature's versions, newest first: who, when, what kind of write, which attributes
    changed, and the version itself (its published attributes and geometry, in the storage CRS
    for a restore that brings back the very coordinates, and in CRS84 to draw it)."""
    fields = list(layer.options.fields)
    columns = {name: layer.column(name) for name in fields}
    columns[GEOMETRY_FIELD] = layer.column(GEOMETRY_FIELD)
    out = []
    limit = editor_settings()["HISTORY_LIMIT"]
    for entry in feature_history(layer, pk, newest_first=True, limit=limit):
        row = entry.new if entry.op != HistoryEntry.Op.DELETE else entry.old
        row = row or {}
        before = entry.old or {}
        changed = [
            name
            for name, column in columns.items()
            if entry.op == HistoryEntry.Op.UPDATE and before.get(column) != row.get(column)
        ]
        geometry = _storage_geojson(row.get(columns[GEOMETRY_FIELD]))
        out.append(
            {
                "id": entry.pk,
                "at": entry.at.isoformat(),
                "actor": entry.actor or "",
                "op": entry.op,
                "changed": changed,
                "properties": {name: row.get(columns[name]) for name in fields},
                "geometry_storage": geometry,
                "geometry": _to_crs84(geometry),
            }
        )
    return out


# --- who else is editing ------------------------------------------------------------------------


def _user_id(user: AnyUser) -> int:
    if user.pk is None:  # the views let only signed-in editors here
        raise Forbidden("sign in to edit")
    return int(user.pk)


def mark_open(layer: Layer, pk: int, user: AnyUser) -> None:
    """``user`` has the feature open (again): the first mark sets since when."""
    now = timezone.now()
    ttl = dt.timedelta(seconds=editor_settings()["PRESENCE_TTL_S"])
    presence, created = EditPresence.objects.get_or_create(
        layer=layer.slug,
        feature_id=pk,
        user_id=_user_id(user),
        defaults={"opened_at": now, "seen_at": now},
    )
    if not created:
        stale = presence.seen_at < now - ttl  # reopened after a gap: a new session
        presence.seen_at = now
        if stale:
            presence.opened_at = now
        presence.save(update_fields=["seen_at", "opened_at"])


def mark_closed(layer: Layer, pk: int, user: AnyUser) -> None:
    EditPresence.objects.filter(layer=layer.slug, feature_id=pk, user_id=_user_id(user)).delete()


def others_editing(layer: Layer, pk: int, user: AnyUser) -> list[dict[str, Any]]:
    """Who else has the feature open now, and who else saved it in the last minutes: each name
    once, an open editor before a save."""
    now = timezone.now()
    options = editor_settings()
    open_now = (
        EditPresence.objects.filter(
            layer=layer.slug,
            feature_id=pk,
            seen_at__gte=now - dt.timedelta(seconds=options["PRESENCE_TTL_S"]),
        )
        .exclude(user_id=_user_id(user))
        .select_related("user")
        .order_by("opened_at")
    )
    out: list[dict[str, Any]] = []
    names = set()
    for presence in open_now:
        name = presence.user.get_username()
        names.add(name)
        out.append({"user": name, "kind": "open", "since": presence.opened_at.isoformat()})
    saves = (
        HistoryEntry.objects.filter(
            table_name=layer.table,
            row_id=pk,
            at__gte=now - dt.timedelta(seconds=options["RECENT_SAVE_S"]),
        )
        .exclude(actor__in=[user.get_username(), ""])
        .exclude(actor__isnull=True)
        .values("actor")
        .annotate(last=Max("at"))
        .order_by("-last")
    )
    for save in saves:
        if save["actor"] not in names:
            out.append({"user": save["actor"], "kind": "saved", "since": save["last"].isoformat()})
    return out
