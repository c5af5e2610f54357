"""Publication views: ``ogc."<slug>"`` exposes exactly a layer's published fields and its geometry.

OGC API Features reads these views, never the tables, so an attribute the registry does not publish
(``reporter_contact`` of a citizen report, timestamps) can be neither returned nor filtered on.
Foreign keys are published under their field name (``regulation``), not their column name.
"""

from __future__ import annotations

from psycopg import sql

from layers.common.registry import GEOMETRY_FIELD, Layer

SCHEMA = "ogc"


def view_name(layer: Layer) -> str:
    return layer.slug


def view_columns(layer: Layer) -> list[tuple[str, str]]:
    """(table column, published name) for each published field, then the geometry."""
    return layer.columns([*layer.options.fields, GEOMETRY_FIELD])


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
