"""System checks of the ``TILES`` settings (``manage.py check``, run at every start)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

INTEGER_KEYS = (
    "MAX_ZOOM",
    "EXTENT",
    "BUFFER",
    "MAX_FEATURES_PER_TILE",
    "CACHE_MAX_AGE",
    "RASTER_SIZE",
)


@register()
def check_tiles_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    tiles = getattr(settings, "TILES", None)
    if not isinstance(tiles, dict):
        return [Error("settings.TILES must be a dict", id="tiles.E001")]
    errors = []
    for key in INTEGER_KEYS:
        value = tiles.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.append(Error(f"TILES[{key!r}] must be a non-negative integer", id="tiles.E002"))
    quality = tiles.get("RASTER_WEBP_QUALITY")
    if quality is not None and (
        not isinstance(quality, int) or isinstance(quality, bool) or not 1 <= quality <= 100
    ):
        errors.append(Error("TILES['RASTER_WEBP_QUALITY'] must be None or 1-100", id="tiles.E002"))
    if not errors and tiles["EXTENT"] == 0:
        errors.append(Error("TILES['EXTENT'] must be positive", id="tiles.E002"))
    if settings.GIS.get("TILE_SRID") != 3857:
        errors.append(
            Error(
                "GIS['TILE_SRID'] must be 3857: tiles use ST_TileEnvelope's Web Mercator grid",
                id="tiles.E003",
            )
        )
    cache = tiles.get("CACHE")
    if cache not in ("", "files", None) and cache not in settings.CACHES:
        errors.append(
            Error(
                f"TILES['CACHE'] = {cache!r} is neither 'files', '' nor a CACHES alias",
                id="tiles.E004",
            )
        )
    return errors
