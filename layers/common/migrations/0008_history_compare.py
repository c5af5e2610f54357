"""A bulk update's history compares the rows' values themselves, not their JSON as jsonb
(layers/common/sql/0005_history_compare.sql)."""

from pathlib import Path

from django.db import migrations

from layers.common.migrations_util import read_sql

APP_DIR = Path(__file__).resolve().parent.parent


class Migration(migrations.Migration):
    dependencies = [("layers", "0007_help_texts")]

    operations = [
        migrations.RunSQL(
            read_sql(APP_DIR, "0005_history_compare.sql"),
            reverse_sql=read_sql(APP_DIR, "0004_history_as_json.sql"),
        ),
    ]
