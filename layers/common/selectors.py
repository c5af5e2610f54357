"""Reads of the database-kept history and version counters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection

from layers.common.models import HistoryEntry, LayerVersion
from layers.common.registry import Layer


def feature_history(layer: Layer, pk: int) -> list[HistoryEntry]:
    """Every recorded change of one feature, oldest first."""
    return list(HistoryEntry.objects.filter(table_name=layer.table, row_id=pk).order_by("at", "id"))


@dataclass(frozen=True)
class PastFeature:
    id: int
    properties: dict[str, Any]
    geom: GEOSGeometry


AS_OF_SQL = """
SELECT row_id, new - 'geom' AS properties, ST_AsEWKB(ST_GeomFromGeoJSON(new ->> 'geom')) AS geom
  FROM (SELECT DISTINCT ON (row_id) row_id, op, new
          FROM layers_history
         WHERE table_name = %s AND at <= %s
         ORDER BY row_id, at DESC, id DESC) AS latest
 WHERE op <> 'D'
 ORDER BY row_id
"""


def layer_as_of(layer: Layer, at: datetime) -> list[PastFeature]:
    """The layer as it was at ``at``: for each feature, its last recorded state at or before that
    time, unless that state was a deletion."""
    with connection.cursor() as cur:
        cur.execute(AS_OF_SQL, [layer.table, at])
        rows = cur.fetchall()
    # Django's connection hands jsonb back as text, for JSONField to decode.
    return [
        PastFeature(
            id=row_id,
            properties=json.loads(props) if isinstance(props, str) else props,
            geom=GEOSGeometry(memoryview(geom)),
        )
        for row_id, props, geom in rows
    ]


def layer_version(layer: Layer) -> int:
    """The layer's write counter, bumped by a trigger on every statement that changes it."""
    row = (
        LayerVersion.objects.filter(table_name=layer.table)
        .values_list("version", flat=True)
        .first()
    )
    return row or 0
