"""The pygeoapi configuration, generated from the layer registry (no hand-kept YAML).

:func:`build_config` gives the document for a set of layers: the public layers for anonymous
clients, more for a signed-in user who may see internal layers. Each layer is a collection read
from its publication view ``ogc."<slug>"`` by :class:`ogc.provider.CasaPostgreSQLProvider`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connections

from layers.common.conf import gis_settings
from layers.common.registry import THEMES, Layer
from ogc.conf import ogc_settings
from ogc.publication import SCHEMA, view_name
from ogc.templates import local_templates_dir, static_url
from ogc.views_registry import ReadOnlyCollection, read_only_collections

OGC_CRS = "http://www.opengis.net/def/crs/"
PROVIDER = "ogc.provider.CasaPostgreSQLProvider"


def crs_uri(code: str) -> str:
    """``EPSG/0/26191`` -> ``http://www.opengis.net/def/crs/EPSG/0/26191``."""
    return OGC_CRS + code


def storage_crs() -> str:
    return crs_uri(f"EPSG/0/{gis_settings()['STORAGE_SRID']}")


def offered_crs() -> list[str]:
    """The CRS a client may ask for (``crs``, ``bbox-crs``), CRS84 first (the default)."""
    return [crs_uri(c) for c in ogc_settings()["CRS"]] + [storage_crs()]


def database_params(alias: str = "default") -> dict[str, Any]:
    """pygeoapi's ``data`` block for the Django database ``alias`` (search path: the ``ogc``
    schema, where the publication views live)."""
    s = connections[alias].settings_dict
    return {
        "host": s["HOST"] or "localhost",
        "port": int(s["PORT"] or 5432),
        "dbname": s["NAME"],
        "user": s["USER"],
        "password": s["PASSWORD"],
        "search_path": [SCHEMA, "public"],
    }


# Pages are at most MAX_LIMIT features: no parallel workers. Each worker is a new process that
# must initialise PROJ for ST_Transform, which made a 100-feature page 15 times slower (22 ms
# instead of 1.5 ms on the large demo city).
# cursor_tuple_fraction=1: a streamed page (ogc.stream) is read from a server-side cursor, which
# PostgreSQL plans for its first 10 % of rows by default: with a bbox and ORDER BY id LIMIT n it
# then walks the id index and tests every parcel against the box (280 ms on the large city)
# instead of sorting the box's few thousand (30 ms). A page is always read whole.
SESSION_OPTIONS = "-c max_parallel_workers_per_gather=0 -c cursor_tuple_fraction=1"


def _connect_options(alias: str = "default") -> dict[str, Any]:
    """libpq options of the Django database (``sslmode``... from ``DATABASE_URL``) for pygeoapi's
    own connections, and the session settings above."""
    raw = connections[alias].settings_dict.get("OPTIONS") or {}
    out = {k: v for k, v in raw.items() if isinstance(v, (str, int)) and not isinstance(v, bool)}
    out["options"] = f"{out.get('options', '')} {SESSION_OPTIONS}".strip()
    return out


def _provider(data: dict[str, Any], table: str, *, editable: bool) -> dict[str, Any]:
    """The pygeoapi provider block of a collection read from the publication view ``table``."""
    provider: dict[str, Any] = {
        "type": "feature",
        "name": PROVIDER,
        "data": data,
        "id_field": "id",
        "table": table,
        "geom_field": "geom",
        "storage_crs": storage_crs(),
        "crs": offered_crs(),
        "editable": editable,
        "count_cap": ogc_settings()["COUNT_CAP"],
    }
    options = _connect_options()
    if options:
        provider["options"] = options
    return provider


