from pathlib import Path

from django.db import migrations

from layers.common.migrations_util import read_sql

APP_DIR = Path(__file__).resolve().parent.parent


class Migration(migrations.Migration):
    dependencies = [("facilities", "0002_track_history"), ("roads", "0001_initial")]

    operations = [
        migrations.RunSQL(
            read_sql(APP_DIR, "0003_report_nearest_segment.sql"),
            reverse_sql=read_sql(APP_DIR, "0003_report_nearest_segment.reverse.sql"),
        )
    ]
