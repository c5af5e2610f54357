"""TileJSON 3.0.0 documents for vector layers (alone or combined) and raster layers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings

from layers.common.conf import gis_settings
from layers.common.registry import Layer
from tiles.mvt import tile_columns

TILEJSON_VERSION = "3.0.0"

MVT_TYPES = {"integer": "Number", "number": "Number", "boolean": "Boolean"}


def _center(bounds: Sequence[float], zoom: int) -> list[float]:
    return [round((bounds[0] + bounds[2]) / 2, 6), round((bounds[1] + bounds[3]) / 2, 6), zoom]


def vector_tilejson(layers: Sequence[Layer], tiles_url: str, lang: str = "fr") -> dict[str, Any]:
    """``tiles_url`` is the absolute ``.../{z}/{x}/{y}.mvt`` template."""
    bounds = settings.GIS_EXTENT_LONLAT
    minzoom = min(lyr.options.min_zoom for lyr in layers)
    maxzoom = max(lyr.options.max_zoom for lyr in layers)
    vector_layers = []
    for lyr in layers:
        types = lyr.field_types()
        vector_layers.append(
            {
                "id": lyr.slug,
                "description": lyr.options.description.get(lang) or lyr.options.description["fr"],
                "minzoom": lyr.options.min_zoom,
                "maxzoom": lyr.options.max_zoom,
                "fields": {
                    name: MVT_TYPES.get(types.get(name, "string"), "String")
                    for _, name in tile_columns(lyr)  # the id is the feature id
                },
            }
        )
    attributions = sorted({lyr.options.attribution for lyr in layers if lyr.options.attribution})
    return {
        "tilejson": TILEJSON_VERSION,
        "name": ", ".join(lyr.title(lang) for lyr in layers),
        "description": " ".join(
            lyr.options.description.get(lang) or lyr.options.description["fr"] for lyr in layers
        ),
        "attribution": "; ".join(attributions),
        "scheme": "xyz",
        "format": "pbf",
        "tiles": [tiles_url],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "bounds": list(bounds),
        "center": _center(bounds, max(minzoom, 12)),
        "vector_layers": vector_layers,
    }


def raster_tilejson(raster: Any, tiles_url: str, lang: str = "fr") -> dict[str, Any]:
    """``raster`` is a :class:`layers.rasters.models.RasterLayer`; ``tiles_url`` the absolute
    ``.../{z}/{x}/{y}.png`` template."""
    footprint = raster.footprint.transform(gis_settings()["API_SRID"], clone=True)
    bounds = [round(v, 6) for v in footprint.extent]
    title = getattr(raster, f"title_{lang}", "") or raster.title_fr
    return {
        "tilejson": TILEJSON_VERSION,
        "name": title,
        "description": raster.get_kind_display(),
        "scheme": "xyz",
        "format": tiles_url.rsplit(".", 1)[-1],
        "tiles": [tiles_url],
        "minzoom": raster.min_zoom,
        "maxzoom": raster.max_zoom,
        "bounds": bounds,
        "center": _center(bounds, max(raster.min_zoom, 12)),
    }
