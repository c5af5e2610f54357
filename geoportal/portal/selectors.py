"""Reads behind the portal: the layer tree, the search and the open-data catalogue."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection
from django.utils import translation
from psycopg import sql
from pyproj import Transformer

from geoportal.replicas import read_connection
from layers.common.basemap import basemap, vector_tile_url
from layers.common.conf import gis_settings
from layers.common.registry import (
    SEARCH_FIELD_RANK_STEP,
    THEMES,
    Layer,
    layers,
    visible_layers,
)
from layers.common.selectors import layer_stamps
from layers.common.users import AnyUser

SEARCH_LIMIT = 10  # suggestions returned
SEARCH_MIN_CHARS = 3  # trigram indexes need three characters
SEARCH_MAX_CHARS = 100
SEARCH_CANDIDATES = 200  # rows read per searched column before grouping by label
EXACT_COUNT_UP_TO = 200_000  # above, the open-data page shows the planner's estimate


def legend(layer: Layer, lang: str) -> list[dict[str, Any]]:
    """Legend entries: one swatch, or one per category of a categorised style."""
    style = layer.options.style.as_dict()
    kind = {"Point": "point", "MultiPoint": "point"}.get(layer.geometry_type)
    if kind is None:
        kind = "line" if "LineString" in layer.geometry_type else "polygon"
    if style["categories"]:
        labels = _choice_labels(layer, style["by"], lang)
        return [
            {"value": value, "label": labels.get(value, value), "color": colour, "kind": kind}
            for value, colour in style["categories"].items()
        ]
    return [{"label": layer.title(lang), "color": style["color"], "kind": kind}]


def _choice_labels(layer: Layer, field: str | None, lang: str) -> dict[str, str]:
    """The display names in ``lang`` of a coded attribute's values (``road_class``...)."""
    if not field:
        return {}
    choices = layer.model_field(field).choices or ()
    with translation.override(lang):
        return {str(value): str(label) for value, label in choices}


def _field_choices(layer: Layer, lang: str) -> dict[str, dict[str, str]]:
    """Display names of the coded values of the published attributes (``land_status``...)."""
    out = {}
    for name in layer.options.fields:
        labels = _choice_labels(layer, name, lang)
        if labels:
            out[name] = labels
    return out


def layer_tree(user: AnyUser, lang: str) -> dict[str, Any]:
    """The layers ``user`` may see, grouped by theme in registry order, for the portal's map."""
    themes: dict[str, dict[str, Any]] = {}
    for layer in visible_layers(user):
        opts = layer.options
        theme = themes.setdefault(
            opts.theme, {"id": opts.theme, "title": THEMES[opts.theme], "layers": []}
        )
        theme["layers"].append(
            {
                "slug": layer.slug,
                "title": dict(opts.title),
                "description": dict(opts.description),
                "geometry_type": layer.geometry_type,
                "internal": not layer.public,
                "visible": opts.visible,
                "min_zoom": opts.min_zoom,
                "max_zoom": opts.max_zoom,
                "style": opts.style.as_dict(),
                "legend": legend(layer, lang),
                "tile_fields": list(opts.tile_fields),
                "choices": _field_choices(layer, lang),
                "plain_numbers": list(layer.plain_numbers()),
                "label_field": opts.label_field,
                "tiles": vector_tile_url(layer.slug),
                "tilejson": f"/tiles/{layer.slug}.json",
                "ogc_items": f"/ogc/collections/{layer.slug}/items",
                "attribution": opts.attribution,
                "licence": opts.licence,
            }
        )
    return {
        "themes": list(themes.values()),
        "basemap": basemap(),
    }


