from pathlib import Path

from django.db import migrations

from layers.common.migrations_util import read_sql

APP_DIR = Path(__file__).resolve().parent.parent


class Migration(migrations.Migration):
    dependencies = [("zoning", "0002_track_history")]

    operations = [
        migrations.RunSQL(
            read_sql(APP_DIR, "0003_zone_follows_regulation.sql"),
            reverse_sql=read_sql(APP_DIR, "0003_zone_follows_regulation.reverse.sql"),
        )
    ]
