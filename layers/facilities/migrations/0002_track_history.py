from django.db import migrations

from layers.common.migrations_util import track_layer_tables


class Migration(migrations.Migration):
    dependencies = [("facilities", "0001_initial"), ("layers", "0002_history_and_versions_sql")]

    operations = [track_layer_tables("facilities_facility", "facilities_citizenreport")]
