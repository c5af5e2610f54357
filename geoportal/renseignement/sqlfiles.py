"""The queries in ``sql/``, with the table names filled in, quoted as identifiers (values are
always bound parameters)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.db import connection

SQL_DIR = Path(__file__).resolve().parent / "sql"


@cache
def load_sql(name: str) -> str:
    from geoportal.renseignement.models import RateCounter
    from layers.boundaries.models import Arrondissement
    from layers.parcels.models import Parcel
    from layers.roads.models import RoadSegment
    from layers.zoning.models import PlanningDocument, ReservedLand, Servitude, Zone, ZoneRegulation

    tables = {
        "document": PlanningDocument,
        "regulation": ZoneRegulation,
        "zone": Zone,
        "servitude": Servitude,
        "reserved": ReservedLand,
        "road": RoadSegment,
        "arrondissement": Arrondissement,
        "parcel": Parcel,
        "rate_counter": RateCounter,
    }
    quoted = {key: connection.ops.quote_name(m._meta.db_table) for key, m in tables.items()}
    return (SQL_DIR / name).read_text(encoding="utf-8").format(**quoted)
