"""The derived tile columns of every layer (``tiles/derived.py``), as ``manage.py tile_columns``
writes them: the Web Mercator copy and its index, the size, the generalised copies of the tile
bands; the history trigger re-made to leave them out. Rewrites each layer table once."""

from pathlib import Path

from django.db import migrations

from layers.common.migrations_util import read_sql

APP_DIR = Path(__file__).resolve().parent.parent


class Migration(migrations.Migration):
    dependencies = [
        ("layers", "0003_notify_and_derived_columns"),
        ("boundaries", "0002_track_history"),
        ("roads", "0002_track_history"),
        ("parcels", "0002_track_history"),
        ("greenspaces", "0002_track_history"),
        ("zoning", "0004_alter_zone_category_alter_zone_code"),
        ("facilities", "0003_report_nearest_segment"),
    ]

    operations = [
        migrations.RunSQL(
            read_sql(APP_DIR, "0001_tile_columns.sql"),
            reverse_sql=read_sql(APP_DIR, "0001_tile_columns.reverse.sql"),
        ),
    ]
