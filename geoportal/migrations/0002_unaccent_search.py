"""Accent-insensitive trigram indexes: ``portal_unaccent(column)`` replaces the plain column, so
"ecole" finds "École" and the search stays an index scan.

Frozen: the statements are the literal SQL first applied (``geoportal/sql/0002_*``)."""

from pathlib import Path

from django.db import migrations

from layers.common.migrations_util import read_sql, read_sql_lines

APP_DIR = Path(__file__).resolve().parent.parent


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("geoportal", "0001_search_indexes")]

    operations = [
        migrations.RunSQL(
            read_sql(APP_DIR, "0002_unaccent_search.sql"),
            reverse_sql="DROP FUNCTION IF EXISTS portal_unaccent(text)",
        ),
        migrations.RunSQL(
            read_sql_lines(APP_DIR, "0002_unaccent_search_indexes.sql"),
            reverse_sql=read_sql_lines(APP_DIR, "0002_unaccent_search_indexes.reverse.sql"),
        ),
    ]
