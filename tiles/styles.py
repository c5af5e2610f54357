"""MapLibre / Mapbox GL styles (style specification version 8) generated from the registry's
styles, for clients other than the portal: MapLibre GL, QGIS's vector-tile layers, OpenLayers.

Each layer is painted as the portal's Leaflet code paints it (``geoportal/static/geoportal/
portal.js``, ``styleFor``): areas filled with ``fill_color`` at ``fill_opacity`` and outlined with
``color`` at ``weight`` pixels; lines in ``color``; points as circles of ``radius`` filled at
``fill_opacity`` with a one-pixel white outline; a categorised layer (``by``) takes each
category's colour for fill and outline, the layer's own colours for any other value. Leaflet's
dash lengths are pixels, the style's are line widths: they are divided by the width.

No text labels: they would need glyphs, which the platform does not serve (and nothing comes from
an outside host). The sources carry the tile URLs themselves (absolute, from ``PUBLIC_URL``), so a
client needs no TileJSON request before the first tile."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings

from layers.common.basemap import vector_tile_url
from layers.common.registry import BasemapPaint, Layer, Style, basemap_layers, layers

STYLE_VERSION = 8
# The portal's map draws areas, then lines, then points above them (portal.js, zIndexFor).
DRAW_ORDER = {"Polygon": 0, "LineString": 1, "Point": 2}
BASEMAP_SOURCE = "basemap"
BASEMAP_BACKGROUND = "#ffffff"


def _tiles_url(slugs: str) -> str:
    return settings.PUBLIC_URL + vector_tile_url(slugs)


def _kind(layer: Layer) -> str:
    return layer.geometry_type.removeprefix("Multi")


def vector_source(layers_: Sequence[Layer]) -> dict[str, Any]:
    """A vector source of ``/tiles`` for ``layers_`` (one tile request brings them all)."""
    source: dict[str, Any] = {
        "type": "vector",
        "tiles": [_tiles_url(",".join(lyr.slug for lyr in layers_))],
        "minzoom": min(lyr.options.min_zoom for lyr in layers_),
        "maxzoom": max(lyr.options.max_zoom for lyr in layers_),
        "bounds": list(settings.GIS_EXTENT_LONLAT),
    }
    credits = dict.fromkeys(lyr.options.attribution for lyr in layers_ if lyr.options.attribution)
    if credits:
        source["attribution"] = "; ".join(credits)
    return source


def _by_category(painted: dict[str, Any], colour: str, style: Style, default: str) -> list[Any]:
    """``painted`` with its ``colour`` paint property at ``default``; or, for a style coloured by
    category (``style.by``), one style layer per category, filtered on it, over one for every
    other value. Filters and not a ``match`` expression: QGIS 3.22's style converter reads the
    filters but paints a ``match`` colour with its default whatever the feature's value."""

    def variant(value: str | None, chosen: str, filter_: list[Any] | None) -> dict[str, Any]:
        out = {**painted, "paint": {**painted["paint"], colour: chosen}}
        if filter_ is not None:
            out["id"], out["filter"] = f"{painted['id']}-{value}", filter_
        return out

    if not style.by or not style.categories:
        return [variant(None, default, None)]
    values = [value for value, _ in style.categories]
    return [variant("other", default, ["!in", style.by, *values])] + [
        variant(value, chosen, ["==", style.by, value]) for value, chosen in style.categories
    ]


def _dash(style: Style) -> list[float] | None:
    if not style.dash:
        return None
    width = style.weight or 1.0
    return [float(part) / width for part in style.dash.replace(",", " ").split()]


def layer_paint(layer: Layer, source: str) -> list[dict[str, Any]]:
    """The style layers that paint ``layer`` from ``source`` as the portal does."""
    style = layer.options.style
    base = {"source": source, "source-layer": layer.slug, "minzoom": layer.options.min_zoom}
    kind = _kind(layer)
    if kind == "Point":
        circle = {
            "id": layer.slug,
            "type": "circle",
            **base,
            "paint": {
                "circle-radius": style.radius,
                "circle-opacity": style.fill_opacity,
                "circle-stroke-color": "#ffffff",
                "circle-stroke-width": 1,
            },
        }
        return _by_category(circle, "circle-color", style, style.fill_color or style.color)
    line: dict[str, Any] = {
        "id": f"{layer.slug}-line" if kind == "Polygon" else layer.slug,
        "type": "line",
        **base,
        "layout": {"line-join": "round", "line-cap": "round"},
        "paint": {"line-width": style.weight},
    }
    dash = _dash(style)
    if dash:
        line["paint"]["line-dasharray"] = dash
    lines = _by_category(line, "line-color", style, style.color)
    if kind != "Polygon":
        return lines
    painted = []
    if style.fill_opacity > 0:
        fill = {
            "id": f"{layer.slug}-fill",
            "type": "fill",
            **base,
            "paint": {"fill-opacity": style.fill_opacity},
        }
        painted += _by_category(fill, "fill-color", style, style.fill_color or style.color)
    return [*painted, *lines]


