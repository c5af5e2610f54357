"""Values derived from the defaults and the environment."""

from __future__ import annotations

import dj_database_url

from .defaults import GIS
from .env import BASE_DIR, DATABASE_URL, DB_CONN_MAX_AGE, LOG_LEVEL, UPLOAD_MAX_MB, VAR_DIR

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        engine="django.contrib.gis.db.backends.postgis",
        conn_max_age=DB_CONN_MAX_AGE,
        conn_health_checks=True,
    )
}

STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "geoportal" / "static"]
MEDIA_ROOT = VAR_DIR / "media"
RASTER_ROOT = VAR_DIR / "rasters"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 2**20
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 2**20
UPLOAD_MAX_BYTES = UPLOAD_MAX_MB * 2**20

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}


def _extent_lonlat() -> tuple[float, float, float, float]:
    from pyproj import Transformer

    to_lonlat = Transformer.from_crs(GIS["STORAGE_SRID"], GIS["API_SRID"], always_xy=True)
    bounds = to_lonlat.transform_bounds(*GIS["EXTENT"], densify_pts=21)
    return tuple(round(v, 6) for v in bounds)  # type: ignore[return-value]


# The municipal extent in longitude/latitude (west, south, east, north), edges densified: the
# portal's bounds, the OGC collections' extent and the TileJSON bounds all read this one value.
GIS_EXTENT_LONLAT: tuple[float, float, float, float] = _extent_lonlat()
