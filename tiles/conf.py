"""The typed shape of the ``TILES`` settings namespace, checked at start-up by
:func:`tiles.checks.check_tiles_settings`.

:func:`tile_settings` reads the setting at each call, so ``override_settings`` applies."""

from __future__ import annotations

from pathlib import Path
from typing import NotRequired, TypedDict, cast

from django.conf import settings


class TileSettings(TypedDict):
    MAX_ZOOM: int  # deeper requests are refused
    EXTENT: int  # MVT grid units per tile side
    BUFFER: int  # MVT grid units drawn outside the tile
    MAX_FEATURES_PER_TILE: int  # when the layer sets no cap of its own
    CACHE: str | None  # "files", a Django cache alias, or "" / None (off)
    CACHE_DIR: NotRequired[str | Path | None]  # the "files" store's folder (None: var/cache/tiles)
    CACHE_MAX_AGE: int  # seconds a client may reuse a tile
    RASTER_SIZE: int  # raster tile side in pixels
    RASTER_WEBP_QUALITY: int | None  # None: lossless WebP; 1-100: lossy WebP
    GDAL_ENV: dict[str, str | int]  # GDAL options for raster reads


def tile_settings() -> TileSettings:
    return cast(TileSettings, settings.TILES)
