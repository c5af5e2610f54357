"""Trigram indexes for the portal's search (``/api/search``) on the large searched columns.

Frozen: the statements are the literal SQL first applied (``geoportal/sql/0001_*``); the indexes
the registry asks for today are written by ``manage.py search_indexes`` into newer files. Built
concurrently, so a city-size table stays writable while they are created.
"""

from pathlib import Path

from django.db import migrations

from layers.common.migrations_util import read_sql_lines

APP_DIR = Path(__file__).resolve().parent.parent


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("parcels", "0002_track_history"),
        ("roads", "0002_track_history"),
        ("facilities", "0003_report_nearest_segment"),
        ("greenspaces", "0002_track_history"),
    ]

    operations = [
        migrations.RunSQL(
            read_sql_lines(APP_DIR, "0001_search_indexes.sql"),
            reverse_sql=read_sql_lines(APP_DIR, "0001_search_indexes.reverse.sql"),
        ),
    ]
