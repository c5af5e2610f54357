"""Export of layers to a PMTiles archive, for static hosting of the heaviest public layers.

Every tile is made by the same statement as the live endpoint (:func:`tiles.vector.render_tile`),
so the archive and ``/tiles/...`` agree. The archive is written to a temporary file next to the
target and renamed at the end: a failed export leaves no half-written file."""

from __future__ import annotations

import gzip
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer
from psycopg import sql

from layers.common.conf import gis_settings
from layers.common.errors import GisError
from layers.common.registry import Layer
from tiles.mvt import layers_at_zoom
from tiles.tilejson import vector_tilejson
from tiles.vector import render_tile

EXTENT_SQL = """
SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
  FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, %s), %s) AS b FROM {}) AS e
"""


@dataclass(frozen=True)
class ExportReport:
    path: Path
    tiles_written: int
    tiles_visited: int
    min_zoom: int
    max_zoom: int
    bytes: int


def data_bounds(layers: Sequence[Layer]) -> tuple[float, float, float, float] | None:
    """Longitude/latitude box of the layers' features, inside the municipal extent."""
    boxes = []
    gis = gis_settings()
    with connection.cursor() as cur:
        for layer in layers:
            query = sql.SQL(EXTENT_SQL).format(sql.Identifier(layer.table)).as_string()
            cur.execute(query, [gis["STORAGE_SRID"], gis["API_SRID"]])
            row = cur.fetchone()
            if row and row[0] is not None:
                boxes.append(row)
    if not boxes:
        return None
    w, s, e, n = settings.GIS_EXTENT_LONLAT
    box = (
        max(w, min(b[0] for b in boxes)),
        max(s, min(b[1] for b in boxes)),
        min(e, max(b[2] for b in boxes)),
        min(n, max(b[3] for b in boxes)),
    )
    return box if box[0] < box[2] and box[1] < box[3] else None


def tile_range(bounds: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """(xmin, ymin, xmax, ymax) tile indices covering ``bounds`` (lon/lat) at zoom ``z``."""
    n: int = 2**z

    def col(lon: float) -> int:
        return min(n - 1, max(0, int((lon + 180) / 360 * n)))

    def row(lat: float) -> int:
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
        return min(n - 1, max(0, int(y)))

    w, s, e, nth = bounds
    return col(w), row(nth), col(e), row(s)


def count_tiles(bounds: tuple[float, float, float, float], min_zoom: int, max_zoom: int) -> int:
    total = 0
    for z in range(min_zoom, max_zoom + 1):
        x0, y0, x1, y1 = tile_range(bounds, z)
        total += (x1 - x0 + 1) * (y1 - y0 + 1)
    return total


def export_pmtiles(
    layers: Sequence[Layer],
    path: Path,
    min_zoom: int,
    max_zoom: int,
    max_tiles: int,
    progress: Callable[[int, int], None] | None = None,
) -> ExportReport:
    """Write the tiles of ``layers`` from ``min_zoom`` to ``max_zoom`` to the archive ``path``."""
    if any(not lyr.public for lyr in layers):
        raise GisError(_("only public layers are exported for static hosting"))
    min_zoom = max(min_zoom, min(lyr.options.min_zoom for lyr in layers))
    max_zoom = min(max_zoom, max(lyr.options.max_zoom for lyr in layers))
    if min_zoom > max_zoom:
        raise GisError(_("the zoom range holds none of the layers' zooms"))
    bounds = data_bounds(layers)
    if bounds is None:
        raise GisError(_("the layers have no feature inside the municipal extent"))
    planned = count_tiles(bounds, min_zoom, max_zoom)
    if planned > max_tiles:
        raise GisError(
            _("%(planned)d tiles to visit, more than the limit of %(limit)d")
            % {"planned": planned, "limit": max_tiles}
        )

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    written = visited = 0
    try:
        with os.fdopen(fd, "wb") as fh:
            writer = Writer(fh)
            for z in range(min_zoom, max_zoom + 1):
                if not layers_at_zoom(layers, z):
                    continue
                x0, y0, x1, y1 = tile_range(bounds, z)
                ids = sorted(
                    (zxy_to_tileid(z, x, y), x, y)
                    for x in range(x0, x1 + 1)
                    for y in range(y0, y1 + 1)
                )
                for tile_id, x, y in ids:
                    visited += 1
                    content = render_tile(layers, z, x, y)
                    if content:
                        writer.write_tile(tile_id, gzip.compress(content, mtime=0))
                        written += 1
                    if progress:
                        progress(visited, planned)
            if not written:
                raise GisError(_("no tile holds a feature in that zoom range"))
            w, s, e, n = bounds
            e7 = 10_000_000
            header = {
                "tile_type": TileType.MVT,
                "tile_compression": Compression.GZIP,
                "min_lon_e7": int(w * e7),
                "min_lat_e7": int(s * e7),
                "max_lon_e7": int(e * e7),
                "max_lat_e7": int(n * e7),
                "center_zoom": min_zoom,
                "center_lon_e7": int((w + e) / 2 * e7),
                "center_lat_e7": int((s + n) / 2 * e7),
            }
            doc = vector_tilejson(layers, "")
            metadata = {k: doc[k] for k in ("name", "description", "attribution", "vector_layers")}
            writer.finalize(header, metadata)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return ExportReport(
        path=path,
        tiles_written=written,
        tiles_visited=visited,
        min_zoom=min_zoom,
        max_zoom=max_zoom,
        bytes=path.stat().st_size,
    )
