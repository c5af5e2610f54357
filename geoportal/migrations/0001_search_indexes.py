"""Trigram indexes for the portal's search (``/api/search``) on the large searched columns.

``pg_trgm`` is a trusted extension: the database owner may create it. The indexes are built
concurrently, so a city-size table stays writable while they are created.
"""

from django.db import migrations

from geoportal.migrations._search_index import SEARCHED, create, drop


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("parcels", "0002_track_history"),
        ("roads", "0002_track_history"),
        ("facilities", "0003_report_nearest_segment"),
        ("greenspaces", "0002_track_history"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop
        ),
        *[
            migrations.RunSQL(create(t, c, "trgm"), reverse_sql=drop(t, c, "trgm"))
            for t, c in SEARCHED
        ],
    ]
