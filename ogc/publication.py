"""Publication views: ``ogc."<slug>"`` exposes exactly a layer's published fields and its geometry,
then the geometry's Web Mercator copy that the database keeps for the tiles (``tile_geom``,
:mod:`tiles.derived`).

OGC API Features reads these views, never the tables, so an attribute the registry does not publish
(``reporter_contact`` of a citizen report, timestamps) can be neither returned nor filtered on.
Foreign keys are published under their field name (``regulation``), not their column name.

The Web Mercator copy is never published as an attribute (``ogc.provider`` hides it): the provider
writes WGS 84 and Web Mercator output from it, which costs PostGIS a third of transforming the
stored geometry (no datum shift per vertex): 20 ms instead of 57 for 10,000 parcels in WGS 84.
"""

from __future__ import annotations

from psycopg import sql

from layers.common.registry import GEOMETRY_FIELD, Layer
from tiles.derived import TILE_GEOM

SCHEMA = "ogc"
MERCATOR_COPY = TILE_GEOM  # the view's column of the geometry in the tile SRID, under its name


def view_name(layer: Layer) -> str:
    return layer.slug


def view_columns(layer: Layer) -> list[tuple[str, str]]:
    """(table column, published name) for each published field, then the geometry, then its Web
    Mercator copy (not published)."""
    return [*layer.columns([*layer.options.fields, GEOMETRY_FIELD]), (MERCATOR_COPY, MERCATOR_COPY)]


def build_view_sql(layer: Layer) -> sql.Composed:
    """``CREATE OR REPLACE VIEW ogc."<slug>" AS SELECT ... FROM <table>``."""
    columns = sql.SQL(", ").join(
        sql.Identifier(col)
        if col == name
        else sql.SQL("{} AS {}").format(sql.Identifier(col), sql.Identifier(name))
        for col, name in view_columns(layer)
    )
    return sql.SQL("CREATE OR REPLACE VIEW {}.{} AS SELECT {} FROM {}").format(
        sql.Identifier(SCHEMA),
        sql.Identifier(view_name(layer)),
        columns,
        sql.Identifier(layer.table),
    )


def build_all_views_sql(layers: list[Layer]) -> str:
    """The whole DDL of the ``ogc`` schema, as written to ``ogc/sql/`` for a migration."""
    from django.db import connection

    with connection.cursor() as cur:
        raw = cur.connection  # psycopg connection, to render identifiers
        lines = [f"CREATE SCHEMA IF NOT EXISTS {SCHEMA};"]
        lines += [build_view_sql(layer).as_string(raw) + ";" for layer in layers]
    return "\n".join(lines) + "\n"
