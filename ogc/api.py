"""Cached pygeoapi ``API`` objects, one per set of visible collections (not one per request).

Anonymous clients share the object serving the public layers; a signed-in user who may see an
internal layer gets the object serving those layers too. The OpenAPI document is built on first
use, since it reads each table's columns.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
import threading
from typing import Any

import pygeoapi.api.itemtypes as itemtypes_api
import pygeoapi.util as pygeoapi_util
import pyproj
from pygeoapi.api import API
from pygeoapi.crs import get_crs
from pygeoapi.crs import transform_bbox as pygeoapi_transform_bbox
from pygeoapi.openapi import get_oas
from pygeoapi.util import json_serial

from layers.common.registry import Layer, visible_layers
from layers.common.users import AnyUser
from ogc.config import build_config

_APIS: dict[tuple[str, ...], API] = {}
_LOCK = threading.Lock()


class CasaAPI(API):  # type: ignore[misc]  # pygeoapi: untyped
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


def api_for_user(user: AnyUser) -> API:
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


def transform_bbox(
    bbox: list[float], from_crs: Any, to_crs: Any, always_xy: bool = False
) -> list[float]:
    """pygeoapi's ``transform_bbox`` (bbox or bbox-crs -> storage CRS), with the transformer
    built once per pair of CRS instead of on every request, and the box densified along its
    edges (``transform_bounds``) rather than reduced to its two corners."""
    if len(bbox) != 4 or not isinstance(from_crs, str) or not isinstance(to_crs, str):
        transformed: list[float] = pygeoapi_transform_bbox(bbox, from_crs, to_crs, always_xy)
        return transformed
    transformer = _transformer(from_crs, to_crs, always_xy)
    west, south, east, north = bbox
    target = transformer.target_crs
    if target is not None and target.to_epsg() == 3857:  # clipped as pygeoapi does
        south, north = max(-85.0511, south), min(85.0511, north)
    return list(transformer.transform_bounds(west, south, east, north, densify_pts=21))


itemtypes_api.transform_bbox = transform_bbox


def to_json(dict_: dict[str, Any], pretty: bool = False) -> str:
    """pygeoapi's ``to_json`` with ``<`` and ``>`` written as JSON escapes (``\\u003c``,
    ``\\u003e``) instead of HTML entities. pygeoapi's entities change the data a client reads
    ("2 rue <b>" comes back "2 rue &lt;b&gt;"); the JSON escapes decode to the original text and
    still cannot close a ``<script>`` when the JSON is placed in a page."""
    text = json.dumps(
        dict_, default=json_serial, indent=4 if pretty else None, separators=(",", ":")
    )
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def _use_json_escapes() -> None:
    """Rebind ``to_json`` wherever pygeoapi imported it by name (and in ``pygeoapi.util``, which
    its templates' ``to_json`` filter reads)."""
    original = pygeoapi_util.to_json
    for name, module in list(sys.modules.items()):
        if name.startswith("pygeoapi") and getattr(module, "to_json", None) is original:
            setattr(module, "to_json", to_json)  # noqa: B010  (a module attribute, rebound)


_use_json_escapes()
