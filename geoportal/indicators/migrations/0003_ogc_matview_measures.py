from pathlib import Path

from django.db import migrations

from layers.common.migrations_util import read_sql

APP_DIR = Path(__file__).resolve().parent.parent


class Migration(migrations.Migration):
    """The materialised view defined again by the measures' SQL of today (roads' lengths measured
    per arrondissement before their grouping: 7.2 s -> 5.2 s on the large city)."""

    dependencies = [("indicators", "0002_ogc_matview")]

    operations = [
        migrations.RunSQL(
            read_sql(APP_DIR, "0003_ogc_matview_measures.sql"),
            # Back to 0002's view: its own reverse, then its forward SQL.
            reverse_sql=read_sql(APP_DIR, "0002_ogc_matview.reverse.sql")
            + read_sql(APP_DIR, "0002_ogc_matview.sql"),
        ),
    ]