def build_resource(layer: Layer, data: dict[str, Any], bbox: list[float]) -> dict[str, Any]:
    opts = layer.options
    provider = _provider(data, view_name(layer), editable=True)
    if opts.datetime_field:
        provider["time_field"] = opts.datetime_field
    if opts.label_field:
        provider["title_field"] = opts.label_field
    keywords = {lang: [THEMES[opts.theme][lang], layer.geometry_type] for lang in ("fr", "en")}
    resource: dict[str, Any] = {
        "type": "collection",
        "title": {lang: layer.title(lang) for lang in ("fr", "en", "ar")},
        "description": dict(opts.description),
        "keywords": keywords,
        "links": [],
        "extents": {"spatial": {"bbox": bbox, "crs": crs_uri("OGC/1.3/CRS84")}},
        "providers": [provider],
    }
    if opts.attribution:
        resource["links"].append(
            {
                "type": "text/plain",
                "rel": "license",
                "title": opts.attribution,
                "href": f"https://spdx.org/licenses/{opts.licence}.html",
            }
        )
    return resource


def build_read_only_resource(
    collection: ReadOnlyCollection, data: dict[str, Any], bbox: list[float]
) -> dict[str, Any]:
    """A derived, read-only collection (:mod:`ogc.views_registry`)."""
    provider = _provider(data, collection.slug, editable=False)
    if collection.label_field:
        provider["title_field"] = collection.label_field
    return {
        "type": "collection",
        "title": dict(collection.title),
        "description": dict(collection.description),
        "keywords": {lang: list(words) for lang, words in collection.keywords.items()},
        "links": [],
        "extents": {"spatial": {"bbox": bbox, "crs": crs_uri("OGC/1.3/CRS84")}},
        "providers": [provider],
    }


def build_config(
    layers: Iterable[Layer], *, base_url: str | None = None, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A complete pygeoapi configuration serving ``layers``."""
    ogc = ogc_settings()
    base_url = (base_url or settings.PUBLIC_URL + "/ogc").rstrip("/")
    data = data if data is not None else database_params()
    bbox = list(settings.GIS_EXTENT_LONLAT)
    city = gis_settings()["CITY_NAME"]
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": 5000},
            "url": base_url,
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "gzip": False,
            "languages": list(ogc["LANGUAGES"]),
            "pretty_print": False,
            "limits": {
                "default_items": ogc["DEFAULT_LIMIT"],
                "max_items": ogc["MAX_LIMIT"],
                "on_exceed": "throttle",
            },
            # The basemap of pygeoapi's HTML pages: the configured one, else a blank tile (no
            # outside host is contacted; the features are drawn over it).
            "map": {
                "url": settings.BASEMAP_URL or static_url("ogc/blank-tile.png"),
                "attribution": settings.BASEMAP_ATTRIBUTION or settings.ATTRIBUTION["OSM"],
            },
            "api_rules": {"strict_slashes": True},
            "templates": {"path": str(local_templates_dir())},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": {
                    "fr": f"Plateforme urbaine de {city}",
                    "en": f"{city} Urban Platform",
                    "ar": f"المنصة الحضرية {city}",
                },
                "description": {
                    "fr": "Couches de l'agence urbaine en OGC API Features.",
                    "en": "The urban agency's layers as OGC API Features.",
                    "ar": "طبقات الوكالة الحضرية.",
                },
                "keywords": {"fr": ["SIG", "urbanisme", city], "en": ["GIS", "planning", city]},
                "keywords_type": "theme",
                "terms_of_service": "https://opendatacommons.org/licenses/odbl/1-0/",
                "url": settings.PUBLIC_URL,
            },
            "license": {
                "name": "ODbL 1.0",
                "url": "https://opendatacommons.org/licenses/odbl/1-0/",
            },
            "provider": {"name": f"Agence urbaine de {city}", "url": settings.PUBLIC_URL},
            "contact": {"name": f"Agence urbaine de {city}", "url": settings.PUBLIC_URL},
        },
        "resources": {
            **{layer.slug: build_resource(layer, data, bbox) for layer in layers},
            **{c.slug: build_read_only_resource(c, data, bbox) for c in read_only_collections()},
        },
    }
