from pathlib import Path

from django.db import migrations

from layers.common.migrations_util import read_sql

APP_DIR = Path(__file__).resolve().parent.parent


class Migration(migrations.Migration):
    dependencies = [
        ("boundaries", "0002_track_history"),
        ("roads", "0002_track_history"),
        ("parcels", "0002_track_history"),
        ("greenspaces", "0002_track_history"),
        ("zoning", "0002_track_history"),
        ("facilities", "0003_report_nearest_segment"),
    ]

    operations = [
        migrations.RunSQL(
            read_sql(APP_DIR, "0001_publication_views.sql"),
            reverse_sql=read_sql(APP_DIR, "0001_publication_views.reverse.sql"),
        ),
    ]
