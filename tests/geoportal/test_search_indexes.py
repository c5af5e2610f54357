"""The search's trigram indexes: generated from the registry, committed as SQL, present in the
database for every searched column, used by the search statement, and reversible migrations."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection, transaction

from geoportal.portal.selectors import build_search_query
from geoportal.search_indexes import build_search_index_sql, committed_indexes
from layers.common.registry import layers
from tests.conftest import REPO_ROOT

SQL_DIR = REPO_ROOT / "geoportal" / "sql"
MIGRATIONS_DIR = REPO_ROOT / "geoportal" / "migrations"

# The columns the portal searched when the indexes were first built (migrations 0001 and 0002).
FIRST_INDEXED = [
    ("parcels_parcel", "reference"),
    ("parcels_parcel", "address"),
    ("roads_roadsegment", "name_fr"),
    ("roads_roadsegment", "name_ar"),
    ("facilities_facility", "name_fr"),
    ("facilities_facility", "name_ar"),
    ("greenspaces_greenspace", "name_fr"),
]


def searched() -> list[tuple[str, str]]:
    """(table, column) of every attribute the registry's layers search."""
    return [
        (lyr.table, lyr.model._meta.get_field(name).column)
        for lyr in layers()
        for name in lyr.options.search_fields
    ]


def search_indexes() -> dict[str, str]:
    """The valid portal_* indexes of the database: name -> definition."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "JOIN pg_class c ON c.relname = i.indexname "
            "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = i.schemaname "
            "JOIN pg_index x ON x.indexrelid = c.oid "
            "WHERE i.schemaname = current_schema() AND i.indexname LIKE 'portal\\_%%' "
            "AND x.indisvalid"
        )
        return dict(cur.fetchall())


def unaccent_trgm(table: str, column: str) -> str:
    """The definition PostgreSQL shows for the search's index of a varchar column."""
    return (
        f"CREATE INDEX portal_{table}_{column}_unaccent_trgm ON public.{table} "
        f"USING gin (portal_unaccent(({column})::text) gin_trgm_ops)"
    )


def newest_generated() -> str:
    return max(p.name for p in SQL_DIR.glob("0*_search_indexes.sql"))


def test_the_newest_committed_sql_is_what_search_indexes_writes(tmp_path):
    """Indexes are generated, not hand-kept: a search field added to the registry without its
    index fails here."""
    name = newest_generated()
    out = tmp_path / name
    call_command("search_indexes", output=str(out))
    next_number = len(list(MIGRATIONS_DIR.glob("0*.py"))) + 1
    advice = (
        f"the registry's search fields changed: run `manage.py search_indexes -o "
        f"geoportal/sql/{next_number:04d}_search_indexes.sql` and add a migration applying it "
        f"(and its .reverse.sql), as geoportal/migrations/0003_search_indexes.py does"
    )
    assert (SQL_DIR / name).read_text() == out.read_text(), advice
    reverse = name.removesuffix(".sql") + ".reverse.sql"
    assert (SQL_DIR / reverse).read_text() == (tmp_path / reverse).read_text(), advice


def test_the_columns_searched_but_not_indexed_before_are_indexed_now():
    sql = (SQL_DIR / "0003_search_indexes.sql").read_text()
    for table, column in [
        ("greenspaces_greenspace", "name_ar"),
        ("facilities_facility", "address"),
    ]:
        assert (
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_{table}_{column}_unaccent_trgm" '
            f'ON "{table}" USING gin ((portal_unaccent("{column}")) gin_trgm_ops);'
        ) in sql.splitlines()


def test_a_search_field_removed_from_the_registry_has_its_index_dropped_and_restored():
    stale = 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "portal_old_table_old_unaccent_trgm" ON ...;'
    present = {"portal_parcels_parcel_reference_unaccent_trgm": "...", "portal_old": stale}
    forward, reverse = build_search_index_sql(layers(), present)
    assert 'DROP INDEX CONCURRENTLY IF EXISTS "portal_old";' in forward.splitlines()
    assert stale in reverse.splitlines()
    # an index committed earlier is kept on the way back; a new one is dropped
    assert '"portal_parcels_parcel_reference_unaccent_trgm"' not in reverse
    assert (
        'DROP INDEX CONCURRENTLY IF EXISTS "portal_facilities_facility_address_unaccent_trgm";'
        in reverse.splitlines()
    )


def test_committed_files_are_replayed_in_order():
    before_0002 = committed_indexes(SQL_DIR, before="0002")
    assert sorted(before_0002) == sorted(f"portal_{t}_{c}_trgm" for t, c in FIRST_INDEXED)
    before_0003 = committed_indexes(SQL_DIR, before="0003")
    assert sorted(before_0003) == sorted(f"portal_{t}_{c}_unaccent_trgm" for t, c in FIRST_INDEXED)


@pytest.mark.django_db
def test_every_searched_column_has_its_index_in_the_database():
    indexes = search_indexes()
    assert ("greenspaces_greenspace", "name_ar") in searched()
    assert ("facilities_facility", "address") in searched()
    for table, column in searched():
        name = f"portal_{table}_{column}_unaccent_trgm"
        assert indexes.get(name) == unaccent_trgm(table, column), f"{table}.{column}"
    # nothing left over: the plain trigram indexes of migration 0001 were replaced in 0002
    assert sorted(indexes) == sorted(f"portal_{t}_{c}_unaccent_trgm" for t, c in searched())


@pytest.mark.django_db
def test_the_search_statement_uses_every_index():
    """The statement compares the indexed expression: with sequential scans priced out, each
    searched column is read through its own index (the tables are empty, the plan is what
    matters)."""
    query, params = build_search_query("zerktouni", AnonymousUser(), 10)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("EXPLAIN " + query, params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    used = set(re.findall(r"Index Scan on (portal_\w+)", plan))
    assert used == {f"portal_{t}_{c}_unaccent_trgm" for t, c in searched()}


@pytest.mark.django_db(transaction=True)
def test_the_frozen_migrations_go_back_and_forth():
    """Back to 0002, 0001 and zero: each state holds the indexes first built at that step."""
    try:
        call_command("migrate", "geoportal", "0002", verbosity=0)
        assert sorted(search_indexes()) == sorted(
            f"portal_{t}_{c}_unaccent_trgm" for t, c in FIRST_INDEXED
        )
        call_command("migrate", "geoportal", "0001", verbosity=0)
        assert search_indexes() == {
            f"portal_{t}_{c}_trgm": (
                f"CREATE INDEX portal_{t}_{c}_trgm ON public.{t} USING gin ({c} gin_trgm_ops)"
            )
            for t, c in FIRST_INDEXED
        }
        call_command("migrate", "geoportal", "zero", verbosity=0)
        assert search_indexes() == {}
        with connection.cursor() as cur:
            cur.execute("SELECT to_regprocedure('portal_unaccent(text)')")
            assert cur.fetchone() == (None,)
    finally:
        call_command("migrate", "geoportal", verbosity=0)
    assert sorted(search_indexes()) == sorted(
        f"portal_{t}_{c}_unaccent_trgm" for t, c in searched()
    )
