"""Cached pygeoapi ``API`` objects, one per set of visible collections (not one per request).

Anonymous clients share the object serving the public layers; a signed-in user who may see an
internal layer gets the object serving those layers too. The OpenAPI document is built on first
use, since it reads each table's columns.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any

import pygeoapi.api.itemtypes as itemtypes_api
import pyproj
from pygeoapi.api import API
from pygeoapi.crs import get_crs
from pygeoapi.crs import transform_bbox as pygeoapi_transform_bbox
from pygeoapi.openapi import get_oas

from layers.common.registry import Layer, visible_layers
from ogc.config import build_config

_APIS: dict[tuple[str, ...], API] = {}
_LOCK = threading.Lock()


class CasaAPI(API):
    """pygeoapi's API whose OpenAPI document is generated from its own configuration, once."""

    def __init__(self, config: dict[str, Any]) -> None:
        self._openapi: dict[str, Any] | None = None
        super().__init__(config, None)

    @property
    def openapi(self) -> dict[str, Any]:
        if self._openapi is None:
            self._openapi = get_oas(self.config)
        return self._openapi

    @openapi.setter
    def openapi(self, value: dict[str, Any] | None) -> None:
        self._openapi = value


def api_for_layers(layers: list[Layer]) -> API:
    key = tuple(sorted(layer.slug for layer in layers))
    api = _APIS.get(key)
    if api is None:
        with _LOCK:
            api = _APIS.get(key)
            if api is None:
                api = _APIS[key] = CasaAPI(build_config(layers))
    return api


def api_for_user(user: Any) -> API:
    return api_for_layers(list(visible_layers(user)))


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


# pygeoapi logs a warning for ordinary requests (no offset given, a dict key that is not a
# language); only its errors are worth the platform's log.
logging.getLogger("pygeoapi").setLevel(logging.ERROR)


@functools.lru_cache(maxsize=64)
def _transformer(from_crs: str, to_crs: str, always_xy: bool) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(get_crs(from_crs), get_crs(to_crs), always_xy=always_xy)


def transform_bbox(bbox: list, from_crs: Any, to_crs: Any, always_xy: bool = False) -> list:
    """pygeoapi's ``transform_bbox`` (bbox or bbox-crs -> storage CRS), with the transformer
    built once per pair of CRS instead of on every request, and the box densified along its
    edges (``transform_bounds``) rather than reduced to its two corners."""
    if len(bbox) != 4 or not isinstance(from_crs, str) or not isinstance(to_crs, str):
        return pygeoapi_transform_bbox(bbox, from_crs, to_crs, always_xy)
    transformer = _transformer(from_crs, to_crs, always_xy)
    if transformer.target_crs.to_epsg() == 3857:  # clipped as pygeoapi does
        bbox = [bbox[0], max(-85.0511, bbox[1]), bbox[2], min(85.0511, bbox[3])]
    return list(transformer.transform_bounds(*bbox, densify_pts=21))


itemtypes_api.transform_bbox = transform_bbox
