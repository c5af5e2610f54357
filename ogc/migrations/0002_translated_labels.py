from pathlib import Path

from django.db import migrations

from layers.common.migrations_util import read_sql

APP_DIR = Path(__file__).resolve().parent.parent

# Views whose columns change in the middle: CREATE OR REPLACE VIEW only appends columns.
CHANGED_VIEWS = 'DROP VIEW IF EXISTS ogc."zoning", ogc."servitudes", ogc."reserved-land";'


class Migration(migrations.Migration):
    dependencies = [
        ("ogc", "0001_publication_views"),
        ("zoning", "0005_translations_and_text_url"),
    ]

    operations = [
        migrations.RunSQL(
            [CHANGED_VIEWS, read_sql(APP_DIR, "0002_translated_labels.sql")],
            reverse_sql=[CHANGED_VIEWS, read_sql(APP_DIR, "0001_publication_views.sql")],
        ),
    ]
