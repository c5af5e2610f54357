"""Each publication view ends with the geometry's Web Mercator copy (``tile_geom``), from which the
provider writes WGS 84 output (``ogc.publication``)."""

from pathlib import Path

from django.db import migrations

from layers.common.migrations_util import read_sql

APP_DIR = Path(__file__).resolve().parent.parent

# Back, the views lose their last column, which CREATE OR REPLACE VIEW cannot do.
VIEWS = (
    'DROP VIEW IF EXISTS ogc."prefectures", ogc."arrondissements", ogc."communes", '
    'ogc."planning-documents", ogc."zoning", ogc."servitudes", ogc."reserved-land", '
    'ogc."parcels", ogc."roads", ogc."street-lights", ogc."street-furniture", '
    'ogc."green-spaces", ogc."trees", ogc."facilities", ogc."citizen-reports";'
)


class Migration(migrations.Migration):
    dependencies = [
        ("ogc", "0002_translated_labels"),
        ("tiles", "0001_tile_columns"),
    ]

    operations = [
        migrations.RunSQL(
            read_sql(APP_DIR, "0003_mercator_copy.sql"),
            reverse_sql=[VIEWS, read_sql(APP_DIR, "0002_translated_labels.sql")],
        ),
    ]
