"""Raster tiles: what a low zoom reads of a Cloud-Optimized GeoTIFF, and what each encoding costs.

A synthetic orthophoto (4,000 pixels a side at 0.5 m, smooth gradients plus noise, as aerial
photographs have; 2 km around Casablanca's centre in EPSG:26191) is written twice: as a COG with
overviews (rio-cogeo) and as a tiled GeoTIFF without overviews, the peer. For zooms 12 to 18, a
few tiles each are rendered by the platform's raster path (``tiles/raster.py``, no HTTP), cold
(no tile store), from each file; the bytes read are counted by the kernel (``rchar`` of
``/proc/self/io``: every read call of the process), with the time per tile. Then the sizes and
encoding times of PNG, lossless WebP and lossy WebP (quality 80) on the same tiles.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import REPO_ROOT, write_result

ZOOMS = (12, 14, 16, 18)
TILES_PER_ZOOM = 3
SIDE = 4000
RES = 0.5
CENTRE = (-7.6186, 33.5936)  # Place Mohammed V


def bytes_read() -> int:
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("rchar:"))


def make_rasters(folder: Path) -> tuple[Path, Path]:
    import numpy as np
    import rasterio
    from pyproj import Transformer
    from rasterio.transform import from_origin
    from rio_cogeo.cogeo import cog_translate
    from rio_cogeo.profiles import cog_profiles

    x, y = Transformer.from_crs(4326, 26191, always_xy=True).transform(*CENTRE)
    half = SIDE * RES / 2
    rng = np.random.default_rng(1)
    ramp = np.linspace(0, 200, SIDE, dtype=np.float32)
    profile = {
        "driver": "GTiff",
        "width": SIDE,
        "height": SIDE,
        "count": 3,
        "dtype": "uint8",
        "crs": "EPSG:26191",
        "transform": from_origin(x - half, y + half, RES, RES),
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
    }
    flat = folder / "flat.tif"
    with rasterio.open(flat, "w", **profile) as dst:
        for band in range(3):
            for row in range(0, SIDE, 512):
                rows = slice(row, min(row + 512, SIDE))
                grid = (
                    (ramp[rows, None] + ramp[None, :]) / 2
                    if band < 2
                    else np.tile(ramp, (rows.stop - row, 1))
                )
                noisy = grid + rng.normal(0, 12, grid.shape).astype(np.float32)
                window = rasterio.windows.Window(0, row, SIDE, rows.stop - row)
                dst.write(np.clip(noisy, 0, 255).astype(np.uint8), band + 1, window=window)
    cog = folder / "cog.tif"
    cog_translate(flat, cog, cog_profiles.get("deflate"), quiet=True)
    return cog, flat


def tiles_at(z: int) -> list[tuple[int, int, int]]:
    lon, lat = CENTRE
    n = 2**z
    cx = int((lon + 180) / 360 * n)
    cy = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    # the centre tile and its neighbours, inside the 4 km image at every zoom from 14 on
    around = [(0, 0), (1, 0), (0, 1), (-1, 0), (0, -1), (1, 1)]
    return [(z, cx + dx, cy + dy) for dx, dy in around][:TILES_PER_ZOOM]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
    sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.gis.geos import Polygon

    from layers.rasters.models import RasterLayer
    from tiles import raster

    folder = Path(tempfile.mkdtemp(prefix="bench-raster-"))
    started = time.monotonic()
    cog, flat = make_rasters(folder)
    built = time.monotonic() - started
    settings.RASTER_ROOT = folder
    layers = {
        name: RasterLayer(
            slug=name,
            title_fr=name,
            kind="orthophoto",
            file_name=path.name,
            band_count=3,
            footprint=Polygon.from_bbox((0, 0, 1, 1)),
            min_zoom=0,
            max_zoom=22,
        )
        for name, path in (("cog", cog), ("flat", flat))
    }
    results: dict = {
        "side": SIDE,
        "res_m": RES,
        "cog_bytes": cog.stat().st_size,
        "flat_bytes": flat.stat().st_size,
        "build_s": round(built, 1),
        "zooms": [],
    }
    lines = [
        f"Raster tiles of an {SIDE:,}-pixel orthophoto at {RES} m ({SIDE * RES / 1000:.0f} km), "
        f"COG with overviews ({cog.stat().st_size / 2**20:.0f} MB) vs the same without overviews "
        f"({flat.stat().st_size / 2**20:.0f} MB); {TILES_PER_ZOOM} PNG tiles a zoom, cold, in-process.",
        "",
        "| z | COG kB read / tile | no-overview kB read / tile | read ratio | COG ms / tile | "
        "no-overview ms / tile | time ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    encodings: dict[str, list[tuple[int, float]]] = {"png": [], "webp lossless": [], "webp q80": []}
    for z in ZOOMS:
        row: dict = {"zoom": z}
        for name, layer in layers.items():
            read, spent = [], []
            for t in tiles_at(z):
                before, clock = bytes_read(), time.perf_counter()
                raster.render_raster_tile(layer, *t, "png")
                spent.append(time.perf_counter() - clock)
                read.append(bytes_read() - before)
            row[name] = {
                "kb_read": round(statistics.mean(read) / 1024, 1),
                "ms": round(statistics.mean(spent) * 1000, 1),
            }
        results["zooms"].append(row)
        c, f = row["cog"], row["flat"]
        lines.append(
            f"| {z} | {c['kb_read']} | {f['kb_read']} | {f['kb_read'] / max(c['kb_read'], 0.1):.0f}x | "
            f"{c['ms']} | {f['ms']} | {f['ms'] / max(c['ms'], 0.01):.1f}x |"
        )
        print(lines[-1], flush=True)
        for t in tiles_at(z):
            for label, quality, fmt in (
                ("png", None, "png"),
                ("webp lossless", None, "webp"),
                ("webp q80", 80, "webp"),
            ):
                settings.TILES = {**settings.TILES, "RASTER_WEBP_QUALITY": quality}
                clock = time.perf_counter()
                content = raster.render_raster_tile(layers["cog"], *t, fmt)
                encodings[label].append((len(content), time.perf_counter() - clock))
    lines += ["", "| encoding | mean kB / tile | mean ms / tile (read + encode) |", "|---|---|---|"]
    for label, values in encodings.items():
        kb = statistics.mean(v[0] for v in values) / 1024
        ms = statistics.mean(v[1] for v in values) * 1000
        results[label] = {"kb": round(kb, 1), "ms": round(ms, 1)}
        lines.append(f"| {label} | {kb:.1f} | {ms:.1f} |")
    write_result("raster", results, lines)


if __name__ == "__main__":
    main()
