"""System checks of the project settings: the values derived from ``GIS`` must follow it, and
the count of trusted reverse proxies (:mod:`geoportal.clients`) is a whole number.

``geoportal/settings/computed.py`` derives them once, at start-up. A settings module that replaces
``GIS`` (another city) must compute them again with the same functions, or the portal's bounds,
the OGC extents and the coordinates shown would still be those of the first city."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from layers.common.checks import LAYERS


@register(LAYERS)  # the extent and CRS that a load checks its features against
def check_gis_derived_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from geoportal.settings.computed import extent_lonlat, storage_crs

    errors = []
    if tuple(settings.GIS_EXTENT_LONLAT) != extent_lonlat(settings.GIS):
        errors.append(
            Error(
                "GIS_EXTENT_LONLAT does not follow GIS['EXTENT']: set it to "
                "geoportal.settings.computed.extent_lonlat(GIS) after replacing GIS",
                id="geoportal.E001",
            )
        )
    if storage_crs(settings.GIS["STORAGE_SRID"]) != settings.GIS_STORAGE_CRS:
        errors.append(
            Error(
                "GIS_STORAGE_CRS does not follow GIS['STORAGE_SRID']: set it to "
                "geoportal.settings.computed.storage_crs(GIS['STORAGE_SRID']) after replacing GIS",
                id="geoportal.E002",
            )
        )
    return errors


@register()
def check_trusted_proxies(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    proxies = settings.TRUSTED_PROXIES
    if not isinstance(proxies, int) or isinstance(proxies, bool) or proxies < 0:
        return [Error("TRUSTED_PROXIES must be an int >= 0", id="geoportal.E003")]
    return []
