from pathlib import Path

from django.db import migrations

from layers.common.migrations_util import read_sql

APP_DIR = Path(__file__).resolve().parent.parent


class Migration(migrations.Migration):
    dependencies = [("renseignement", "0001_initial")]

    operations = [
        migrations.RunSQL(
            read_sql(APP_DIR, "0002_note_immutable.sql"),
            reverse_sql=read_sql(APP_DIR, "0002_note_immutable.reverse.sql"),
        ),
    ]
