"""Reads behind the portal: the layer tree, the search and the open-data catalogue."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from psycopg import sql

from layers.common.models import LayerVersion
from layers.common.registry import THEMES, Layer, layers, visible_layers

SEARCH_LIMIT = 10  # suggestions returned
SEARCH_MIN_CHARS = 2
SEARCH_MAX_CHARS = 100
SEARCH_CANDIDATES = 200  # rows read per searched column before grouping by label
EXACT_COUNT_UP_TO = 200_000  # above, the open-data page shows the planner's estimate


def tile_url(slug: str) -> str:
    return f"/tiles/{slug}/{{z}}/{{x}}/{{y}}.mvt"


def legend(layer: Layer, lang: str) -> list[dict[str, Any]]:
    """Legend entries: one swatch, or one per category of a categorised style."""
    style = layer.options.style.as_dict()
    kind = {"Point": "point", "MultiPoint": "point"}.get(layer.geometry_type)
    if kind is None:
        kind = "line" if "LineString" in layer.geometry_type else "polygon"
    if style["categories"]:
        labels = _choice_labels(layer, style["by"])
        return [
            {"value": value, "label": labels.get(value, value), "color": colour, "kind": kind}
            for value, colour in style["categories"].items()
        ]
    return [{"label": layer.title(lang), "color": style["color"], "kind": kind}]


def _choice_labels(layer: Layer, field: str | None) -> dict[str, str]:
    """The model's display names of a categorised attribute's values (``road_class``...)."""
    if not field:
        return {}
    choices = layer.model._meta.get_field(field).choices or ()
    return {str(value): str(label) for value, label in choices}


def layer_tree(user: Any, lang: str) -> dict[str, Any]:
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
                "label_field": opts.label_field,
                "tiles": tile_url(layer.slug),
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


def basemap() -> dict[str, Any]:
    """An outside XYZ basemap if configured, else the platform's own layers drawn as a basemap."""
    if settings.BASEMAP_URL:
        return {
            "type": "xyz",
            "url": settings.BASEMAP_URL,
            "attribution": settings.BASEMAP_ATTRIBUTION,
        }
    own = [
        slug for slug in ("communes", "arrondissements", "green-spaces", "roads") if _public(slug)
    ]
    return {
        "type": "vector",
        "layers": own,
        "tiles": tile_url(",".join(own)),
        # the same text as the administrative layers', so the map credits it once
        "attribution": f"{settings.ATTRIBUTION['OSM']}; {settings.ATTRIBUTION['HCP']}",
    }


def _public(slug: str) -> bool:
    return any(lyr.slug == slug for lyr in layers(public_only=True))


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


def _like_pattern(text: str) -> str:
    """``%text%`` with LIKE's own wildcards escaped, so ``50%`` searches for ``50%``."""
    escaped = re.sub(r"([\\%_])", r"\\\1", text)
    return f"%{escaped}%"


def _search_branch(layer: Layer, field: str, limit: int) -> sql.Composed:
    """One column's candidates grouped by label (segments of one street become one hit)."""
    label = layer.options.label_field or field
    return sql.SQL(
        "(SELECT {slug}::text AS layer, min(id) AS id, label, matched, "
        "ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, {srid}), {api_srid}) AS box, "
        "bool_or(starts) AS starts "
        " FROM (SELECT id, {label}::text AS label, {field}::text AS matched, geom, "
        "              {field} ILIKE %(prefix)s AS starts "
        "         FROM {table} WHERE {field} ILIKE %(pattern)s LIMIT {candidates}) AS c "
        " GROUP BY label, matched "
        " ORDER BY bool_or(starts) DESC, length(label), label LIMIT {limit})"
    ).format(
        slug=sql.Literal(layer.slug),
        srid=sql.Literal(int(layer.srid)),
        api_srid=sql.Literal(int(settings.GIS["API_SRID"])),
        label=sql.Identifier(label),
        field=sql.Identifier(field),
        table=sql.Identifier(layer.table),
        candidates=sql.Literal(SEARCH_CANDIDATES),
        limit=sql.Literal(int(limit)),
    )


def search(text: str, user: Any, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """Features of the layers ``user`` may see whose searched attributes contain ``text``.

    One query: a UNION ALL of per-column branches, each an indexed ILIKE with its own limit; hits
    whose attribute starts with the text come first, then shorter labels, then layer order."""
    text = " ".join(text.split())[:SEARCH_MAX_CHARS]
    if len(text) < SEARCH_MIN_CHARS:
        return []
    searched = [lyr for lyr in visible_layers(user) if lyr.options.search_fields]
    branches = [
        _search_branch(lyr, f, limit) for lyr in searched for f in lyr.options.search_fields
    ]
    if not branches:
        return []
    order = {lyr.slug: i for i, lyr in enumerate(_search_priority(searched))}
    query = sql.SQL(
        "SELECT layer, id, label, matched, ST_XMin(box), ST_YMin(box), ST_XMax(box), ST_YMax(box),"
        " starts FROM ({branches}) AS hits"
    ).format(branches=sql.SQL(" UNION ALL ").join(branches))
    escaped = re.sub(r"([\\%_])", r"\\\1", text)
    with connection.cursor() as cur:
        cur.execute(
            query.as_string(connection.connection),
            {"pattern": _like_pattern(text), "prefix": f"{escaped}%"},
        )
        rows = cur.fetchall()
    rows.sort(key=lambda r: (not r[8], order[r[0]], len(r[2] or ""), r[2] or ""))
    hits: list[SearchHit] = []
    seen: set[tuple[str, str]] = set()
    for layer, pk, label, matched, *box, _starts in rows:
        key = (layer, label)
        if key in seen:
            continue
        seen.add(key)
        hits.append(SearchHit(layer, pk, label or matched, matched, tuple(box)))  # type: ignore[arg-type]
        if len(hits) >= limit:
            break
    return hits


SEARCH_PRIORITY = ("parcels", "arrondissements", "roads", "facilities", "green-spaces")


def _search_priority(searched: list[Layer]) -> list[Layer]:
    def rank(layer: Layer) -> int:
        return SEARCH_PRIORITY.index(layer.slug) if layer.slug in SEARCH_PRIORITY else 99

    return sorted(searched, key=rank)


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


def catalogue(lang: str) -> list[CatalogueEntry]:
    """Every public layer with its update date (``layers_version.changed_at``) and feature count.

    Counts are exact for ordinary tables; past ``EXACT_COUNT_UP_TO`` rows (by the planner's
    statistics) the estimate is shown instead, so the page stays one cheap query per layer."""
    public = list(layers(public_only=True))
    updated = dict(
        LayerVersion.objects.filter(table_name__in=[lyr.table for lyr in public]).values_list(
            "table_name", "changed_at"
        )
    )
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname, c.reltuples::bigint FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relname = ANY(%s)",
            [[lyr.table for lyr in public]],
        )
        estimates = dict(cur.fetchall())
    entries = []
    for layer in public:
        estimate = estimates.get(layer.table, -1)
        if estimate > EXACT_COUNT_UP_TO:
            count, estimated = estimate, True
        else:
            count, estimated = layer.model.objects.count(), False
        opts = layer.options
        entries.append(
            CatalogueEntry(
                layer=layer,
                title=layer.title(lang),
                description=opts.description.get(lang) or opts.description.get("fr", ""),
                theme=THEMES[opts.theme].get(lang, THEMES[opts.theme]["fr"]),
                licence=opts.licence,
                attribution=opts.attribution,
                updated=updated.get(layer.table),
                count=count,
                estimated=estimated,
            )
        )
    return entries
