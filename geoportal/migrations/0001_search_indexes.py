"""Trigram indexes for the portal's search (``/api/search``) on the large searched columns.

``pg_trgm`` is a trusted extension: the database owner may create it. The indexes are built
concurrently, so a city-size table stays writable while they are created.
"""

from django.db import migrations

# (table, column): the big tables whose registry ``search_fields`` the portal searches with ILIKE.
SEARCHED = [
    ("parcels_parcel", "reference"),
    ("parcels_parcel", "address"),
    ("roads_roadsegment", "name_fr"),
    ("roads_roadsegment", "name_ar"),
    ("facilities_facility", "name_fr"),
    ("facilities_facility", "name_ar"),
    ("greenspaces_greenspace", "name_fr"),
]


def index_name(table: str, column: str) -> str:
    return f"portal_{table}_{column}_trgm"[:63]


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
            migrations.RunSQL(
                f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{index_name(t, c)}" '
                f'ON "{t}" USING gin ("{c}" gin_trgm_ops)',
                reverse_sql=f'DROP INDEX CONCURRENTLY IF EXISTS "{index_name(t, c)}"',
            )
            for t, c in SEARCHED
        ],
    ]
