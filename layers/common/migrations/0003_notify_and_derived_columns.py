"""Version bumps announced by NOTIFY; derived columns left out of the history."""

from pathlib import Path

from django.db import migrations

from layers.common.migrations_util import read_sql

APP_DIR = Path(__file__).resolve().parent.parent


class Migration(migrations.Migration):
    dependencies = [("layers", "0002_history_and_versions_sql")]

    operations = [
        migrations.RunSQL(
            read_sql(APP_DIR, "0002_notify_and_derived_columns.sql"),
            reverse_sql=read_sql(APP_DIR, "0002_notify_and_derived_columns.reverse.sql"),
        ),
    ]
