"""The overlay of the planning layers on a piece of land: one SQL statement (``sql/overlay.sql``)
in the storage SRID, its tolerances read from ``settings.RENSEIGNEMENT``."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry

from geoportal.renseignement.sqlfiles import load_sql
from geoportal.replicas import read_connection


def overlay_params(geom: GEOSGeometry) -> dict[str, Any]:
    opts = settings.RENSEIGNEMENT
    return {
        "geom": geom.hexewkb.decode(),
        "sliver_area": opts["SLIVER_AREA_M2"],
        "sliver_half_width": opts["SLIVER_WIDTH_M"] / 2,
        "frontage_margin": opts["FRONTAGE_MARGIN_M"],
        # Roads are first looked for (by index) this far from the land: half the widest road plus
        # the margin; the statement then keeps those within their own half-width plus the margin.
        "frontage_reach": opts["MAX_ROAD_WIDTH_M"] / 2 + opts["FRONTAGE_MARGIN_M"],
        "frontage_min_length": opts["FRONTAGE_MIN_LENGTH_M"],
    }


def overlay_sql() -> str:
    return load_sql("overlay.sql")


def run_overlay(geom: GEOSGeometry) -> dict[str, Any]:
    """The raw overlay of the planning layers on ``geom`` (storage SRID), one SQL statement."""
    with read_connection().cursor() as cur:
        cur.execute(overlay_sql(), overlay_params(geom))
        (row,) = cur.fetchone()
    return row if isinstance(row, dict) else json.loads(row)
