"""Cached pygeoapi ``API`` objects, one per set of visible collections (not one per request).

Anonymous clients share the object serving the public layers; a signed-in user who may see an
internal layer gets the object serving those layers too. The OpenAPI document is built on first
use, since it reads each table's columns.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from pygeoapi.api import API
from pygeoapi.openapi import get_oas

from geoportal.replicas import current_read_alias
from layers.common.registry import Layer, visible_layers
from layers.common.users import AnyUser
from ogc import compat
from ogc.conf import ogc_settings
from ogc.config import build_config, database_params
from ogc.openapi import self_contained

_APIS: dict[tuple[str, ...], API] = {}
_LOCK = threading.Lock()


class CasaAPI(API):  # type: ignore[misc]  # pygeoapi: untyped
    """pygeoapi's API whose OpenAPI document is generated from its own configuration, once, and
    made self-contained (:mod:`ogc.openapi`). ``openapi`` is the attribute pygeoapi's
    ``API.__init__`` sets and ``openapi_`` reads: both recorded in
    ``ogc.compat.UPSTREAM_SOURCES``."""

    def __init__(self, config: dict[str, Any]) -> None:
        compat.apply()  # before pygeoapi serves anything in this process
        self._openapi: dict[str, Any] | None = None
        super().__init__(config, None)

    @property
    def openapi(self) -> dict[str, Any]:
        if self._openapi is None:
            ogc = ogc_settings()
            self._openapi = self_contained(
                get_oas(self.config),
                default_limit=ogc["DEFAULT_LIMIT"],
                max_limit=ogc["MAX_LIMIT"],
            )
        return self._openapi

    @openapi.setter
    def openapi(self, value: dict[str, Any] | None) -> None:
        self._openapi = value


def api_for_layers(layers: list[Layer], alias: str = DEFAULT_DB_ALIAS) -> API:
    """The object serving ``layers`` from the database ``alias`` (a read replica's objects read
    from it, with pygeoapi's connections of their own)."""
    key = (alias, *sorted(layer.slug for layer in layers))
    api = _APIS.get(key)
    if api is None:
        with _LOCK:
            api = _APIS.get(key)
            if api is None:
                api = _APIS[key] = CasaAPI(build_config(layers, data=database_params(alias)))
    return api


def api_for_user(user: AnyUser) -> API:
    """For the user's layers, on the database the request reads from (``geoportal.replicas``)."""
    return api_for_layers(list(visible_layers(user)), current_read_alias())


def reset_apis() -> None:
    """Forget the cached objects and close pygeoapi's database connections (tests, reloads)."""
    from pygeoapi.provider import sql as pygeoapi_sql

    from ogc.provider import ENGINES

    with _LOCK:
        _APIS.clear()
        for engine in list(ENGINES):
            engine.dispose()
        ENGINES.clear()
        pygeoapi_sql.get_engine.cache_clear()
        pygeoapi_sql.get_table_model.cache_clear()
