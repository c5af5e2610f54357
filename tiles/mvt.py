"""The vector-tile query builder: pure (no database, no request), so another server could run it.

``build_tile_query(layers, z, x, y)`` returns one SQL statement and its parameters; the statement
yields one ``bytea``, the concatenation of one ``ST_AsMVT`` layer per registry layer (protobuf
layers concatenate into a valid tile). ARCHITECTURE.md, decision 6; STYLE.md, rule 9.

Tiles read the derived columns of :mod:`tiles.derived` (the Web Mercator copy, the size, the
generalised copies), so no feature is transformed, measured or generalised per request; each
zoom draws what its :class:`~layers.common.registry.TileBand` says. ``ST_AsMVTGeom`` itself drops
the vertices the tile grid cannot tell apart (1/16 pixel); coarser generalisation at low zooms
comes from the bands' stored copies, never from a per-request ``ST_Simplify``, which cost a
quarter of a zoom-14 parcel tile for no smaller tile."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from psycopg import sql

from layers.common.registry import Layer, TileBand
from tiles.conf import tile_settings
from tiles.derived import TILE_GEOM, TILE_SIZE, band_column
from tiles.grid import tile_center_latitude, tile_width

SQL_DIR = Path(__file__).resolve().parent / "sql"

FEATURE_ID = "id"  # travels as the MVT feature id, never as an attribute too


@cache
def read_sql(name: str) -> str:
    """A statement from ``tiles/sql/``, without its comment lines."""
    text = (SQL_DIR / name).read_text()
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))


def layers_at_zoom(layers: Sequence[Layer], z: int) -> list[Layer]:
    """The layers drawn at zoom ``z`` (their registry zoom range includes it)."""
    return [lyr for lyr in layers if lyr.options.min_zoom <= z <= lyr.options.max_zoom]


def band_at_zoom(layer: Layer, z: int) -> TileBand | None:
    """The layer's tile band holding zoom ``z``, None past the last band (full detail)."""
    return next((band for band in layer.options.tile_bands if z <= band.max_zoom), None)


def feature_cap(layer: Layer) -> int:
    """Most features one tile of ``layer`` holds: the layer's own cap, else the TILES default."""
    return layer.options.max_features_per_tile or tile_settings()["MAX_FEATURES_PER_TILE"]


def filters_by_size(layer: Layer, z: int) -> bool:
    """Whether zoom ``z`` draws only features of at least a least size (:func:`min_size`): its
    band sets ``min_pixels`` and the layer is not of points."""
    band = band_at_zoom(layer, z)
    return band is not None and bool(band.min_pixels) and "Point" not in layer.geometry_type


def min_size(layer: Layer, z: int, y: int) -> float:
    """The least ``tile_size`` drawn at zoom ``z`` (ground square metres for areas, metres for
    lines), from the band's ``min_pixels`` and the ground size of a pixel at the tile's latitude;
    0 for points and when the band sets none."""
    band = band_at_zoom(layer, z)
    if band is None or not filters_by_size(layer, z):
        return 0.0
    pixel = tile_width(z) / 256 * math.cos(math.radians(tile_center_latitude(z, y)))
    return band.min_pixels * (pixel * pixel if "Polygon" in layer.geometry_type else pixel)


def tile_columns(layer: Layer, z: int | None = None) -> list[tuple[str, str]]:
    """(database column, MVT attribute name) of the tile attributes at zoom ``z`` (all zooms past
    the bands when None): the band's ``fields`` or the layer's ``tile_fields``, without the id."""
    band = band_at_zoom(layer, z) if z is not None else None
    names = band.fields if band is not None and band.fields is not None else None
    chosen = layer.options.tile_fields if names is None else names
    return layer.columns(name for name in chosen if name != FEATURE_ID)


def _layer_params(layer: Layer, i: int, z: int, y: int, params: dict[str, Any]) -> None:
    """The parameters of layer ``i``'s part of the tile statement at zoom ``z``, row ``y``."""
    band = band_at_zoom(layer, z)
    if band is not None and band.classes:
        params[f"classes_{i}"] = list(band.classes)
    if filters_by_size(layer, z):
        params[f"size_{i}"] = min_size(layer, z, y)
    params[f"name_{i}"] = layer.slug
    params[f"cap_{i}"] = feature_cap(layer)


