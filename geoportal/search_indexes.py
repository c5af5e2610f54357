"""Trigram indexes of the portal's search, generated from the layer registry's ``search_fields``.

Every searched attribute needs a GIN trigram index on ``portal_unaccent(column)``, the expression
the search compares (``geoportal/portal/selectors.py``), or the search reads the whole table.
``manage.py search_indexes -o geoportal/sql/000N_search_indexes.sql`` writes the statements that
take the indexes of the committed files (``geoportal/sql/*.sql``, replayed in order) to the
registry's, and their reverse next to them, one statement a line; a migration applies both with
``read_sql_lines`` and ``atomic = False`` (indexes are built concurrently, each statement alone).
``tests/geoportal/test_search_indexes.py`` checks that the newest file is what the command
writes, so a search field added without its index fails the tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from psycopg import sql

from layers.common.registry import Layer

SQL_DIR = Path(__file__).resolve().parent / "sql"
MAX_IDENTIFIER = 63  # PostgreSQL cuts longer names (NAMEDATALEN - 1)

HEADER = (
    "-- Trigram indexes of the portal's search, written by `manage.py search_indexes` from the\n"
    "-- layer registry's search_fields (tests/geoportal/test_search_indexes.py checks this file is\n"
    "-- exactly its output).\n"
)

# One statement per line in the committed files: these find the index each one creates or drops.
_CREATE = re.compile(r'^CREATE INDEX CONCURRENTLY IF NOT EXISTS "([^"]+)" ')
_DROP = re.compile(r'^DROP INDEX CONCURRENTLY IF EXISTS "([^"]+)";$')


@dataclass(frozen=True)
class SearchIndex:
    """The trigram index of one searched column."""

    table: str
    column: str

    @property
    def name(self) -> str:
        return f"portal_{self.table}_{self.column}_unaccent_trgm"[:MAX_IDENTIFIER]

    def create(self) -> str:
        return _render(
            sql.SQL(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} "
                "USING gin ((portal_unaccent({})) gin_trgm_ops);"
            ).format(
                sql.Identifier(self.name), sql.Identifier(self.table), sql.Identifier(self.column)
            )
        )


def drop_index(name: str) -> str:
    return _render(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {};").format(sql.Identifier(name)))


def _render(statement: sql.Composed) -> str:
    # Identifiers only (no values): psycopg quotes them without a connection.
    return statement.as_string()


def wanted_indexes(layers: Iterable[Layer]) -> list[SearchIndex]:
    """One index per searched column of ``layers``, in registry order."""
    indexes: dict[str, SearchIndex] = {}
    for layer in layers:
        for name in layer.options.search_fields:
            index = SearchIndex(layer.table, layer.column(name))
            other = indexes.setdefault(index.name, index)
            if other != index:
                raise ValueError(f"index name {index.name!r} is cut to the same name twice")
    return list(indexes.values())


def committed_indexes(sql_dir: Path, before: str) -> dict[str, str]:
    """The search indexes left by the committed forward files whose names sort before
    ``before``, replayed in order: index name -> the statement that created it."""
    present: dict[str, str] = {}
    files = sorted(p for p in sql_dir.glob("*.sql") if not p.name.endswith(".reverse.sql"))
    for path in files:
        if path.name >= before:
            break
        for line in path.read_text(encoding="utf-8").splitlines():
            if created := _CREATE.match(line):
                present[created.group(1)] = line
            elif dropped := _DROP.match(line):
                present.pop(dropped.group(1), None)
    return present


def build_search_index_sql(layers: Iterable[Layer], committed: dict[str, str]) -> tuple[str, str]:
    """The forward and reverse SQL taking the ``committed`` indexes to those ``layers`` search.

    Forward creates every wanted index (``IF NOT EXISTS``: those already there are kept) and drops
    the committed ones no layer searches any more; reverse undoes exactly that."""
    wanted = wanted_indexes(layers)
    wanted_names = {index.name for index in wanted}
    stale = [name for name in committed if name not in wanted_names]
    forward = [index.create() for index in wanted] + [drop_index(name) for name in stale]
    reverse = [drop_index(index.name) for index in reversed(wanted) if index.name not in committed]
    reverse += [committed[name] for name in reversed(stale)]
    return HEADER + "\n".join(forward) + "\n", "\n".join(reverse) + "\n" if reverse else ""


def reverse_path(forward: Path) -> Path:
    """``0003_search_indexes.sql`` -> ``0003_search_indexes.reverse.sql``."""
    return forward.with_name(forward.name.removesuffix(".sql") + ".reverse.sql")
