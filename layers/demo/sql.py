"""SQL of the demo loader: fixed statements with bound parameters, and small builders that quote
table and column names with ``psycopg.sql.Identifier``."""

from __future__ import annotations

from collections.abc import Iterable

from psycopg import sql

_TO_STORAGE = (
    "ST_Multi(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(%(geojson)s), %(api)s), %(storage)s))"
)

INSERT_ARRONDISSEMENT = f"""
INSERT INTO boundaries_arrondissement
  (id, code, code_hcp, name_fr, name_ar, prefecture_id, population_2024, households_2024, geom)
VALUES (%(id)s, %(code)s, %(code_hcp)s, %(name_fr)s, %(name_ar)s, %(prefecture_id)s,
        %(population_2024)s, %(households_2024)s, {_TO_STORAGE})
"""  # noqa: S608 (a constant SQL fragment, no value)

INSERT_PREFECTURE = """
INSERT INTO boundaries_prefecture (id, code, name_fr, name_ar, population_2024, households_2024, geom)
SELECT %(id)s, %(code)s, %(name_fr)s, %(name_ar)s, %(population_2024)s, %(households_2024)s,
       ST_Multi(ST_Union(geom))
  FROM boundaries_arrondissement WHERE prefecture_id = %(id)s
"""

INSERT_COMMUNE = f"""
INSERT INTO boundaries_commune
  (id, code, name_fr, name_ar, commune_type, province_fr, population_2024, households_2024, geom)
VALUES (%(id)s, %(code)s, %(name_fr)s, %(name_ar)s, %(commune_type)s, %(province_fr)s,
        %(population_2024)s, %(households_2024)s, {_TO_STORAGE})
"""  # noqa: S608 (a constant SQL fragment, no value)

# Place Mohammed V, the origin of the demo city's local frame.
CENTRE = """
SELECT ST_X(p), ST_Y(p)
  FROM ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), %(api)s), %(storage)s) AS p
"""

ARRONDISSEMENTS = "SELECT id, code, name_fr, name_ar, ST_AsBinary(geom) FROM boundaries_arrondissement ORDER BY id"
PREFECTURES = (
    "SELECT id, code, name_fr, name_ar, ST_AsBinary(geom) FROM boundaries_prefecture ORDER BY id"
)
COMMUNES = (
    "SELECT id, code, name_fr, name_ar, ST_AsBinary(geom) FROM boundaries_commune ORDER BY id"
)

CHECK_CONSTRAINTS_NOW = "SET CONSTRAINTS ALL IMMEDIATE"
DEFER_CONSTRAINTS = "SET CONSTRAINTS ALL DEFERRED"


def exists_rows(table: str) -> sql.Composed:
    return sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))


def truncate(tables: Iterable[str]) -> sql.Composed:
    """Empty the tables and restart their ids; the statement-level version trigger still fires."""
    return sql.SQL("TRUNCATE {} RESTART IDENTITY").format(
        sql.SQL(", ").join(sql.Identifier(t) for t in tables)
    )


def delete_all(table: str) -> sql.Composed:
    return sql.SQL("DELETE FROM {}").format(sql.Identifier(table))


def copy_into(table: str, columns: Iterable[str]) -> sql.Composed:
    return sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )


def restart_ids(table: str) -> sql.Composed:
    """Move the id sequence past the ids written explicitly."""
    return sql.SQL(
        "SELECT setval(pg_get_serial_sequence({name}, 'id'), coalesce(max(id), 0) + 1, false) FROM {table}"
    ).format(name=sql.Literal(table), table=sql.Identifier(table))


# Indexes left to build after a load's commit (``PendingIndex``): recorded in the load's
# transaction, taken one at a time by each builder (the biggest table first, its GIN indexes
# first; not those whose build failed in this run), and deleted in the transaction that builds
# them: a build that fails or dies leaves its index listed.
RECORD_PENDING = """
INSERT INTO demo_pending_index (name, "table", definition) VALUES (%s, %s, %s)
ON CONFLICT (name) DO UPDATE SET "table" = EXCLUDED."table", definition = EXCLUDED.definition
"""
TAKE_PENDING = """
DELETE FROM demo_pending_index
 WHERE name = (SELECT name FROM demo_pending_index
                WHERE name <> ALL(%s)  -- the indexes whose build failed in this run
                ORDER BY pg_relation_size("table"::regclass) DESC,
                         position(' USING gin ' IN definition) > 0 DESC, name
                LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING name, definition
"""
