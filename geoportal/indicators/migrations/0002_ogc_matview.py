from pathlib import Path

from django.db import migrations

from layers.common.migrations_util import read_sql

APP_DIR = Path(__file__).resolve().parent.parent


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_ogc_view")]

    operations = [
        migrations.RunSQL(
            read_sql(APP_DIR, "0002_ogc_matview.sql"),
            reverse_sql=read_sql(APP_DIR, "0002_ogc_matview.reverse.sql")
            + read_sql(APP_DIR, "0001_ogc_view.sql"),
        ),
    ]
