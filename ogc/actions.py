"""Writes through OGC API Features - Part 4 (create, replace, update, delete).

Each write runs in one transaction on Django's connection with ``geoportal.actor`` set to the
user, so the history triggers attribute it; the row is locked and its ETag checked against
``If-Match`` first, so two planners editing the same feature cannot overwrite each other unseen.
Geometries arrive in CRS84 unless the client names another CRS (``Content-Crs``) and are read
by ``layers.common.geojson``, with the axis order of that CRS, into the storage SRID.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from psycopg import sql

from layers.common.errors import (
    Conflict,
    GisError,
    InvalidGeometry,
    InvalidRequest,
    MalformedBody,
    NotFound,
    PayloadTooLarge,
    UnprocessableEntity,
)
from layers.common.extent import inside_municipal_extent
from layers.common.geojson import CRS84, parse_geometry
from layers.common.guards import check_feature_write
from layers.common.history import set_transaction_actor
from layers.common.models import Feature
from layers.common.registry import Layer
from layers.common.users import AnyUser
from ogc.conf import ogc_settings
from ogc.config import offered_crs

DEFAULT_CONTENT_CRS = CRS84


class InvalidAttributes(InvalidRequest):
    """Attributes a layer does not have, or values its fields refuse (400, naming them).
    ``errors``: each attribute at fault with its reasons, for a form to show at the field."""

    code = "invalid-attributes"
    title = _("Invalid attributes")

    def __init__(self, detail: str, *, errors: dict[str, list[str]] | None = None) -> None:
        self.errors = errors or {}
        super().__init__(detail, field=next(iter(self.errors), None))

    def extensions(self) -> dict[str, Any]:
        return {**super().extensions(), "errors": self.errors}


class UnprocessableGeometry(UnprocessableEntity):
    """A geometry that reads as GeoJSON but cannot be stored: invalid, of the wrong type, outside
    the municipal extent (422, with the reason; QGIS shows it)."""

    code = "invalid-geometry"
    title = _("Invalid geometry")


class PreconditionFailed(GisError):
    http_status = 412
    title = _("Precondition failed")


class PreconditionRequired(GisError):
    http_status = 428
    title = _("Precondition required")


@dataclass(frozen=True)
class WriteResult:
    id: int
    etag: str | None


def feature_etag(layer: Layer, pk: int, *, lock: bool = False) -> str | None:
    """A strong ETag of the stored row (every column), or ``None`` if there is no such row. It
    changes with any write, whatever path made it (ORM, admin, ingest, SQL)."""
    query = sql.SQL("SELECT md5(to_jsonb(t)::text) FROM {} AS t WHERE t.id = %s{}").format(
        sql.Identifier(layer.table), sql.SQL(" FOR UPDATE") if lock else sql.SQL("")
    )
    with connection.cursor() as cur:
        cur.execute(query, [pk])
        row = cur.fetchone()
    return f'"{row[0]}"' if row else None


def _etag_matches(if_match: str, etag: str) -> bool:
    tags = [t.strip() for t in if_match.split(",")]
    return "*" in tags or etag in tags


def parse_content_crs(header: str | None) -> str:
    """The CRS of a request body: ``Content-Crs: <uri>``; CRS84 when absent."""
    if not header:
        return DEFAULT_CONTENT_CRS
    uri = header.strip().strip("<>").strip()
    if uri not in offered_crs():
        raise GisError(
            gettext("Content-Crs %(uri)s is not supported; use one of %(offered)s")
            % {"uri": uri, "offered": offered_crs()}
        )
    return uri


def to_storage_geometry(layer: Layer, geometry: Any, content_crs: str) -> GEOSGeometry:
    """A GeoJSON geometry in ``content_crs`` -> a valid geometry of the layer's type in the
    storage SRID, inside the municipal extent."""
    if not isinstance(geometry, dict):
        raise UnprocessableGeometry(gettext("geometry is required (a GeoJSON geometry object)"))
    try:
        geom = parse_geometry(geometry, content_crs, geometry_type=layer.geometry_type)
    except InvalidGeometry as exc:
        raise UnprocessableGeometry(str(exc)) from None
    if not inside_municipal_extent(geom):
        raise UnprocessableGeometry(gettext("geometry lies outside the municipal extent"))
    return geom


def writable_fields(layer: Layer) -> dict[str, models.Field[Any, Any]]:
    """Published fields a client may set: not the id, not generated or read-only columns."""
    out = {}
    for name in layer.options.fields:
        f = layer.model_field(name)
        if f.primary_key or not f.editable or isinstance(f, models.GeneratedField):
            continue
        out[name] = f
    return out


def _apply(layer: Layer, obj: Feature, feature: Any, content_crs: str, *, partial: bool) -> None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise MalformedBody(gettext("the body must be a GeoJSON Feature"))
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise MalformedBody(gettext("properties must be an object"))
    published = set(layer.options.fields)
    unknown = sorted(k for k in props if k not in published)
    if unknown:
        raise InvalidAttributes(
            gettext("unknown attributes: %(names)s") % {"names": ", ".join(unknown)},
            errors={name: [gettext("unknown attribute")] for name in unknown},
        )
    writable = writable_fields(layer)
    creating = obj.pk is None
    for name, field in writable.items():
        if name in props:
            value = props[name]
        elif partial or creating:
            continue  # a new object keeps the model's defaults (including the database's)
        elif field.has_default():  # replace: what the client left out goes back to its default
            value = field.get_default()
        elif field.null:
            value = None
        elif isinstance(field, (models.CharField, models.TextField)):
            value = ""
        elif field.db_default is not models.NOT_PROVIDED:
            continue  # set by the database when the row was made (reported_at): kept
        else:
            value = None  # refused below as required
        if (
            value is None
            and not field.null
            and isinstance(field, (models.CharField, models.TextField))
        ):
            value = ""
        setattr(obj, field.attname, value)
    if "geometry" in feature or not partial:
        obj.geom = to_storage_geometry(layer, feature.get("geometry"), content_crs)
    exclude = [f.name for f in layer.model._meta.fields if f.name not in writable]
    errors: dict[str, list[str]] = {}
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = {attr: [str(m) for m in msgs] for attr, msgs in exc.message_dict.items()}
    for attr, message in _broken_checks(layer, obj, set(writable) - set(errors)):
        errors.setdefault(attr, []).append(message)
    if errors:
        reasons = "; ".join(f"{attr}: {' '.join(msgs)}" for attr, msgs in errors.items())
        raise InvalidAttributes(
            gettext("invalid attributes: %(reasons)s") % {"reasons": reasons}, errors=errors
        ) from None


def _broken_checks(layer: Layer, obj: Feature, fields: set[str]) -> list[tuple[str, str]]:
    """The model's CHECK constraints on one attribute (a parcel reference's format, a grade at
    most 100) that ``obj`` breaks, as (attribute, message): the database would refuse them too,
    without saying which attribute a form should mark."""
    out = []
    for constraint in layer.model._meta.constraints:
        if not isinstance(constraint, models.CheckConstraint):
            continue
        condition = constraint.condition
        names = {
            child[0].split("__")[0]
            for child in getattr(condition, "children", ())
            if isinstance(child, tuple)
        }
        if len(names) != 1 or not names <= fields:
            continue
        try:
            constraint.validate(layer.model, obj)
        except ValidationError:
            (name,) = names
            out.append((name, f"breaks the layer rule {constraint.name}"))
    return out


def _set_actor(user: AnyUser) -> None:
    with connection.cursor() as cur:
        set_transaction_actor(cur, user.get_username())


def _locked(layer: Layer, pk: Any, if_match: str | None) -> Feature:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(gettext("no such feature")) from None
    etag = feature_etag(layer, pk, lock=True)
    if etag is None:
        raise NotFound(gettext("no such feature"))
    if not if_match and ogc_settings()["REQUIRE_IF_MATCH"]:
        raise PreconditionRequired(
            gettext("send If-Match with the ETag of the feature as you read it")
        )
    if if_match and not _etag_matches(if_match, etag):
        raise PreconditionFailed(gettext("the feature changed since it was read (ETag mismatch)"))
    return layer.model._default_manager.get(pk=pk)


def _parse(body: bytes) -> Any:
    if len(body) > ogc_settings()["MAX_BODY_BYTES"]:
        raise PayloadTooLarge(
            gettext("the body is larger than %(limit)s bytes")
            % {"limit": ogc_settings()["MAX_BODY_BYTES"]}
        )
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedBody(gettext("the body is not JSON: %(error)s") % {"error": exc}) from None


def _refuse_existing_id(layer: Layer, feature: Any) -> None:
    """A new feature gets its id from the server. One that carries the id of an existing feature
    (as ``id`` or in its properties) is a conflict: the client meant to replace it (PUT). An id
    that names no feature is ignored; ``Location`` gives the one assigned."""
    if not isinstance(feature, dict):
        return
    props = feature.get("properties")
    given = [feature.get("id"), props.get("id") if isinstance(props, dict) else None]
    for value in given:
        if value is None or isinstance(value, bool):
            continue
        try:
            pk = int(value)
        except (TypeError, ValueError):
            continue
        if layer.model._default_manager.filter(pk=pk).exists():
            raise Conflict(
                gettext("feature %(id)s already exists; replace it with PUT on its address")
                % {"id": pk}
            )


@transaction.atomic
def create_feature(layer: Layer, user: AnyUser, body: bytes, content_crs: str) -> WriteResult:
    feature = _parse(body)
    _refuse_existing_id(layer, feature)
    obj = layer.model()
    _apply(layer, obj, feature, content_crs, partial=False)
    check_feature_write(layer, user, pk=None, before=None, after=obj.geom)
    _set_actor(user)
    obj.save()
    return WriteResult(obj.pk, feature_etag(layer, obj.pk))


@transaction.atomic
def replace_feature(
    layer: Layer, user: AnyUser, pk: Any, body: bytes, content_crs: str, if_match: str | None
) -> WriteResult:
    feature = _parse(body)
    obj = _locked(layer, pk, if_match)
    before = obj.geom
    _apply(layer, obj, feature, content_crs, partial=False)
    check_feature_write(layer, user, pk=obj.pk, before=before, after=obj.geom)
    _set_actor(user)
    obj.save()
    return WriteResult(obj.pk, feature_etag(layer, obj.pk))


@transaction.atomic
def update_feature(
    layer: Layer, user: AnyUser, pk: Any, body: bytes, content_crs: str, if_match: str | None
) -> WriteResult:
    feature = _parse(body)
    if isinstance(feature, dict) and "type" not in feature:
        feature = {**feature, "type": "Feature"}  # a bare patch: {"properties": {...}}
    obj = _locked(layer, pk, if_match)
    before = obj.geom
    _apply(layer, obj, feature, content_crs, partial=True)
    check_feature_write(layer, user, pk=obj.pk, before=before, after=obj.geom)
    _set_actor(user)
    obj.save()
    return WriteResult(obj.pk, feature_etag(layer, obj.pk))


@transaction.atomic
def delete_feature(layer: Layer, user: AnyUser, pk: Any, if_match: str | None) -> WriteResult:
    obj = _locked(layer, pk, if_match)
    check_feature_write(layer, user, pk=obj.pk, before=obj.geom, after=None)
    _set_actor(user)
    obj.delete()
    return WriteResult(int(pk), None)
