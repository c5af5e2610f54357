from django.db import migrations

from layers.common.migrations_util import track_layer_tables


class Migration(migrations.Migration):
    dependencies = [("greenspaces", "0001_initial"), ("layers", "0002_history_and_versions_sql")]

    operations = [track_layer_tables("greenspaces_greenspace", "greenspaces_tree")]
