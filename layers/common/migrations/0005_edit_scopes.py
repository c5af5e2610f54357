"""Edit scopes: a group's right to edit a layer limited to arrondissements."""

import django.db.models.deletion
from django.db import migrations, models

import layers.common.models


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("boundaries", "0002_track_history"),
        ("layers", "0004_statement_history"),
    ]

    operations = [
        migrations.CreateModel(
            name="EditScope",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "layer",
                    models.CharField(
                        choices=layers.common.models.layer_choices,
                        help_text="the layer's slug",
                        max_length=63,
                    ),
                ),
                (
                    "districts",
                    models.ManyToManyField(
                        help_text="the group's members may edit the layer inside these districts only",
                        related_name="edit_scopes",
                        to="boundaries.arrondissement",
                    ),
                ),
                (
                    "group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="edit_scopes",
                        to="auth.group",
                    ),
                ),
            ],
            options={
                "db_table": "layers_editscope",
                "ordering": ["group__name", "layer"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("group", "layer"), name="layers_editscope_group_layer"
                    )
                ],
            },
        ),
    ]