# --- search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    layer: str
    id: int
    label: str
    matched: str
    bbox: tuple[float, float, float, float]  # lon/lat in API_SRID

    def as_dict(self, lang: str, titles: dict[str, str]) -> dict[str, Any]:
        west, south, east, north = self.bbox
        point = [round((west + east) / 2, 7), round((south + north) / 2, 7)]
        return {
            "layer": self.layer,
            "layer_title": titles[self.layer],
            "id": self.id,
            "label": self.label,
            "matched": self.matched,
            "bbox": [round(v, 7) for v in self.bbox],
            "point": point,
        }


def _escape_like(text: str) -> str:
    """LIKE's own wildcards escaped, so ``50%`` searches for ``50%``."""
    return re.sub(r"([\\%_])", r"\\\1", text)


def _search_branch(layer: Layer, field: str, rank: int, limit: int) -> sql.Composed:
    """One column's candidates grouped by label (segments of one street become one hit).

    The predicate is the indexed expression ``portal_unaccent(column)`` (the indexes are generated
    from the registry: ``geoportal/search_indexes.py``), so the search ignores case and accents and
    stays a trigram index scan on the big tables."""
    label = layer.options.label_field or field
    return sql.SQL(
        "(SELECT {slug}::text AS layer, {rank} AS rank, min(id) AS id, label, matched, "
        "ST_Extent(geom) AS box "
        " FROM (SELECT id, {label}::text AS label, {field}::text AS matched, geom "
        "         FROM {table} WHERE portal_unaccent({field}) ILIKE portal_unaccent(%(pattern)s) "
        "        LIMIT {candidates}) AS c "
        " GROUP BY label, matched "
        " ORDER BY portal_unaccent(matched) ILIKE portal_unaccent(%(prefix)s) DESC, "
        "          length(matched), matched LIMIT {limit})"
    ).format(
        slug=sql.Literal(layer.slug),
        rank=sql.Literal(rank),
        label=sql.Identifier(layer.column(label)),
        field=sql.Identifier(layer.column(field)),
        table=sql.Identifier(layer.table),
        candidates=sql.Literal(SEARCH_CANDIDATES),
        limit=sql.Literal(int(limit)),
    )


def _layer_rank(layer: Layer, field_index: int) -> int:
    """The registry's ``search_priority`` of the layer (places first, then parcel references and
    streets...), after every first search field when the match is in a later one (a parcel's
    address ranks after every place name)."""
    return layer.options.search_priority + SEARCH_FIELD_RANK_STEP * field_index


