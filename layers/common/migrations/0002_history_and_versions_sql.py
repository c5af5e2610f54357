from pathlib import Path

from django.db import migrations

from layers.common.migrations_util import read_sql

APP_DIR = Path(__file__).resolve().parent.parent


class Migration(migrations.Migration):
    dependencies = [("layers", "0001_initial")]

    operations = [
        migrations.RunSQL(
            read_sql(APP_DIR, "0001_history_and_versions.sql"),
            reverse_sql=read_sql(APP_DIR, "0001_history_and_versions.reverse.sql"),
        ),
    ]
