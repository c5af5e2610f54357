"""History recorded per statement from transition tables instead of per row."""

from pathlib import Path

from django.db import migrations

from layers.common.migrations_util import read_sql

APP_DIR = Path(__file__).resolve().parent.parent


class Migration(migrations.Migration):
    # After the derived tile columns, whose history trigger arguments it carries over.
    dependencies = [("layers", "0003_notify_and_derived_columns"), ("tiles", "0001_tile_columns")]

    operations = [
        migrations.RunSQL(
            read_sql(APP_DIR, "0003_statement_history.sql"),
            reverse_sql=read_sql(APP_DIR, "0003_statement_history.reverse.sql"),
        ),
    ]
