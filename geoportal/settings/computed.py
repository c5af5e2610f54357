"""Values derived from the defaults and the environment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

import dj_database_url

from .defaults import GIS, REPLICAS
from .env import (
    BASE_DIR,
    DATABASE_URL,
    DB_CONN_MAX_AGE,
    DB_CONNECT_TIMEOUT_S,
    LOG_LEVEL,
    READ_REPLICAS,
    READ_YOUR_WRITES_S,
    REPLICA_MAX_LAG_S,
    SHARED_DIR,
    UPLOAD_MAX_MB,
    VAR_DIR,
)

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        engine="django.contrib.gis.db.backends.postgis",
        conn_max_age=DB_CONN_MAX_AGE,
        conn_health_checks=True,
    )
}
# Every connection to the primary (Django's, pygeoapi's and the tile pool's, which all read these
# options) gives up after this; a ``connect_timeout`` in ``DATABASE_URL`` wins.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", DB_CONNECT_TIMEOUT_S)
# The read replicas, ``replica_1``, ``replica_2``... (geoportal/replicas.py routes to them).
REPLICAS = {
    **REPLICAS,
    "MAX_LAG_S": REPLICA_MAX_LAG_S,
    "READ_YOUR_WRITES_S": READ_YOUR_WRITES_S,
    "ALIASES": [f"replica_{n}" for n in range(1, len(READ_REPLICAS) + 1)],
}
for _n, _url in enumerate(READ_REPLICAS, start=1):
    _replica = dj_database_url.parse(
        _url,
        engine="django.contrib.gis.db.backends.postgis",
        conn_max_age=DB_CONN_MAX_AGE,
        conn_health_checks=True,
    )
    _replica.setdefault("OPTIONS", {})["connect_timeout"] = REPLICAS["CONNECT_TIMEOUT_S"]
    DATABASES[f"replica_{_n}"] = _replica

STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "geoportal" / "static"]
# The interface's words: French source strings translated in locale/<lang>/LC_MESSAGES/django.po,
# compiled to .mo by `make setup` (README, "Translations").
LOCALE_PATHS = [BASE_DIR / "locale"]
MEDIA_ROOT = (SHARED_DIR or VAR_DIR) / "media"
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
    "loggers": {
        # pygeoapi logs a warning for ordinary requests (no offset given, a dict key that is not a
        # language); only its errors are worth the platform's log.
        "pygeoapi": {"level": "ERROR"},
        # The queue says at every start that it registered its tasks and has no periodic ones;
        # its workers' lines (start, stop, each job and how it ended) stay.
        "procrastinate.blueprints": {"level": "WARNING"},
        "procrastinate.periodic": {"level": "WARNING"},
        # GDAL's reader and writer say at INFO each file they wrote ("Created 3 records"), on
        # every ingest's report.
        "pyogrio": {"level": "WARNING"},
    },
}


class StorageCrs(TypedDict):
    """The storage CRS as the portal shows it: ``EPSG:<srid>``, its name and a PROJ string."""

    code: str
    name: str
    proj4: str


def extent_lonlat(gis: Mapping[str, Any]) -> tuple[float, float, float, float]:
    """``gis["EXTENT"]`` (storage SRID) in longitude/latitude (west, south, east, north), its edges
    densified so that the curved edges of the projected box are inside."""
    from pyproj import Transformer

    to_lonlat = Transformer.from_crs(gis["STORAGE_SRID"], gis["API_SRID"], always_xy=True)
    xmin, ymin, xmax, ymax = gis["EXTENT"]
    bounds = to_lonlat.transform_bounds(xmin, ymin, xmax, ymax, densify_pts=21)
    west, south, east, north = (round(v, 6) for v in bounds)
    return west, south, east, north


def storage_crs(srid: int) -> StorageCrs:
    """The code, name and PROJ string of ``EPSG:<srid>`` from pyproj's EPSG database. The PROJ
    string carries the datum shift to WGS 84 (``+towgs84``) when a single Helmert transformation
    is the best one known, as PostGIS applies it, so that coordinates computed in the browser
    (proj4js) agree with the database's; otherwise it is the bare projection."""
    import warnings

    from pyproj import CRS
    from pyproj.crs import BoundCRS
    from pyproj.exceptions import CRSError
    from pyproj.transformer import TransformerGroup

    crs = CRS.from_epsg(srid)
    wgs84 = CRS.from_epsg(4326)
    with warnings.catch_warnings():  # "you will likely lose information": the point of it
        warnings.simplefilter("ignore", UserWarning)
        try:
            best = TransformerGroup(crs.geodetic_crs, wgs84).transformers[0]
            bound = BoundCRS(source_crs=crs, target_crs=wgs84, transformation=best.to_json_dict())
            proj4 = bound.to_proj4()
        except (CRSError, IndexError):
            proj4 = crs.to_proj4()
    proj4 = proj4.replace(" +type=crs", "")
    return {"code": f"EPSG:{srid}", "name": crs.name, "proj4": proj4}


# Derived from GIS. A settings module that replaces GIS computes these again with the same
# functions (``tests/othercity_settings.py`` does), so that they follow it.
#
# The municipal extent in longitude/latitude: the portal's bounds, the OGC collections' extent
# and the TileJSON bounds all read this one value.
GIS_EXTENT_LONLAT: tuple[float, float, float, float] = extent_lonlat(GIS)
# The storage CRS shown in the portal (cursor coordinates, download formats).
GIS_STORAGE_CRS: StorageCrs = storage_crs(GIS["STORAGE_SRID"])
