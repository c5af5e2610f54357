"""The columns vector tiles draw from, derived from each layer's ``geom`` and kept by the database
as stored generated columns, so that no tile transforms or measures a feature:

- ``tile_geom``: the geometry in the tile SRID (Web Mercator), with its own GiST index, which the
  tile's envelope is compared with directly;
- ``tile_size``: the feature's area (areas) or length (lines) in ground metres, 0 for points; the
  least size a zoom can show, and which features a full tile keeps (the largest);
- ``tile_geom_z<N>``: for each :class:`~layers.common.registry.TileBand` with ``simplify``, the
  Web Mercator geometry generalised by :data:`GENERALISE_PIXELS` of a zoom-``N`` tile.

Every write path (ORM, admin, pygeoapi, ingest, SQL) goes through them, as through the history and
version triggers. The history leaves them out (they are the trigger's arguments).

``manage.py tile_columns -o tiles/sql/000N_tile_columns.sql`` writes the DDL from the registry;
a ``tiles`` migration applies it (see ``0001_tile_columns.py``), and the tests check that the
committed file is what the registry asks for."""

from __future__ import annotations

from collections.abc import Iterable

from psycopg import sql

from layers.common.conf import gis_settings
from layers.common.registry import GEOMETRY_FIELD, Layer, TileBand
from tiles.grid import tile_width

SQL_FILE_GLOB = "*_tile_columns.sql"  # the files of tiles/sql/ written by ``tile_columns``
TILE_GEOM = "tile_geom"
TILE_SIZE = "tile_size"
# Tolerance of a generalised copy, in pixels of a 256-pixel tile at the band's last zoom: below
# what the tile grid (4096 units, 1/16 pixel) and the eye can tell apart at that zoom.
GENERALISE_PIXELS = 0.5


def band_column(band: TileBand) -> str:
    return f"{TILE_GEOM}_z{band.max_zoom}"


def band_tolerance(band: TileBand) -> float:
    """The generalised copy's tolerance in Web Mercator metres."""
    return tile_width(band.max_zoom) / 256 * GENERALISE_PIXELS


def derived_columns(layer: Layer) -> list[str]:
    """The derived columns of ``layer``'s table, in the order the DDL adds them."""
    bands = [band_column(b) for b in layer.options.tile_bands if b.simplify]
    return [TILE_GEOM, TILE_SIZE, *bands]


def _layer_sql(layer: Layer) -> tuple[sql.Composed, sql.Composed]:
    table = sql.Identifier(layer.table)
    geom = sql.Identifier(GEOMETRY_FIELD)
    srid = sql.Literal(gis_settings()["TILE_SRID"])
    typed = sql.SQL("geometry({}, {})").format(sql.SQL(layer.geometry_type), srid)
    mercator = sql.SQL("ST_Transform({}, {})").format(geom, srid)
    columns = [
        sql.SQL("ADD COLUMN {} {} GENERATED ALWAYS AS ({}) STORED").format(
            sql.Identifier(TILE_GEOM), typed, mercator
        ),
        sql.SQL(
            "ADD COLUMN {} double precision GENERATED ALWAYS AS (ST_Area({}) + ST_Length({})) STORED"
        ).format(sql.Identifier(TILE_SIZE), geom, geom),
    ]
    for band in layer.options.tile_bands:
        if band.simplify:
            # The type is left open: a generalised multi-part geometry may come back single.
            columns.append(
                sql.SQL(
                    "ADD COLUMN {} geometry(Geometry, {}) GENERATED ALWAYS AS "
                    "(ST_Simplify({}, {}, true)) STORED"
                ).format(
                    sql.Identifier(band_column(band)),
                    srid,
                    mercator,
                    sql.Literal(round(band_tolerance(band), 6)),
                )
            )
    derived = sql.SQL(", ").join(sql.Literal(c) for c in derived_columns(layer))
    index = sql.Identifier(f"{layer.table}_{TILE_GEOM}")
    name = sql.Literal(layer.table)
    forward = sql.SQL("\n").join(
        [
            sql.SQL("ALTER TABLE {}\n  {};").format(table, sql.SQL(",\n  ").join(columns)),
            sql.SQL("CREATE INDEX {} ON {} USING gist ({});").format(
                index, table, sql.Identifier(TILE_GEOM)
            ),
            # The history triggers, made again to leave the derived columns out.
            sql.SQL("SELECT layers_track({}::regclass, ARRAY[{}]);").format(name, derived),
            sql.SQL("ANALYZE {};").format(table),
        ]
    )
    reverse = sql.SQL("\n").join(
        [
            sql.SQL("SELECT layers_track({}::regclass);").format(name),
            sql.SQL("ALTER TABLE {}\n  {};").format(
                table,
                sql.SQL(",\n  ").join(
                    sql.SQL("DROP COLUMN {}").format(sql.Identifier(c))
                    for c in derived_columns(layer)
                ),
            ),
        ]
    )
    return forward, reverse


def build_tile_columns_sql(layers: Iterable[Layer]) -> tuple[str, str]:
    """(forward, reverse) DDL of the derived tile columns of ``layers``, one statement a block."""
    header = (
        "-- Derived tile columns, written by `manage.py tile_columns` from the layer registry "
        "(tiles/derived.py).\n"
    )
    forward, reverse = [header], [header]
    for layer in sorted(layers, key=lambda lyr: lyr.table):
        f, r = _layer_sql(layer)
        forward.append(f.as_string() + "\n")
        reverse.append(r.as_string() + "\n")
    return "\n".join(forward), "\n".join(reverse)
