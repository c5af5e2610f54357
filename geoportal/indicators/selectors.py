"""Reads of the indicators: computed in SQL (:mod:`geoportal.indicators.measures`) and kept in
Django's cache under a key made of the source layers' versions, as tiles are, so a write to any
of them is seen at the next read and nothing is recomputed until then."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from psycopg import sql

from geoportal.indicators.definitions import CENSUS, INDICATORS, Indicator, visible_indicators
from geoportal.indicators.measures import MEASURE_PREFIX, measure_columns, measure_query
from layers.boundaries.models import Arrondissement
from layers.common.registry import get_layer
from layers.common.selectors import layer_stamps

CACHE_PREFIX = "indicators:v1:"
CACHE_SECONDS = 24 * 3600  # the key changes on every write; this only bounds an unused entry


def source_layers() -> list[str]:
    """The slugs of every layer an indicator reads."""
    slugs = {s for ind in INDICATORS for s in ind.sources if s != CENSUS}
    return sorted(slugs | {"arrondissements"})


def data_version(using: str | None = None) -> str:
    """The source layers' versions as one token: ``arrondissements=v12-…;roads=v3-…``, read where
    the request reads, or from the database ``using``."""
    stamps = layer_stamps((get_layer(slug) for slug in source_layers()), using=using)
    return ";".join(f"{slug}={stamps[slug].token}" for slug in sorted(stamps))


@dataclass(frozen=True)
class Row:
    """An arrondissement's figures (``id`` None: the whole city)."""

    id: int | None
    code: str
    name_fr: str
    name_ar: str
    measures: dict[str, float | None]
    values: dict[str, float | None] = field(default_factory=dict)

    def name(self, lang: str) -> str:
        return (self.name_ar if lang == "ar" else "") or self.name_fr


@dataclass(frozen=True)
class Figures:
    version: str  # data_version() when computed
    rows: list[Row]  # the arrondissements, by id
    city: Row


def _compute(indicators: list[Indicator]) -> tuple[list[Row], Row]:
    statement, params = measure_query(indicators)
    measures = measure_columns()
    with connection.cursor() as cur:
        cur.execute(statement.as_string(), params)
        names = [d.name for d in cur.description]
        records = cur.fetchall()
    rows: list[Row] = []
    for record in records:
        data = dict(zip(names, record, strict=True))
        rows.append(
            Row(
                id=data["id"],
                code=data["code"],
                name_fr=data["name_fr"],
                name_ar=data["name_ar"],
                measures={m: _number(data[MEASURE_PREFIX + m]) for m in measures},
                values={ind.key: _number(data[ind.key]) for ind in indicators},
            )
        )
    city = rows.pop()  # ORDER BY id NULLS LAST: the city is the last row
    return rows, city


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def city_figures() -> Figures:
    """Every indicator (staff-only ones included: the views choose what to show) for each
    arrondissement and the city, from the cache when no source layer changed."""
    version = data_version()
    key = CACHE_PREFIX + hashlib.sha256(version.encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return _load(cached, version)
    rows, city = _compute(list(INDICATORS))
    figures = Figures(version=version, rows=rows, city=city)
    cache.set(key, _dump(figures), CACHE_SECONDS)
    return figures


def _dump(figures: Figures) -> str:
    def row(r: Row) -> dict[str, Any]:
        return {
            "id": r.id,
            "code": r.code,
            "name_fr": r.name_fr,
            "name_ar": r.name_ar,
            "measures": r.measures,
            "values": r.values,
        }

    return json.dumps({"rows": [row(r) for r in figures.rows], "city": row(figures.city)})


def _load(text: str, version: str) -> Figures:
    data = json.loads(text)
    return Figures(version=version, rows=[Row(**r) for r in data["rows"]], city=Row(**data["city"]))


def boundaries_geojson(precision: int = 5) -> dict[int, dict[str, Any]]:
    """Each arrondissement's outline in EPSG:4326, as a GeoJSON geometry, by id."""
    statement = sql.SQL(
        "SELECT id, ST_AsGeoJSON(ST_Transform(geom, %(srid)s), %(precision)s) FROM {}"
    ).format(sql.Identifier(Arrondissement._meta.db_table))
    with connection.cursor() as cur:
        cur.execute(
            statement.as_string(),
            {"srid": settings.GIS["API_SRID"], "precision": precision},
        )
        return {pk: json.loads(geometry) for pk, geometry in cur.fetchall()}


def indicators_for(staff: bool) -> list[Indicator]:
    return visible_indicators(staff)
