from pathlib import Path

from django.db import migrations

from layers.common.migrations_util import read_sql

APP_DIR = Path(__file__).resolve().parent.parent


class Migration(migrations.Migration):
    dependencies = [
        ("ogc", "0002_translated_labels"),
        ("boundaries", "0003_alter_commune_commune_type"),
        ("roads", "0002_track_history"),
        ("parcels", "0002_track_history"),
        ("greenspaces", "0002_track_history"),
        ("zoning", "0006_regulations_versioned"),
        ("facilities", "0003_report_nearest_segment"),
    ]

    operations = [
        migrations.RunSQL(
            read_sql(APP_DIR, "0001_ogc_view.sql"),
            reverse_sql=read_sql(APP_DIR, "0001_ogc_view.reverse.sql"),
        ),
    ]
