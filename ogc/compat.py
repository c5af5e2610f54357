"""Every adaptation of pygeoapi, in one place, for the release range it was written for.

pygeoapi is used through its extension points wherever it has one: a configuration generated from
the registry (``ogc/config.py``), a provider subclass named by dotted path (``ogc/provider.py``),
an ``API`` subclass (``ogc/api.py``), a folder of templates (``ogc/templates.py``). What cannot go
through an extension point is here:

- ``transform_bbox``: a ``bbox`` in another CRS is densified along its edges before it becomes a
  box in the storage CRS (pygeoapi transforms its two corners only), and the transformer is built
  once per pair of CRS rather than on every request.
- ``create_crs_transform_spec``: made once per collection's CRS settings and requested CRS rather
  than on every request.
- ``to_json``: ``<`` and ``>`` are written as JSON escapes rather than HTML entities, so a client
  reads the text as stored.
- ``fix_template``: the ``dir`` attribute of the pages' ``<html>`` element (``rtl`` in Arabic).
- Keyset paging (``ogc/paging.py``): the items view calls pygeoapi's ``get_collection_items``
  through ``ogc.paging.get_collection_items``, which replaces the request's ``cursor`` by the
  ``offset`` it stands for (``APIRequest.params`` is the attribute ``_args``), and relies on
  pygeoapi keeping a ``next`` link that the provider returns instead of writing one from
  ``offset``.
- The private methods of ``PostgreSQLProvider`` that ``CasaPostgreSQLProvider.query`` is built on
  (:data:`PROVIDER_METHODS`), checked by name and signature when a provider is built (not at
  start-up, which would load SQLAlchemy in every command).

:func:`apply` is called when pygeoapi is first put to work in a process: as the first ``API``
object is built (``ogc.api.CasaAPI``; a served process builds it before its first request, in
``geoportal.warmup``) and by ``manage.py ogc_config``. Nothing in pygeoapi is changed when a module
is imported, and a command that serves no OGC request (``ingest``, a worker) never loads pygeoapi:
its imports and the build of its CQL2 grammar cost 0.6 s. It refuses (``ImproperlyConfigured``) a
pygeoapi release outside :data:`SUPPORTED`; so does the system check ``ogc.E006``, at every start
that runs the checks. The source of each pygeoapi function replaced or relied upon is recorded here by
its SHA-256 (:data:`UPSTREAM_SOURCES`): ``tests/ogc/test_compat.py`` fails when an upgrade changes
one, so that someone reads it again before widening the range. The changes worth sending to
pygeoapi are written out in ``ogc/UPSTREAM.md``.

The rewriting of the templates' CDN addresses (``ogc/templates.py``) is not an adaptation: it uses
pygeoapi's own ``server.templates.path`` setting, patches nothing, and is checked page by page by
``tests/ogc/test_html_offline.py``.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import inspect
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any, cast

import numpy as np
import pyproj
from django.core.exceptions import ImproperlyConfigured
from pygeoapi.crs import CrsTransformSpec, get_crs
from pygeoapi.crs import create_crs_transform_spec as pygeoapi_crs_transform_spec
from pygeoapi.crs import transform_bbox as pygeoapi_transform_bbox
from pygeoapi.util import json_serial

# The pygeoapi releases these adaptations were written for and checked against: >=0.24, <0.25.
SUPPORTED: tuple[tuple[int, int], tuple[int, int]] = ((0, 24), (0, 25))


def check_version(installed: str) -> None:
    """Refuse a pygeoapi release outside :data:`SUPPORTED` (``installed``: its version string)."""
    low, high = SUPPORTED
    found = re.match(r"(\d+)\.(\d+)", installed)
    if found is None or not low <= (int(found[1]), int(found[2])) < high:
        wanted = f">={low[0]}.{low[1]},<{high[0]}.{high[1]}"
        msg = (
            f"pygeoapi {installed} is installed; ogc/compat.py was written for pygeoapi {wanted}. "
            "Read each adaptation there again (tests/ogc/test_compat.py) before widening the range."
        )
        raise ImproperlyConfigured(msg)


# -- bbox in another CRS ----------------------------------------------------------------------


DENSIFY = 21  # points added along each edge of a box, between its corners


@functools.lru_cache(maxsize=64)
def _transformer(from_crs: str, to_crs: str, always_xy: bool) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(get_crs(from_crs), get_crs(to_crs), always_xy=always_xy)


@functools.lru_cache(maxsize=64)
def _to_web_mercator(from_crs: str, to_crs: str, always_xy: bool) -> bool:
    target = _transformer(from_crs, to_crs, always_xy).target_crs
    return target is not None and target.to_epsg() == 3857


def plane_bbox(bbox: list[float]) -> list[float]:
    """A bbox of six numbers (with heights, which Part 1 allows) as its four plane ones: the
    layers are two-dimensional, so a feature meets the bbox when it meets its plane part."""
    if len(bbox) == 6:
        return [bbox[0], bbox[1], bbox[3], bbox[4]]
    return bbox


def transform_bbox(
    bbox: list[float], from_crs: Any, to_crs: Any, always_xy: bool = False
) -> list[float]:
    """pygeoapi's ``transform_bbox`` (bbox or bbox-crs -> storage CRS), with the transformer
    built once per pair of CRS instead of on every request, and the box densified along its
    edges (``transform_bounds``) rather than reduced to its two corners. A bbox with heights
    is transformed as its plane part (:func:`plane_bbox`)."""
    bbox = plane_bbox(bbox)
    if len(bbox) != 4 or not isinstance(from_crs, str) or not isinstance(to_crs, str):
        transformed: list[float] = pygeoapi_transform_bbox(bbox, from_crs, to_crs, always_xy)
        return transformed
    transformer = _transformer(from_crs, to_crs, always_xy)
    west, south, east, north = bbox
    if _to_web_mercator(from_crs, to_crs, always_xy):  # clipped as pygeoapi does
        south, north = max(-85.0511, south), min(85.0511, north)
    if _to_projected(from_crs, to_crs, always_xy):
        found = _densified_bounds(transformer, west, south, east, north)
        if found is not None:
            return found
    return list(transformer.transform_bounds(west, south, east, north, densify_pts=DENSIFY))


@functools.lru_cache(maxsize=64)
def _to_projected(from_crs: str, to_crs: str, always_xy: bool) -> bool:
    target = _transformer(from_crs, to_crs, always_xy).target_crs
    return target is not None and target.is_projected


def _densified_bounds(
    transformer: pyproj.Transformer, west: float, south: float, east: float, north: float
) -> list[float] | None:
    """What ``transform_bounds`` gives for a target with no antimeridian (a projected CRS): the
    extent of the box's edges, each with ``DENSIFY`` points between its corners, transformed at
    once (a third of its time, which is a twentieth of a short bbox page's). None when a point
    has no image (outside the CRS's domain): ``transform_bounds`` then says why."""
    step = np.linspace(0.0, 1.0, DENSIFY + 2)
    xs = np.concatenate(
        [
            west + (east - west) * step,
            np.full(step.size, east),
            east - (east - west) * step,
            np.full(step.size, west),
        ]
    )
    ys = np.concatenate(
        [
            np.full(step.size, south),
            south + (north - south) * step,
            np.full(step.size, north),
            north - (north - south) * step,
        ]
    )
    x, y = transformer.transform(xs, ys, errcheck=False)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return None
    return [float(x.min()), float(y.min()), float(x.max()), float(y.max())]


_CRS_KEYS = ("storage_crs", "crs", "always_xy")  # what pygeoapi's function reads of a provider


@functools.lru_cache(maxsize=64)
def _crs_transform_spec(
    settings: tuple[tuple[str, Any], ...], query_crs_uri: str | None
) -> CrsTransformSpec | None:
    provider_def = {k: list(v) if k == "crs" else v for k, v in settings}
    spec: CrsTransformSpec | None = pygeoapi_crs_transform_spec(provider_def, query_crs_uri)
    return spec


def create_crs_transform_spec(
    provider_def: dict[str, Any], query_crs_uri: str | None = None
) -> CrsTransformSpec | None:
    """pygeoapi's ``create_crs_transform_spec``, made once per collection's CRS settings and
    requested CRS instead of on every request (it parses both CRS and writes their WKT: 40 µs,
    a hundredth of a short page). Its errors (a CRS not offered) are raised each time."""
    settings = tuple(
        (k, tuple(provider_def[k]) if k == "crs" else provider_def[k])
        for k in _CRS_KEYS
        if k in provider_def
    )
    return _crs_transform_spec(settings, query_crs_uri)


# -- JSON answers -----------------------------------------------------------------------------


def to_json(dict_: dict[str, Any], pretty: bool = False) -> str:
    """pygeoapi's ``to_json`` with ``<`` and ``>`` written as JSON escapes (``\\u003c``,
    ``\\u003e``) instead of HTML entities. pygeoapi's entities change the data a client reads
    ("2 rue <b>" comes back "2 rue &lt;b&gt;"); the JSON escapes decode to the original text and
    still cannot close a ``<script>`` when the JSON is placed in a page."""
    text = json.dumps(
        dict_, default=json_serial, indent=4 if pretty else None, separators=(",", ":")
    )
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


@dataclass(frozen=True)
class Replacement:
    """A pygeoapi function (``home``.``name``) replaced by ``function`` in ``modules``: every
    pygeoapi module that imports it by name, found by ``tests/ogc/test_compat.py`` in the
    installed sources. A module whose optional dependency is not installed cannot be loaded,
    and is skipped."""

    home: str
    name: str
    function: Callable[..., Any]
    modules: tuple[str, ...]


REPLACEMENTS: tuple[Replacement, ...] = (
    Replacement(
        "pygeoapi.crs",
        "create_crs_transform_spec",
        create_crs_transform_spec,
        ("pygeoapi.api.itemtypes", "pygeoapi.api.environmental_data_retrieval"),
    ),
    Replacement(
        "pygeoapi.crs",
        "transform_bbox",
        transform_bbox,
        ("pygeoapi.api.itemtypes", "pygeoapi.api.maps"),
    ),
    Replacement(
        "pygeoapi.util",
        "to_json",
        to_json,
        (
            "pygeoapi.util",  # its templates' ``to_json`` filter reads it there
            "pygeoapi.api",
            "pygeoapi.api.admin",  # needs jsonpatch
            "pygeoapi.api.coverages",
            "pygeoapi.api.environmental_data_retrieval",
            "pygeoapi.api.itemtypes",
            "pygeoapi.api.maps",
            "pygeoapi.api.processes",
            "pygeoapi.api.stac",
            "pygeoapi.api.tiles",
            "pygeoapi.asyncapi",
            "pygeoapi.config",
            "pygeoapi.openapi",
            "pygeoapi.pubsub.kafka",  # needs kafka-python
        ),
    ),
)


def _rebind(replacement: Replacement) -> None:
    for module_name in replacement.modules:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if (exc.name or "").partition(".")[0] == "pygeoapi":
                raise
            continue  # an optional dependency is missing: this module never runs here
        current = getattr(module, replacement.name)
        if current is replacement.function:
            continue
        if (current.__module__, current.__qualname__) != (replacement.home, replacement.name):
            msg = f"{module_name}.{replacement.name} is already replaced by {current!r}"
            raise ImproperlyConfigured(msg)
        setattr(module, replacement.name, replacement.function)


# -- templates ----------------------------------------------------------------------------------

# ``dir="{% trans %}text_direction{% endtrans %}"`` needs a message catalogue that pygeoapi does not
# install, so every page says ``dir="text_direction"`` (an invalid value: left to right, Arabic
# too). The locale the templates receive is a babel ``Locale``, which knows its direction.
TEMPLATE_FIXES: tuple[tuple[str, str], ...] = (
    (
        'dir="{% trans %}text_direction{% endtrans %}"',
        'dir="{{ locale.text_direction }}"',
    ),
)


def fix_template(text: str) -> str:
    """A pygeoapi template with :data:`TEMPLATE_FIXES` made."""
    for broken, fixed in TEMPLATE_FIXES:
        text = text.replace(broken, fixed)
    return text


# -- the provider's base ------------------------------------------------------------------------

# ``CasaPostgreSQLProvider.query`` (ogc/provider.py) builds its query from these private methods
# of pygeoapi's ``PostgreSQLProvider``: name -> parameters.
PROVIDER_METHODS: dict[str, tuple[str, ...]] = {
    "_get_property_filters": ("self", "properties"),
    "_get_datetime_filter": ("self", "datetime_"),
    "_select_properties_clause": ("self", "select_properties", "skip_geometry"),
    "_sqlalchemy_to_feature": ("self", "item", "crs_transform_out", "select_properties"),
}


def check_provider_methods(provider: type | None = None) -> None:
    """Refuse a provider class (pygeoapi's ``PostgreSQLProvider`` unless given) without the
    methods of :data:`PROVIDER_METHODS`. A class that passed is not read again (a provider is
    made for every request)."""
    if provider is None:
        from pygeoapi.provider.sql import PostgreSQLProvider

        provider = cast(type, PostgreSQLProvider)
    _check_methods(provider)


@functools.cache
def _check_methods(provider: type) -> None:
    for name, parameters in PROVIDER_METHODS.items():
        method = getattr(provider, name, None)
        found = tuple(inspect.signature(method).parameters) if callable(method) else None
        if found != parameters:
            msg = (
                f"{provider.__name__}.{name} is {found or 'missing'}, not {parameters}: "
                "ogc/provider.py builds its query() on it"
            )
            raise ImproperlyConfigured(msg)


# -- what pygeoapi must still be ----------------------------------------------------------------

# SHA-256 of the source, in the supported release, of each pygeoapi function replaced or relied
# upon ("module:qualified.name" -> digest), and why.
UPSTREAM_SOURCES: dict[str, tuple[str, str]] = {
    "pygeoapi.crs:create_crs_transform_spec": (
        "af7281689ff46a2632a0a42688216fd9794ceb7e2ea517793d6685c775f1ab59",
        "kept per settings by create_crs_transform_spec, which reads storage_crs, crs and "
        "always_xy of the provider only, as it does",
    ),
    "pygeoapi.crs:transform_bbox": (
        "a23dfda832bfe0ef412741c2f5a64a5f88ec1f8a375fe5d76d20f9b63a47c33c",
        "replaced by transform_bbox, which falls back on it",
    ),
    "pygeoapi.util:to_json": (
        "4c8fb76bc003e89ff4bd8f24ea856bf2efd977ec292c18d065f181537a990794",
        "replaced by to_json",
    ),
    "pygeoapi.provider.sql:GenericSQLProvider.query": (
        "9e50740f88d5ca5d9b491aad29e0165c49eefd87162209b0e0b295c100da977c",
        "replaced by CasaPostgreSQLProvider.query",
    ),
    "pygeoapi.provider.sql:GenericSQLProvider.__init__": (
        "3d21da6bd0e2e3766c430504ba4895d5a3fafc77273fce0988bfd4874f820dde",
        "sets _engine and table_model, which CasaPostgreSQLProvider reads",
    ),
    "pygeoapi.provider.sql:GenericSQLProvider._get_property_filters": (
        "2cc22661956a71fe0ab11f9cc1af7e7002984ce2ef7b6dfc960687a4d239c28e",
        "a filter of CasaPostgreSQLProvider.query",
    ),
    "pygeoapi.provider.sql:GenericSQLProvider._get_cql_filters": (
        "5180a51deaab7848d3b01af5efb9ab92954a66cfee75607bfc5f74e16c8da68f",
        "replaced by CasaPostgreSQLProvider._get_cql_filters, on the published fields alone",
    ),
    "pygeoapi.provider.sql:PostgreSQLProvider._get_bbox_filter": (
        "6680fd9401166ccad07f6bb6fed1c11e599db01bfdaaf71fb532d9709c788af0",
        "replaced by CasaPostgreSQLProvider._get_bbox_filter: the same features, the exact test "
        "only on those on the bbox's edges",
    ),
    "pygeoapi.provider.sql:GenericSQLProvider._get_datetime_filter": (
        "e83797adb3c9902f06f489a2bd0ba9e341bb92b909cde54422ae881416f3f301",
        "a filter of CasaPostgreSQLProvider.query, which refuses a datetime first",
    ),
    "pygeoapi.provider.sql:GenericSQLProvider._select_properties_clause": (
        "2484287d835402f54876b01070ee582ff91261a51bb9ef684fa977ca896f1012",
        "the columns of CasaPostgreSQLProvider.query",
    ),
    "pygeoapi.provider.sql:GenericSQLProvider._sqlalchemy_to_feature": (
        "c4d1cd1286b3e5f283f911cc6ecac03d15fdffc25b351357bb15082d9d3b871c",
        "the features of CasaPostgreSQLProvider.query",
    ),
    "pygeoapi.api.itemtypes:get_collection_items": (
        "9aa926821ab28c07033ced14f3c359759cbf555766e798e3c9b3673f34a58140",
        "wrapped by ogc.paging.get_collection_items: keeps the provider's next link, reads "
        "offset from the request's params",
    ),
    "pygeoapi.api:APIRequest.params": (
        "58bab8fa2ab8b41c286daecbdd6fc2ecc9fd39873421b78158ee544a94fc0f0e",
        "returns _args, which ogc.paging.get_collection_items replaces for a cursor",
    ),
    "pygeoapi.api:API.__init__": (
        "5cfc63dac5fd48a6131d07fa2bf2b95058ba979bb93ee9fcc2fc5f382d86be0c",
        "sets the openapi attribute, a lazy property of CasaAPI",
    ),
    "pygeoapi.api:openapi_": (
        "259fe59b1c1a7170c9819b0d40b1aeed4c42c1f8526805d3f4800715ad3ed488",
        "reads the openapi attribute, a lazy property of CasaAPI",
    ),
}


_DEFINITIONS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def upstream_source(key: str) -> str:
    """The source text of a pygeoapi function or method, ``"module:qualified.name"``, as
    installed (read from its module's file, so a rebound name does not hide it)."""
    module_name, _, qualname = key.partition(":")
    source = inspect.getsource(importlib.import_module(module_name))
    body = ast.parse(source).body
    segment = None
    for part in qualname.split("."):
        node = next((n for n in body if isinstance(n, _DEFINITIONS) and n.name == part), None)
        if not isinstance(node, _DEFINITIONS):
            msg = f"{key}: no {part} in the installed pygeoapi"
            raise LookupError(msg)
        body, segment = node.body, ast.get_source_segment(source, node)
    if segment is None:
        msg = f"{key}: no source"
        raise LookupError(msg)
    return segment


def upstream_digest(key: str) -> str:
    return hashlib.sha256(upstream_source(key).encode()).hexdigest()


_APPLIED = threading.Event()
_APPLY_LOCK = threading.Lock()


def apply() -> None:
    """Check the installed pygeoapi and put the replacements in place, once in a process (the
    threads of a server may build their first ``API`` objects together). Idempotent."""
    if _APPLIED.is_set():
        return
    with _APPLY_LOCK:
        if _APPLIED.is_set():
            return
        check_version(version("pygeoapi"))
        for replacement in REPLACEMENTS:
            _rebind(replacement)
        _APPLIED.set()
