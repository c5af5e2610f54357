"""The schema of a collection's features (OGC API - Features - Part 5, JSON Schema 2020-12),
generated from the layer registry and the layer's model.

Desktop clients build their attribute table from it: QGIS (3.32+, when the server declares the
Part 5 ``schemas`` conformance class) takes each property that has a ``type`` as a field, orders
the fields by ``x-ogc-propertySeq`` (its JSON reader does not keep the order of the keys), makes
``readOnly`` fields read-only in its forms, uses ``title`` as the field's alias, and the
``x-ogc-role: primary-geometry`` property's ``format`` as the layer's geometry type, so that
features can be added to a layer that has none yet.

What each property says:

- ``title``: the attribute's name in the request's language, as the portal's popups, editor and
  downloads name it (:mod:`layers.common.labels`): QGIS's alias, "Surface calculée (m²)" rather
  than the column ``computed_area_m2``;
- ``type`` (and ``format`` for dates and times) from :func:`layers.common.registry.simple_type`,
  the same types as the queryables;
- ``readOnly: true`` for what a write cannot set (the id, generated columns such as computed areas
  and grades, fields the model marks not editable such as timestamps): the write path ignores
  them (``ogc.actions``);
- ``enum`` for coded values (the model field's choices), ``maxLength`` for bounded text,
  ``minimum`` / ``maximum`` from the model field's validators (the tightest bound when several
  apply, the column's own range included), ``default`` when the model gives a constant one;
- ``x-ogc-role``: ``id`` for the feature id, ``primary-instant`` for the layer's datetime field,
  ``primary-geometry`` for the geometry (which has no ``type``: it is not an attribute);
- ``required`` (at the top) lists what a new feature must carry.
"""

from __future__ import annotations

from typing import Any

from django.core import validators
from django.db import models
from django.utils import translation

from layers.common.labels import field_label
from layers.common.registry import Layer, simple_type

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_REL = "http://www.opengis.net/def/rel/ogc/1.0/schema"
CONFORMANCE = "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas"
MEDIA_TYPE = "application/schema+json"
GEOMETRY_PROPERTY = "geometry"  # the GeoJSON member the geometry is read from and written to

# Part 5's geometry formats, by OGC simple-feature type name.
GEOMETRY_FORMATS = {
    "Point": "geometry-point",
    "MultiPoint": "geometry-multipoint",
    "LineString": "geometry-linestring",
    "MultiLineString": "geometry-multilinestring",
    "Polygon": "geometry-polygon",
    "MultiPolygon": "geometry-multipolygon",
    "GeometryCollection": "geometry-geometrycollection",
}

JSON_TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
}


def is_read_only(field: models.Field[Any, Any]) -> bool:
    """What no write can set: the key, generated columns, fields the model marks not editable
    (``auto_now`` timestamps). The write path (``ogc.actions``) takes the same view."""
    return field.primary_key or not field.editable or isinstance(field, models.GeneratedField)


def _value_field(field: models.Field[Any, Any]) -> models.Field[Any, Any]:
    """The field that holds the value: a generated column's output field, a foreign key's
    target."""
    if isinstance(field, models.GeneratedField) and field.output_field is not None:
        return field.output_field
    if isinstance(field, models.ForeignKey) and field.target_field is not None:
        return field.target_field
    return field


def _bounds(field: models.Field[Any, Any]) -> dict[str, Any]:
    """``minimum`` / ``maximum`` from the field's validators (the tightest of each); bounds given
    as callables are left out (they may change between two reads of the schema)."""
    lows, highs = [], []
    for v in field.validators:
        if not isinstance(v, validators.BaseValidator) or callable(v.limit_value):
            continue
        if isinstance(v, validators.MinValueValidator):
            lows.append(v.limit_value)
        elif isinstance(v, validators.MaxValueValidator):
            highs.append(v.limit_value)
    out: dict[str, Any] = {}
    if lows:
        out["minimum"] = max(lows)
    if highs:
        out["maximum"] = min(highs)
    return out


def property_schema(layer: Layer, name: str) -> dict[str, Any]:
    """The schema of the published attribute ``name`` of ``layer``."""
    field = layer.model_field(name)
    value_field = _value_field(field)
    prop: dict[str, Any] = {**JSON_TYPES[simple_type(field)], "title": field_label(name)}
    if field.help_text:
        prop["description"] = str(field.help_text)
    if field.choices:
        prop["enum"] = [value for value, _label in field.flatchoices]
    max_length = getattr(value_field, "max_length", None)
    if isinstance(value_field, (models.CharField, models.TextField)) and max_length:
        prop["maxLength"] = max_length
    if not is_read_only(field):
        prop.update(_bounds(value_field))
    if name == "id" or field.primary_key:
        prop["x-ogc-role"] = "id"
    elif name == layer.options.datetime_field:
        prop["x-ogc-role"] = "primary-instant"
    if is_read_only(field):
        prop["readOnly"] = True
    elif field.has_default() and not callable(field.default):
        prop["default"] = field.default
    return prop


def required_properties(layer: Layer) -> list[str]:
    """Attributes a new feature must carry: writable, not nullable, without a default, and not
    text that may be blank."""
    out = []
    for name in layer.options.fields:
        field = layer.model_field(name)
        if is_read_only(field) or field.null or field.blank or field.has_default():
            continue
        if field.db_default is not models.NOT_PROVIDED:
            continue
        out.append(name)
    return out


def collection_schema(layer: Layer, *, url: str, lang: str = "fr") -> dict[str, Any]:
    """The Part 5 schema of ``layer``'s features, published at ``url``, in ``lang``: its
    properties in the registry's order (``x-ogc-propertySeq`` 1, 2...), then the geometry."""
    with translation.override(lang):
        return _collection_schema(layer, url=url, lang=lang)


def _collection_schema(layer: Layer, *, url: str, lang: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for seq, name in enumerate(layer.options.fields, start=1):
        properties[name] = {**property_schema(layer, name), "x-ogc-propertySeq": seq}
    geometry_format = GEOMETRY_FORMATS.get(layer.geometry_type, "geometry-any")
    properties[GEOMETRY_PROPERTY] = {
        "title": field_label(GEOMETRY_PROPERTY),
        "format": geometry_format,
        "x-ogc-role": "primary-geometry",
    }
    schema: dict[str, Any] = {
        "$schema": JSON_SCHEMA,
        "$id": url,
        "type": "object",
        "title": layer.title(lang),
        "properties": properties,
    }
    description = layer.options.description.get(lang) or layer.options.description.get("fr")
    if description:
        schema["description"] = description
    schema["required"] = [*required_properties(layer), GEOMETRY_PROPERTY]
    return schema
