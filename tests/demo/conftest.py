"""The small demo city, loaded once per module into the test database and committed (so that the
real ``manage.py load_demo`` in a subprocess sees it), then emptied again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from psycopg import sql

from layers.demo.loader import ACTOR, DEMO_TABLES, SCOPE_DISTRICTS, load_demo
from layers.demo.sizes import SIZES


def table_digest(table: str) -> str:
    """md5 of a table's rows in id order, without the write timestamps."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND column_name NOT IN ('created_at', 'updated_at') ORDER BY ordinal_position",
            [table],
        )
        cols = [r[0] for r in cursor.fetchall()]
        query = sql.SQL(
            "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM (SELECT {} FROM {}) t"
        )
        cursor.execute(
            query.format(sql.SQL(", ").join(map(sql.Identifier, cols)), sql.Identifier(table))
        )
        return cursor.fetchone()[0]


def snapshot() -> dict[str, object]:
    """Digests of every demo table, the layer versions and the size of the history."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name, version FROM layers_version ORDER BY table_name")
        versions = dict(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM layers_history")
        history = cursor.fetchone()[0]
    return {
        "digests": {t: table_digest(t) for t in DEMO_TABLES},
        "versions": versions,
        "history": history,
    }


@pytest.fixture(scope="module")
def small_demo(django_db_setup, django_db_blocker) -> Iterator[str]:
    """Loads the small demo (seed 1) and yields the test database URL."""
    with django_db_blocker.unblock():
        load_demo(SIZES["small"], 1, replace=True, progress=False, say=lambda _: None)
        s = connection.settings_dict
        url = f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
        try:
            yield url
        finally:
            with connection.cursor() as cursor:
                cursor.execute(
                    sql.SQL("TRUNCATE {} RESTART IDENTITY").format(
                        sql.SQL(", ").join(map(sql.Identifier, [*DEMO_TABLES, SCOPE_DISTRICTS]))
                    )
                )
                cursor.execute(
                    "DELETE FROM layers_history WHERE actor = %s AND table_name = ANY(%s)",
                    [ACTOR, DEMO_TABLES],
                )
