"""Ingest speed: ``manage.py ingest`` against Debian's ``ogr2ogr`` loading the same GeoPackage.

A GeoPackage of at least 200,000 valid parcels (unique references, inside the municipal extent) is
generated, then loaded into the ``parcels`` layer of a scratch database by ``manage.py ingest``
(read, check every attribute and geometry in SQL, write with history triggers, all or nothing) and
by ``ogr2ogr`` into a scratch table of the same database (COPY, no checks, no triggers): the floor.
Both figures come from the same run on the same machine; the result is their ratio.

    .venv/bin/python bench/bench_ingest.py            # BENCH_INGEST_FEATURES=200000 by default
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import REPO_ROOT, _base_url, write_result

DB_NAME = "geoportal_bench_ingest"


def make_parcels(path: Path, n: int) -> None:
    """``n`` 25 m x 20 m parcels on a 30 m x 25 m grid starting 5 km south-west of the centre,
    500 per row: the whole grid stays well inside the municipal extent."""
    import geopandas as gpd
    import shapely

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
    import django

    django.setup()
    from layers.common.conf import gis_settings

    gis = gis_settings()
    srid = gis["STORAGE_SRID"]
    xmin, ymin, xmax, ymax = gis["EXTENT"]
    i = np.arange(n)
    x0 = xmin + 20_000 + (i % 500) * 30.0
    y0 = ymin + 20_000 + (i // 500) * 25.0
    assert x0.max() + 25 < xmax and y0.max() + 20 < ymax, "grid leaves the extent"
    geoms = shapely.multipolygons(shapely.box(x0, y0, x0 + 25, y0 + 20), indices=i)
    statuses = np.array(["titled", "requisition", "unregistered"])
    frame = gpd.GeoDataFrame(
        {
            "reference": [f"TF {k + 1}/B" for k in range(n)],
            "land_status": statuses[i % 3],
            "official_area_m2": np.full(n, 500.0),
            "current_use": np.where(i % 2 == 0, "housing", "commerce"),
            "address": [f"{k % 200 + 1} rue {k // 200}" for k in range(n)],
        },
        geometry=geoms,
        crs=srid,
    )
    frame.to_file(path, driver="GPKG", layer="parcels", engine="pyogrio")


def drop_database() -> None:
    import psycopg
    from psycopg import sql

    base, default_db = _base_url()
    with psycopg.connect(f"{base}/{default_db}", autocommit=True) as conn:
        for attempt in range(30):  # an autovacuum worker may still be on it for a moment
            try:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(DB_NAME)))
                return
            except psycopg.errors.ObjectInUse:
                if attempt == 29:
                    raise
                time.sleep(1)


def scratch_database() -> str:
    """A fresh database of our own with the migrations applied (dropped and made again)."""
    import psycopg
    from psycopg import sql

    drop_database()
    base, default_db = _base_url()
    name = sql.Identifier(DB_NAME)
    with psycopg.connect(f"{base}/{default_db}", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    url = f"{base}/{DB_NAME}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "geoportal.settings"}
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"],
        env=env,
        check=True,
    )
    return url


def main() -> None:
    n = int(os.environ.get("BENCH_INGEST_FEATURES", "200000"))
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        gpkg = Path(tmp) / "parcels.gpkg"
        started = time.monotonic()
        make_parcels(gpkg, n)
        print(
            f"generated {n} parcels in {time.monotonic() - started:.1f} s "
            f"({gpkg.stat().st_size / 2**20:.0f} MB)",
            flush=True,
        )
        url = scratch_database()
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "geoportal.settings"}

        started = time.monotonic()
        command = [sys.executable, str(REPO_ROOT / "manage.py"), "ingest", str(gpkg)]
        command += ["--layer", "parcels", "--no-progress", "--actor", "bench", "--report-dir", tmp]
        done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        ours_wall = time.monotonic() - started
        print(done.stdout, flush=True)
        inner = re.search(r"in ([0-9.]+) s \(", done.stdout)
        ours_inner = float(inner.group(1)) if inner else ours_wall
        created = int(re.search(r"created (\d+)", done.stdout).group(1))
        assert created == n, f"ingest created {created} of {n}"

        started = time.monotonic()
        ogr2ogr = ["ogr2ogr", "-f", "PostgreSQL", f"PG:{url}", str(gpkg), "parcels"]
        ogr2ogr += ["-nln", "bench_ogr2ogr_parcels", "-overwrite", "-lco", "GEOMETRY_NAME=geom"]
        ogr2ogr += ["-nlt", "MULTIPOLYGON", "-t_srs", "EPSG:26191"]
        ogr2ogr += ["--config", "PG_USE_COPY", "YES"]
        subprocess.run(ogr2ogr, check=True, capture_output=True, text=True)
        ogr_wall = time.monotonic() - started
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            ogr_rows = conn.execute("SELECT count(*) FROM bench_ogr2ogr_parcels").fetchone()[0]
            assert ogr_rows == n, f"ogr2ogr loaded {ogr_rows} of {n}"
            # The layer's own write cost (constraints, generated area, indexes, history and
            # version triggers): the same rows copied from the scratch table into the emptied
            # layer table, then rolled back.
            with conn.transaction(force_rollback=True):
                conn.execute("TRUNCATE parcels_parcel")
                started = time.monotonic()
                conn.execute(
                    "INSERT INTO parcels_parcel (reference, land_status, official_area_m2, "
                    "current_use, address, geom) SELECT reference, land_status, official_area_m2, "
                    "current_use, address, geom FROM bench_ogr2ogr_parcels"
                )
                layer_write = time.monotonic() - started
            conn.execute("DROP TABLE bench_ogr2ogr_parcels")
        drop_database()

    ours_fps, ogr_fps = n / ours_wall, n / ogr_wall
    result = {
        "features": n,
        "ingest_seconds": round(ours_wall, 2),
        "ingest_seconds_inside_command": round(ours_inner, 2),
        "ingest_features_per_s": round(ours_fps),
        "ogr2ogr_seconds": round(ogr_wall, 2),
        "ogr2ogr_features_per_s": round(ogr_fps),
        "ratio_ingest_to_ogr2ogr": round(ours_fps / ogr_fps, 3),
        "layer_table_insert_seconds": round(layer_write, 2),
        "ratio_ingest_to_ogr2ogr_plus_layer_insert": round((ogr_wall + layer_write) / ours_wall, 3),
    }
    write_result(
        "ingest",
        result,
        [
            f"- {n:,} parcels from one GeoPackage, same database, same run",
            f"- manage.py ingest (checks + history triggers, all or nothing): {ours_wall:.1f} s, "
            f"{ours_fps:,.0f} features/s ({ours_inner:.1f} s inside the command)",
            f"- ogr2ogr into a scratch table (COPY, no checks): {ogr_wall:.1f} s, "
            f"{ogr_fps:,.0f} features/s",
            f"- ratio ingest / ogr2ogr: {ours_fps / ogr_fps:.2f}",
            f"- the layer table's own cost for the same rows (INSERT ... SELECT with its "
            f"constraints, indexes and history triggers): {layer_write:.1f} s; ingest against "
            f"ogr2ogr + that cost: {(ogr_wall + layer_write) / ours_wall:.2f}",
        ],
    )


if __name__ == "__main__":
    main()
