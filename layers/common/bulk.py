"""Bulk writes into layer tables: indexes built from all the rows at once instead of row by row.

A write of many rows into a table keeps each index up to date row by row; building the index
from all the rows at once, sorted, costs a fraction of that (the parcels' two trigram GIN indexes
alone, grown row by row, double the cost of an insert). :func:`drop_indexes` drops, inside the
caller's transaction, the tables' indexes that no constraint owns (spatial, text search, plain
b-trees) and the unique constraints that no foreign key leans on; :func:`build_indexes` makes them
again from PostgreSQL's own definitions (``pg_get_indexdef``, ``pg_get_constraintdef``). If the
transaction fails, the rollback brings them back as they were.

``DROP INDEX`` locks the table against readers until the commit: the demo loader uses this on
the tables it fills, the ingest on a layer table that holds no row yet (see ``ingest.writers``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from psycopg import sql

# For the index builds at the end of a bulk write (set for its transaction only).
INDEX_BUILD_MEMORY = "256MB"

# The indexes of the tables that no constraint owns (primary keys and unique constraints keep
# theirs): name, table (both as regclass::text writes them) and definition.
LOOSE_INDEXES = """
SELECT i.indexrelid::regclass::text, i.indrelid::regclass::text, pg_get_indexdef(i.indexrelid)
  FROM pg_index i
 WHERE i.indrelid = ANY(%s::regclass[])
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
 ORDER BY 1
"""

# The unique constraints of the tables that no foreign key leans on: table, name, definition.
LOOSE_UNIQUES = """
SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
  FROM pg_constraint c
 WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype = 'u'
   AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)
 ORDER BY 1, 2
"""


class Cursor(Protocol):
    """What these functions ask of a cursor: Django's (``connection.cursor()``) or psycopg's."""

    def execute(self, query: Any, params: Any = ..., /) -> Any: ...

    def fetchall(self) -> Any: ...


def use_build_memory(cursor: Cursor) -> None:
    """Give this transaction's index builds :data:`INDEX_BUILD_MEMORY`."""
    cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [INDEX_BUILD_MEMORY])


def drop_index(name: str) -> sql.Composed:
    """``name``: as ``regclass::text`` writes it (already quoted where needed)."""
    return sql.SQL("DROP INDEX {}").format(sql.SQL(name))


def drop_constraint(table: str, name: str) -> sql.Composed:
    """``table``: as ``regclass::text`` writes it; ``name``: the constraint's name."""
    return sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.SQL(table), sql.Identifier(name))


def add_constraint(table: str, name: str, definition: str) -> sql.Composed:
    """``definition``: as ``pg_get_constraintdef`` writes it."""
    return sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
        sql.SQL(table), sql.Identifier(name), sql.SQL(definition)
    )


@dataclass
class Dropped:
    """What :func:`drop_indexes` dropped, to be built again."""

    indexes: list[tuple[str, str, str]] = field(default_factory=list)  # name, table, definition
    uniques: list[tuple[str, str, str]] = field(default_factory=list)  # table, name, definition

    def __len__(self) -> int:
        return len(self.indexes) + len(self.uniques)


def drop_indexes(cursor: Cursor, tables: Sequence[str]) -> Dropped:
    """Drop the tables' loose indexes and unique constraints, inside the caller's transaction."""
    cursor.execute(LOOSE_INDEXES, [list(tables)])
    dropped = Dropped(indexes=[tuple(r) for r in cursor.fetchall()])
    cursor.execute(LOOSE_UNIQUES, [list(tables)])
    dropped.uniques = [tuple(r) for r in cursor.fetchall()]
    for name, _, _ in dropped.indexes:
        cursor.execute(drop_index(name))
    for table, name, _ in dropped.uniques:
        cursor.execute(drop_constraint(table, name))
    return dropped


def build_indexes(
    cursor: Cursor,
    dropped: Dropped,
    *,
    indexes: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Add the unique constraints again, then (``indexes``) build the loose indexes; ``progress``
    is told how many of them are whole."""
    use_build_memory(cursor)
    steps: list[sql.Composable] = [add_constraint(*u) for u in dropped.uniques]
    if indexes:
        steps += [sql.SQL(definition) for _, _, definition in dropped.indexes]
    for done, step in enumerate(steps, start=1):
        cursor.execute(step)
        if progress:
            progress(done, len(steps))
