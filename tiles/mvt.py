"""The vector-tile query builder: pure (no database, no request), so another server could run it.

``build_tile_query(layers, z, x, y)`` returns one SQL statement and its parameters; the statement
yields one ``bytea``, the concatenation of one ``ST_AsMVT`` layer per registry layer (protobuf
layers concatenate into a valid tile). ARCHITECTURE.md, decision 6; STYLE.md, rule 9.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from psycopg import sql

from layers.common.conf import gis_settings
from layers.common.registry import Layer
from tiles.conf import tile_settings
from tiles.grid import tile_center_latitude, tile_width

SQL_DIR = Path(__file__).resolve().parent / "sql"

GEOMETRY_COLUMN = "geom"


@cache
def read_sql(name: str) -> str:
    """A statement from ``tiles/sql/``, without its comment lines."""
    text = (SQL_DIR / name).read_text()
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))


def layers_at_zoom(layers: Sequence[Layer], z: int) -> list[Layer]:
    """The layers drawn at zoom ``z`` (their registry zoom range includes it)."""
    return [lyr for lyr in layers if lyr.options.min_zoom <= z <= lyr.options.max_zoom]


def feature_cap(layer: Layer) -> int:
    """Most features one tile of ``layer`` holds: the layer's own cap, else the TILES default."""
    return layer.options.max_features_per_tile or tile_settings()["MAX_FEATURES_PER_TILE"]


def simplify_tolerance(layer: Layer, z: int, y: int) -> float:
    """Simplification tolerance in storage-SRID metres for this tile, 0 for none.

    ``SIMPLIFY_PIXELS`` of a 256-pixel tile, converted from Web Mercator metres to ground metres
    (times the cosine of the latitude); points and deep zooms are not simplified."""
    tiles = tile_settings()
    if "Point" in layer.geometry_type or z >= tiles["SIMPLIFY_BELOW_ZOOM"]:
        return 0.0
    ground_pixel = tile_width(z) / 256 * math.cos(math.radians(tile_center_latitude(z, y)))
    return ground_pixel * tiles["SIMPLIFY_PIXELS"]


def tile_columns(layer: Layer) -> list[tuple[str, str]]:
    """(database column, MVT attribute name) for the layer's ``tile_fields``."""
    return layer.columns(layer.options.tile_fields)


def _layer_query(layer: Layer, i: int, z: int, y: int, params: dict[str, Any]) -> sql.Composed:
    columns = tile_columns(layer)
    tolerance = simplify_tolerance(layer, z, y)
    geom = sql.SQL("t.{}").format(sql.Identifier(GEOMETRY_COLUMN))
    if tolerance > 0:
        geom = sql.SQL("ST_Simplify({}, {}, true)").format(geom, sql.Placeholder(f"tolerance_{i}"))
        params[f"tolerance_{i}"] = tolerance
    params[f"name_{i}"] = layer.slug
    params[f"cap_{i}"] = feature_cap(layer)
    inner = {"id", GEOMETRY_COLUMN, *(column for column, _ in columns)}
    return sql.SQL(read_sql("tile_layer.sql")).format(
        name=sql.Placeholder(f"name_{i}"),
        geom_expr=geom,
        columns=sql.SQL(", ").join(
            sql.SQL("t.{} AS {}").format(sql.Identifier(column), sql.Identifier(name))
            for column, name in columns
        ),
        inner_columns=sql.SQL(", ").join(sql.Identifier(c) for c in sorted(inner)),
        table=sql.Identifier(layer.table),
        cap=sql.Placeholder(f"cap_{i}"),
    )


def build_tile_query(layers: Sequence[Layer], z: int, x: int, y: int) -> tuple[str, dict[str, Any]]:
    """One statement returning the tile ``z/x/y`` of ``layers`` (one MVT layer each, named by
    slug, attributes from ``tile_fields``) as a single ``bytea``, empty when nothing is there.

    The caller checks the tile coordinates and the layers' zoom range and permissions."""
    if not layers:
        raise ValueError("a tile needs at least one layer")
    tiles, gis = tile_settings(), gis_settings()
    margin = tiles["BUFFER"] / tiles["EXTENT"]
    params: dict[str, Any] = {
        "z": z,
        "x": x,
        "y": y,
        "extent": tiles["EXTENT"],
        "buffer": tiles["BUFFER"],
        "margin": margin,
        "segment": tile_width(z) * (1 + 2 * margin) / tiles["DENSIFY_SEGMENTS"],
        "storage_srid": gis["STORAGE_SRID"],
        "tile_srid": gis["TILE_SRID"],
    }
    parts = [
        sql.SQL("coalesce(({}), '')").format(_layer_query(layer, i, z, y, params))
        for i, layer in enumerate(layers)
    ]
    statement = sql.SQL("{} SELECT {}").format(
        sql.SQL(read_sql("tile_envelope.sql")), sql.SQL(" || ").join(parts)
    )
    return statement.as_string(), params
