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
    errors += _check_gdal_env(tiles.get("GDAL_ENV"))
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


def _check_gdal_env(env: Any) -> list[Error]:
    """``rasterio.Env`` gives ``GDAL_CACHEMAX`` to ``GDALSetCacheMax64``, in bytes: ``128`` (GDAL's
    own way of saying 128 MB) is a block cache of 128 bytes, with which every raster tile read its
    COG blocks again for each band and each warped chunk. Numbers below 100,000 are what GDAL
    would read as megabytes, so they are refused."""
    if not isinstance(env, dict):
        return [Error("TILES['GDAL_ENV'] must be a dict of GDAL options", id="tiles.E002")]
    cache = env.get("GDAL_CACHEMAX")
    if cache is None:
        return []
    if not isinstance(cache, int) or isinstance(cache, bool) or cache < 100_000:
        return [
            Error(
                f"TILES['GDAL_ENV']['GDAL_CACHEMAX'] = {cache!r}: rasterio reads it as an integer "
                "number of bytes (128 MB is 128 * 1024 * 1024)",
                id="tiles.E002",
            )
        ]
    return []
