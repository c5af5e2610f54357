"""The search's trigram indexes for every searched column of the registry, as written by
``manage.py search_indexes`` (``geoportal/sql/0003_*``): adds those of the boundaries, zoning,
``green-spaces.name_ar`` and ``facilities.address``. Built concurrently, outside a transaction."""

from pathlib import Path

from django.db import migrations

from layers.common.migrations_util import read_sql_lines

APP_DIR = Path(__file__).resolve().parent.parent


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("geoportal", "0002_unaccent_search"),
        ("boundaries", "0002_track_history"),
        ("zoning", "0004_alter_zone_category_alter_zone_code"),
    ]

    operations = [
        migrations.RunSQL(
            read_sql_lines(APP_DIR, "0003_search_indexes.sql"),
            reverse_sql=read_sql_lines(APP_DIR, "0003_search_indexes.reverse.sql"),
        ),
    ]
