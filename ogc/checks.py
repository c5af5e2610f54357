"""System checks of the ``OGC`` settings (``manage.py check``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

REQUIRED: dict[str, type | tuple[type, ...]] = {
    "DEFAULT_LIMIT": int,
    "MAX_LIMIT": int,
    "NEXT_LIMIT_GROWTH": int,
    "COUNT_CAP": int,
    "CURSOR_MAX_AGE": int,
    "MAX_BODY_BYTES": int,
    "REQUIRE_IF_MATCH": bool,
    "CRS": (tuple, list),
    "LANGUAGES": (tuple, list),
}


@register()
def check_pygeoapi_release(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The installed pygeoapi is a release ``ogc/compat.py`` was written for (its adaptations are
    put in place only at the first OGC request, which would otherwise be the first to refuse it)."""
    from importlib.metadata import version

    from django.core.exceptions import ImproperlyConfigured

    from ogc.compat import check_version

    try:
        check_version(version("pygeoapi"))
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="ogc.E006")]
    return []


@register()
def check_ogc_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    import pyproj

    ogc = getattr(settings, "OGC", None)
    if not isinstance(ogc, dict):
        return [Error("settings.OGC must be a dict", id="ogc.E001")]
    errors = [
        Error(f"OGC[{key!r}] must be a {kind}", id="ogc.E002")
        for key, kind in REQUIRED.items()
        if not isinstance(ogc.get(key), kind)
    ]
    local = ogc.get("BASIC_AUTH_LOCALHOST")
    if not (local is None or isinstance(local, bool)):
        errors.append(
            Error("OGC['BASIC_AUTH_LOCALHOST'] must be None, True or False", id="ogc.E002")
        )
    if errors:
        return errors
    if not 0 < ogc["DEFAULT_LIMIT"] <= ogc["MAX_LIMIT"]:
        errors.append(Error("OGC: need 0 < DEFAULT_LIMIT <= MAX_LIMIT", id="ogc.E003"))
    if ogc["NEXT_LIMIT_GROWTH"] < 1:
        errors.append(Error("OGC: need NEXT_LIMIT_GROWTH >= 1", id="ogc.E003"))
    if ogc["COUNT_CAP"] < 0 or ogc["MAX_BODY_BYTES"] <= 0:
        errors.append(Error("OGC: COUNT_CAP >= 0 and MAX_BODY_BYTES > 0", id="ogc.E004"))
    for code in ogc["CRS"]:
        try:
            pyproj.CRS.from_user_input("http://www.opengis.net/def/crs/" + code)
        except pyproj.exceptions.CRSError:
            errors.append(Error(f"OGC['CRS']: unknown CRS {code!r}", id="ogc.E005"))
    return errors
