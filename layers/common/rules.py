"""Layer rules (``LayerOptions.rules``): checked for one feature's write and for staged ingests."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.gis.geos import GEOSGeometry
    from django.db.backends.utils import CursorWrapper
    from psycopg import sql

    from layers.common.registry import Layer


def check_feature(layer: Layer, geom: GEOSGeometry, *, pk: int | None) -> None:
    return None


def check_staged(
    cur: CursorWrapper, layer: Layer, stage: sql.Identifier, *, mode: str, key: str | None
) -> None:
    return None
