"""The history's rows kept as json instead of jsonb: a bulk write no longer parses every GeoJSON
coordinate into jsonb (layers/common/sql/0004_history_as_json.sql)."""

from pathlib import Path

from django.db import migrations

import layers.common.models
from layers.common.migrations_util import read_sql

APP_DIR = Path(__file__).resolve().parent.parent


class Migration(migrations.Migration):
    dependencies = [("layers", "0005_edit_scopes")]

    operations = [
        migrations.AlterField(
            model_name="historyentry",
            name="new",
            field=layers.common.models.JSONTextField(null=True),
        ),
        migrations.AlterField(
            model_name="historyentry",
            name="old",
            field=layers.common.models.JSONTextField(null=True),
        ),
        migrations.RunSQL(
            read_sql(APP_DIR, "0004_history_as_json.sql"),
            reverse_sql=read_sql(APP_DIR, "0004_history_as_json.reverse.sql")
            + read_sql(APP_DIR, "0003_statement_history.sql"),
        ),
    ]
