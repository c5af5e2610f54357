"""The typed shape of the ``GIS`` settings namespace (the geometry policy, STYLE.md rule 4).

The settings modules declare plain dicts; :func:`gis_settings` hands ``settings.GIS`` back with
the shape the code relies on. It reads the setting at each call, so ``override_settings`` applies.
"""

from __future__ import annotations

from pathlib import Path
from typing import NotRequired, TypedDict, cast

from django.conf import settings


class GisSettings(TypedDict):
    STORAGE_SRID: int  # every ``geom`` column
    API_SRID: int  # GeoJSON, the portal, OGC API default output
    TILE_SRID: int  # Web Mercator, for tiles only
    EXTENT: tuple[float, float, float, float]  # municipal extent in the storage SRID
    CITY_NAME: str
    CITY_NAME_BY_LANG: NotRequired[dict[str, str]]  # where a language writes the name otherwise
    MAP_CENTER: NotRequired[tuple[float, float, int]]  # admin map: longitude, latitude, zoom


def gis_settings() -> GisSettings:
    return cast(GisSettings, settings.GIS)


def shared_dir() -> Path:
    """The folder every web server of the site shares (``GEOPORTAL_SHARED_DIR``, a network file
    system when there are several; ``var/`` on one machine): the caches keyed by version (tiles,
    open-data exports) under ``cache/``, and ``MEDIA_ROOT`` (uploads, the issued notes' PDFs)."""
    return Path(getattr(settings, "SHARED_DIR", None) or settings.VAR_DIR)
