"""Reads of the database-kept history and version counters."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection

from layers.common.models import HistoryEntry, LayerVersion
from layers.common.registry import Layer


def feature_history(
    layer: Layer, pk: int, *, newest_first: bool = False, limit: int | None = None
) -> list[HistoryEntry]:
    """The recorded changes of one feature, oldest first (``newest_first``: the other way), at
    most ``limit`` of them."""
    order = ("-at", "-id") if newest_first else ("at", "id")
    entries = HistoryEntry.objects.filter(table_name=layer.table, row_id=pk).order_by(*order)
    return list(entries[:limit] if limit is not None else entries)


@dataclass(frozen=True)
class PastFeature:
    id: int
    properties: dict[str, Any]
    geom: GEOSGeometry


AS_OF_SQL = """
SELECT row_id, new::jsonb - 'geom' AS properties,
       ST_AsEWKB(ST_GeomFromGeoJSON(new ->> 'geom')) AS geom
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


class Stamp(NamedTuple):
    """A layer's version as the database keeps it (``layers_version``): the write counter bumped
    by a trigger on every statement that changes the table, and the time of that last write.
    A named tuple: compared and hashed in C (a cold tile compares and hashes three)."""

    version: int
    changed_at: datetime | None

    @property
    def token(self) -> str:
        """``v<counter>-<microseconds since 1970>``: a cache key part (tile ETags, export file
        names) that changes on every write. The time keeps keys unique even if a database is
        rebuilt and its counters start again from zero."""
        micros = (self.changed_at - EPOCH) // timedelta(microseconds=1) if self.changed_at else 0
        return f"v{self.version}-{micros}"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NEVER_WRITTEN = Stamp(version=0, changed_at=None)


def layer_stamps(layers: Iterable[Layer], using: str | None = None) -> dict[str, Stamp]:
    """Each layer's stamp by slug, in one query (where the request reads, or from the database
    ``using``); :data:`NEVER_WRITTEN` for a table the triggers have no row for."""
    by_table = {lyr.table: lyr.slug for lyr in layers}
    stamps = dict.fromkeys(by_table.values(), NEVER_WRITTEN)
    versions = LayerVersion.objects.using(using) if using else LayerVersion.objects
    rows = versions.filter(table_name__in=list(by_table)).values_list(
        "table_name", "version", "changed_at"
    )
    for table, version, changed_at in rows:
        stamps[by_table[table]] = Stamp(version=version, changed_at=changed_at)
    return stamps


def layer_version(layer: Layer) -> int:
    """The layer's write counter, bumped by a trigger on every statement that changes it."""
    return layer_stamps([layer])[layer.slug].version
