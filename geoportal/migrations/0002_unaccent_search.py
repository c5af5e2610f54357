"""Accent-insensitive trigram indexes: ``portal_unaccent(column)`` replaces the plain column, so
"ecole" finds "École" and the search stays an index scan."""

from pathlib import Path

from django.db import migrations

from geoportal.migrations import _search_index
from layers.common.migrations_util import read_sql

SQL = read_sql(Path(__file__).resolve().parent.parent, "0002_unaccent_search.sql")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("geoportal", "0001_search_indexes")]

    operations = [
        migrations.RunSQL(SQL, reverse_sql="DROP FUNCTION IF EXISTS portal_unaccent(text)"),
        *[
            migrations.RunSQL(
                _search_index.drop(t, c, "trgm"), reverse_sql=_search_index.create(t, c, "trgm")
            )
            for t, c in _search_index.SEARCHED
        ],
        *[
            migrations.RunSQL(
                _search_index.create(t, c, "unaccent_trgm", unaccent=True),
                reverse_sql=_search_index.drop(t, c, "unaccent_trgm"),
            )
            for t, c in _search_index.SEARCHED
        ],
    ]