def _fold(text: str) -> str:
    """Lower case without accents, to class matches as the database compared them."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _match_class(matched: str, text: str) -> int:
    """0 the whole attribute, 1 its start, 2 the start of a word, 3 anywhere inside."""
    m, t = _fold(matched), _fold(text)
    if m == t:
        return 0
    if m.startswith(t):
        return 1
    if re.search(r"(^|[\s,'’(/-])" + re.escape(t), m):
        return 2
    return 3


def build_search_query(text: str, user: AnyUser, limit: int) -> tuple[str, dict[str, str]] | None:
    """The search statement and its parameters, or None when there is nothing to search."""
    text = normalise_query(text)
    if len(text) < SEARCH_MIN_CHARS:
        return None
    branches = [
        _search_branch(lyr, f, _layer_rank(lyr, i), limit)
        for lyr in visible_layers(user)
        for i, f in enumerate(lyr.options.search_fields)
    ]
    if not branches:
        return None
    query = sql.SQL(
        "SELECT layer, rank, id, label, matched, "
        "ST_XMin(box), ST_YMin(box), ST_XMax(box), ST_YMax(box) FROM ({branches}) AS hits"
    ).format(branches=sql.SQL(" UNION ALL ").join(branches))
    escaped = _escape_like(text)
    params = {"pattern": f"%{escaped}%", "prefix": f"{escaped}%"}
    return query.as_string(connection.connection), params


@cache
def _to_api() -> Transformer:
    gis = gis_settings()
    return Transformer.from_crs(gis["STORAGE_SRID"], gis["API_SRID"], always_xy=True)


def _box_to_api(to_api: Transformer, box: list[float]) -> tuple[float, float, float, float]:
    """A storage-SRID box as the lon/lat box of its four corners. Done here rather than with
    ``ST_Transform``: PostGIS sets up the PROJ transformation again for every statement, which
    cost more than the whole indexed search (``bench/bench_portal.py``)."""
    xmin, ymin, xmax, ymax = box
    lons, lats = to_api.transform([xmin, xmin, xmax, xmax], [ymin, ymax, ymin, ymax])
    return min(lons), min(lats), max(lons), max(lats)


def normalise_query(text: str) -> str:
    return " ".join(text.split())[:SEARCH_MAX_CHARS]


def search(text: str, user: AnyUser, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """Features of the layers ``user`` may see whose searched attributes contain ``text``.

    One query: a UNION ALL of per-column branches, each an indexed ILIKE with its own limit. Hits
    are ordered by how well they match (whole, start, word start, inside), then by layer and
    attribute priority, then shorter first."""
    built = build_search_query(text, user, limit)
    if built is None:
        return []
    text = normalise_query(text)
    with read_connection().cursor() as cur:
        cur.execute(*built)
        rows = cur.fetchall()
    rows.sort(key=lambda r: (_match_class(r[4] or "", text), r[1], len(r[4] or ""), r[4] or ""))
    to_api = _to_api()
    hits: list[SearchHit] = []
    seen: set[tuple[str, str]] = set()
    for layer, _rank, pk, label, matched, *box in rows:
        if (layer, label) in seen:
            continue
        seen.add((layer, label))
        hits.append(SearchHit(layer, pk, label or matched, matched, _box_to_api(to_api, box)))
        if len(hits) >= limit:
            break
    return hits


# --- open data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueEntry:
    layer: Layer
    title: str
    description: str
    theme: str
    licence: str
    attribution: str
    updated: datetime | None
    count: int
    estimated: bool


def _feature_counts(tables: list[str]) -> dict[str, tuple[int, bool]]:
    """Each table's (row count, whether it is the planner's estimate): exact up to
    ``EXACT_COUNT_UP_TO`` rows by the statistics, all exact counts in one statement."""
    with read_connection().cursor() as cur:
        cur.execute(
            "SELECT c.relname, c.reltuples::bigint FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relname = ANY(%s)",
            [tables],
        )
        estimates: dict[str, int] = dict(cur.fetchall())
        counts = {
            t: (estimates[t], True) for t in tables if estimates.get(t, -1) > EXACT_COUNT_UP_TO
        }
        exact = [t for t in tables if t not in counts]
        if exact:
            query = sql.SQL(" UNION ALL ").join(
                sql.SQL("SELECT {name}, count(*) FROM {table}").format(
                    name=sql.Literal(t), table=sql.Identifier(t)
                )
                for t in exact
            )
            cur.execute(query.as_string(connection.connection))
            counts.update({name: (int(n), False) for name, n in cur.fetchall()})
    return counts


def catalogue(lang: str) -> list[CatalogueEntry]:
    """Every public layer with its update date (``layers_version.changed_at``) and feature count.

    Counts are exact for ordinary tables; past ``EXACT_COUNT_UP_TO`` rows (by the planner's
    statistics) the estimate is shown instead, so the page stays one cheap query per layer."""
    public = list(layers(public_only=True))
    stamps = layer_stamps(public)
    counts = _feature_counts([lyr.table for lyr in public])
    entries = []
    for layer in public:
        count, estimated = counts.get(layer.table, (0, False))
        opts = layer.options
        entries.append(
            CatalogueEntry(
                layer=layer,
                title=layer.title(lang),
                description=opts.description.get(lang) or opts.description.get("fr", ""),
                theme=THEMES[opts.theme].get(lang, THEMES[opts.theme]["fr"]),
                licence=opts.licence,
                attribution=opts.attribution,
                updated=stamps[layer.slug].changed_at,
                count=count,
                estimated=estimated,
            )
        )
    return entries