def _layer_query(layer: Layer, i: int, z: int) -> sql.Composed:
    """Layer ``i``'s part of the tile statement at zoom ``z``: the same text for every tile of the
    zoom (what changes from tile to tile is in :func:`_layer_params`)."""
    columns = tile_columns(layer, z)
    band = band_at_zoom(layer, z)
    source = band_column(band) if band is not None and band.simplify else TILE_GEOM
    geom = sql.SQL("t.{}").format(sql.Identifier(source))
    filters: list[sql.Composable] = []
    if band is not None and band.classes:
        assert layer.options.style.by is not None  # checked by the registry
        filters.append(
            sql.SQL(" AND {} = ANY({})").format(
                sql.Identifier(layer.column(layer.options.style.by)),
                sql.Placeholder(f"classes_{i}"),
            )
        )
    if filters_by_size(layer, z):
        filters.append(
            sql.SQL(" AND {} >= {}").format(sql.Identifier(TILE_SIZE), sql.Placeholder(f"size_{i}"))
        )
    points = "Point" in layer.geometry_type
    order = sql.SQL("" if points else "ORDER BY {} DESC").format(sql.Identifier(TILE_SIZE))
    inner = {"id", source, *(column for column, _ in columns)}
    return sql.SQL(read_sql("tile_layer.sql")).format(
        name=sql.Placeholder(f"name_{i}"),
        geom_expr=geom,
        columns=sql.SQL("").join(
            sql.SQL("t.{} AS {}, ").format(sql.Identifier(column), sql.Identifier(name))
            for column, name in columns
        ),
        inner_columns=sql.SQL(", ").join(sql.Identifier(c) for c in sorted(inner)),
        table=sql.Identifier(layer.table),
        filters=sql.SQL("").join(filters),
        order=order,
        cap=sql.Placeholder(f"cap_{i}"),
    )


# Statement texts by (the layers' identities, zoom), with the layers they were built for: a
# registry layer is one object for the process's life, so a text is built once per layer set and
# zoom instead of once per tile (a few tenths of a millisecond, the cost of a deep-zoom tile's
# whole query). Emptied when full; a city's layers and zooms are far fewer.
_STATEMENTS: dict[tuple[tuple[int, ...], int, bool], tuple[tuple[Layer, ...], str]] = {}
STATEMENTS_KEPT = 512

# The version stamp of the table named by the ``stamp_table`` parameter, read in the tile's own
# statement (:func:`build_stamped_tile_query`): a NULL version when the table was never written.
STAMP_COLUMNS = sql.SQL(
    ", v.version, v.changed_at FROM (SELECT) AS one"
    " LEFT JOIN layers_version AS v ON v.table_name = {}"
).format(sql.Placeholder("stamp_table"))


def tile_statement(layers: Sequence[Layer], z: int, stamped: bool = False) -> str:
    """The text of the tile statement of ``layers`` at zoom ``z`` (kept, see ``_STATEMENTS``);
    ``stamped``, the first layer's version stamp follows the tile in its row."""
    key = (tuple(id(lyr) for lyr in layers), z, stamped)
    kept = _STATEMENTS.get(key)
    if kept is not None and all(a is b for a, b in zip(kept[0], layers, strict=True)):
        return kept[1]
    parts = [
        sql.SQL("coalesce(({}), '')").format(_layer_query(layer, i, z))
        for i, layer in enumerate(layers)
    ]
    text = (
        sql.SQL("{} SELECT {}{}")
        .format(
            sql.SQL(read_sql("tile_envelope.sql")),
            sql.SQL(" || ").join(parts),
            STAMP_COLUMNS if stamped else sql.SQL(""),
        )
        .as_string()
    )
    if len(_STATEMENTS) >= STATEMENTS_KEPT:
        _STATEMENTS.clear()
    _STATEMENTS[key] = (tuple(layers), text)
    return text


def build_tile_query(layers: Sequence[Layer], z: int, x: int, y: int) -> tuple[str, dict[str, Any]]:
    """One statement returning the tile ``z/x/y`` of ``layers`` (one MVT layer each, named by
    slug, the id as feature id, attributes from the zoom's band or ``tile_fields``) as a single
    ``bytea``, empty when nothing is there.

    The caller checks the tile coordinates and the layers' zoom range and permissions."""
    params = _tile_params(layers, z, x, y)
    return tile_statement(layers, z), params


def _tile_params(layers: Sequence[Layer], z: int, x: int, y: int) -> dict[str, Any]:
    """The values the tile statement of ``layers`` at ``z`` binds for the tile ``z/x/y``."""
    if not layers:
        raise ValueError("a tile needs at least one layer")
    tiles = tile_settings()
    params: dict[str, Any] = {
        "z": z,
        "x": x,
        "y": y,
        "extent": tiles["EXTENT"],
        "buffer": tiles["BUFFER"],
        "margin": tiles["BUFFER"] / tiles["EXTENT"],
    }
    for i, layer in enumerate(layers):
        _layer_params(layer, i, z, y, params)
    return params


def build_stamped_tile_query(layer: Layer, z: int, x: int, y: int) -> tuple[str, dict[str, Any]]:
    """The statement of :func:`build_tile_query` for one layer drawn at ``z``, whose row also
    holds the layer's version stamp (``version``, ``changed_at``; NULL for a table never written).
    One statement reads both in one snapshot, so the tile is the one of that version; the lean
    tile path draws a tile it has no file for in one round trip instead of two."""
    params = _tile_params([layer], z, x, y)
    params["stamp_table"] = layer.table
    return tile_statement([layer], z, stamped=True), params