def _basemap_paint(layer: Layer, paint: BasemapPaint) -> list[dict[str, Any]]:
    base = {"source": BASEMAP_SOURCE, "source-layer": layer.slug}
    painted: list[dict[str, Any]] = []
    if paint.fill_color:
        painted.append(
            {
                "id": f"basemap-{layer.slug}-fill",
                "type": "fill",
                **base,
                "filter": ["==", ["geometry-type"], "Polygon"],
                "paint": {"fill-color": paint.fill_color},
            }
        )
    if paint.color:
        width: Any = paint.weight
        if paint.zoom_weights:
            width = ["step", ["zoom"], paint.weight]
            for from_zoom, step_width in paint.zoom_weights:
                width += [from_zoom, step_width]
        painted.append(
            {
                "id": f"basemap-{layer.slug}-line",
                "type": "line",
                **base,
                "layout": {"line-join": "round", "line-cap": "round"},
                "paint": {"line-color": paint.color, "line-width": width},
            }
        )
    return painted


def layer_style(layer: Layer, lang: str = "fr") -> dict[str, Any]:
    """``/tiles/{slug}/style.json``: the layer alone, over nothing (an overlay)."""
    return {
        "version": STYLE_VERSION,
        "name": layer.title(lang),
        "metadata": {"casa:layers": [layer.slug]},
        "sources": {layer.slug: vector_source([layer])},
        "layers": layer_paint(layer, layer.slug),
    }


def default_overlays() -> list[Layer]:
    """The public layers the portal shows when it opens, in the order its map draws them (areas,
    then lines, then points; in layer-tree order within each), bottom first."""
    shown = [lyr for lyr in layers(public_only=True) if lyr.options.visible]
    tree_order = {lyr.slug: i for i, lyr in enumerate(layers())}
    return sorted(shown, key=lambda lyr: (DRAW_ORDER.get(_kind(lyr), 2), tree_order[lyr.slug]))


def default_style(lang: str = "fr") -> dict[str, Any]:
    """``/tiles/style.json``: the portal's map as it opens, its basemap (the outside XYZ basemap
    when one is configured, else the registry's basemap layers) under its default layers."""
    overlays = default_overlays()
    sources: dict[str, Any] = {}
    painted: list[dict[str, Any]] = [
        {
            "id": "background",
            "type": "background",
            "paint": {"background-color": BASEMAP_BACKGROUND},
        }
    ]
    if settings.BASEMAP_URL:
        sources[BASEMAP_SOURCE] = {
            "type": "raster",
            "tiles": [settings.BASEMAP_URL],
            "tileSize": 256,
            "attribution": settings.BASEMAP_ATTRIBUTION,
        }
        painted.append({"id": BASEMAP_SOURCE, "type": "raster", "source": BASEMAP_SOURCE})
    else:
        own = basemap_layers()
        if own:
            sources[BASEMAP_SOURCE] = vector_source([lyr for lyr, _ in own])
            for lyr, paint in own:
                painted += _basemap_paint(lyr, paint)
    for lyr in overlays:
        sources[lyr.slug] = vector_source([lyr])
        painted += layer_paint(lyr, lyr.slug)
    return {
        "version": STYLE_VERSION,
        "name": f"{settings.GIS['CITY_NAME']}",
        "metadata": {"casa:layers": [lyr.slug for lyr in overlays]},
        "center": [
            round((settings.GIS_EXTENT_LONLAT[0] + settings.GIS_EXTENT_LONLAT[2]) / 2, 6),
            round((settings.GIS_EXTENT_LONLAT[1] + settings.GIS_EXTENT_LONLAT[3]) / 2, 6),
        ],
        "zoom": 11,
        "sources": sources,
        "layers": painted,
    }
