"""DDL of the portal's search indexes, shared by its migrations (identifiers are fixed names)."""

# (table, column): the big tables whose registry ``search_fields`` the portal searches.
SEARCHED = [
    ("parcels_parcel", "reference"),
    ("parcels_parcel", "address"),
    ("roads_roadsegment", "name_fr"),
    ("roads_roadsegment", "name_ar"),
    ("facilities_facility", "name_fr"),
    ("facilities_facility", "name_ar"),
    ("greenspaces_greenspace", "name_fr"),
]


def name(table: str, column: str, suffix: str) -> str:
    return f"portal_{table}_{column}_{suffix}"[:63]


def create(table: str, column: str, suffix: str, unaccent: bool = False) -> str:
    expr = f'(portal_unaccent("{column}"))' if unaccent else f'"{column}"'
    return (
        f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name(table, column, suffix)}" '
        f'ON "{table}" USING gin ({expr} gin_trgm_ops)'
    )


def drop(table: str, column: str, suffix: str) -> str:
    return f'DROP INDEX CONCURRENTLY IF EXISTS "{name(table, column, suffix)}"'
