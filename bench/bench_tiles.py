"""Vector tiles: tiles per second and median latency at zooms 12, 15 and 18 for the roads and
parcels layers, in one run:

- the platform (gunicorn, 2 workers) with a cold tile store (every tile computed), then warm
  (every tile from the store), then revalidated (``If-None-Match`` -> 304);
- tipg serving the same tables (uvicorn), its own ``ST_AsMVT`` query, no cache;
- the floor: the platform's own tile statement timed inside PostgreSQL (``EXPLAIN ANALYZE``,
  planning + execution), with no HTTP, Python or network.

Requests are sequential, one client, on the same machine; ratios are against the floor and tipg.
The database is ``bench_database_url("large")`` when the demo loader can build it; otherwise a
synthetic grid city (parcels and road segments) made here with SQL, which the output says.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from common import REPO_ROOT, _base_url, bench_database_url, write_result
from psycopg import sql

ZOOMS = (12, 15, 18)
LAYERS = ("roads", "parcels")
TILES_PER_ZOOM = int(os.environ.get("BENCH_TILES_PER_ZOOM", "40"))

SYNTHETIC_SQL = """
ALTER TABLE parcels_parcel DISABLE TRIGGER USER;
ALTER TABLE roads_roadsegment DISABLE TRIGGER USER;
-- 600 x 500 blocks of 20 m parcels on a 24 m pitch (300,000 parcels, 14.4 x 12 km) east of the
-- centre of Casablanca, and road segments of 240 m along the streets between them.
INSERT INTO parcels_parcel (reference, land_status, current_use, address, official_area_m2, geom)
SELECT 'TF ' || (i * 1000 + j) || '/C', 'titled', 'habitation', i || ' rue ' || j, 400,
       ST_Multi(ST_MakeEnvelope(290000 + i * 24, 330000 + j * 24,
                                290020 + i * 24, 330020 + j * 24, %(srid)s))
  FROM generate_series(0, 599) AS i, generate_series(0, 499) AS j;
INSERT INTO roads_roadsegment (name_fr, name_ar, road_class, surface, width_m, lanes, one_way,
                               manager, condition_index, geom)
SELECT 'Rue ' || i || '-' || k, 'زنقة', 'residential', 'asphalt', 4, 1, false, '', 70,
       ST_Multi(ST_MakeLine(ST_MakePoint(290022 + i * 24, 330000 + k * 240),
                            ST_MakePoint(290022 + i * 24, 330240 + k * 240)))::geometry(MultiLineString, %(srid)s)
  FROM generate_series(0, 599) AS i, generate_series(0, 49) AS k;
INSERT INTO roads_roadsegment (name_fr, name_ar, road_class, surface, width_m, lanes, one_way,
                               manager, condition_index, geom)
SELECT 'Avenue ' || j || '-' || k, 'شارع', 'primary', 'asphalt', 4, 2, false, '', 80,
       ST_Multi(ST_MakeLine(ST_MakePoint(290000 + k * 240, 330022 + j * 24),
                            ST_MakePoint(290240 + k * 240, 330022 + j * 24)))::geometry(MultiLineString, %(srid)s)
  FROM generate_series(0, 499) AS j, generate_series(0, 59) AS k;
ALTER TABLE parcels_parcel ENABLE TRIGGER USER;
ALTER TABLE roads_roadsegment ENABLE TRIGGER USER;
ANALYZE parcels_parcel;
ANALYZE roads_roadsegment;
"""


def synthetic_database_url() -> str:
    import psycopg

    base, default_db = _base_url()
    name = "geoportal_bench_tiles_synthetic"
    with psycopg.connect(f"{base}/{default_db}", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = f"{base}/{name}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "geoportal.settings"}
    manage = [sys.executable, str(REPO_ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, check=True)
    with psycopg.connect(url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM parcels_parcel LIMIT 1").fetchone():
            started = time.monotonic()
            with conn.transaction():
                conn.execute(SYNTHETIC_SQL.replace("%(srid)s", "26191"))
            print(f"synthetic city loaded ({time.monotonic() - started:.0f} s)")
    return url


def demo_loader_exists() -> bool:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "geoportal.settings"}
    command = [sys.executable, str(REPO_ROOT / "manage.py"), "help", "--commands"]
    listing = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return "load_demo" in listing.stdout.split()


def database() -> tuple[str, str]:
    for size in ("large", "city") if demo_loader_exists() else ():
        try:
            url = bench_database_url(size)
        except subprocess.CalledProcessError:
            continue
        import psycopg

        with psycopg.connect(url) as conn:
            if conn.execute("SELECT 1 FROM parcels_parcel LIMIT 1").fetchone():
                return url, f"demo city '{size}'"
    return synthetic_database_url(), "synthetic grid city (the demo loader was not available)"


def sample_tiles(url: str, layer_table: str, z: int, n: int) -> list[tuple[int, int, int]]:
    """Tiles holding features, spread over the layer (every k-th feature by id)."""
    import math

    import psycopg

    with psycopg.connect(url) as conn:
        table = sql.Identifier(layer_table)
        total = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()[0]
        step = max(1, total // (n * 4))
        rows = conn.execute(
            sql.SQL(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) p "
                "FROM {} WHERE id %% %s = 0 ORDER BY id) s"
            ).format(table),
            [step],
        ).fetchall()
    tiles: list[tuple[int, int, int]] = []
    for lon, lat in rows:
        x = int((lon + 180) / 360 * 2**z)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
        if (z, x, y) not in tiles:
            tiles.append((z, x, y))
        if len(tiles) == n:
            break
    return tiles


def get(url: str, headers: dict[str, str] | None = None) -> tuple[float, int, bytes, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read()
            status, hdrs = response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        body, status, hdrs = exc.read(), exc.code, dict(exc.headers)
    return time.perf_counter() - started, status, body, hdrs


def summarize(seconds: list[float], sizes: list[int] | None = None) -> dict:
    return {
        "tiles": len(seconds),
        "tiles_per_s": round(len(seconds) / sum(seconds), 1) if seconds else None,
        "median_ms": round(statistics.median(seconds) * 1000, 2) if seconds else None,
        "mean_kb": round(statistics.mean(sizes) / 1024, 1) if sizes else None,
    }


def start(cmd: list[str], env: dict[str, str], health: str) -> subprocess.Popen:
    sys.path.insert(0, str(REPO_ROOT))
    from tests.conftest import wait_for_http

    proc = subprocess.Popen(
        cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_for_http(health, timeout=60)
    return proc


def floor_ms(conn, layer, z: int, x: int, y: int) -> float:
    """Planning + execution of the platform's tile statement, timed by PostgreSQL on a session
    that has already run it once (PROJ and the catalog caches warm, as in a server's pool)."""
    import psycopg

    from tiles.mvt import build_tile_query

    statement, params = build_tile_query([layer], z, x, y)
    cur = psycopg.ClientCursor(conn)
    cur.execute(statement, params)
    cur.execute("EXPLAIN (ANALYZE, TIMING false, FORMAT JSON) " + statement, params)
    plan = cur.fetchone()[0][0]
    return plan["Planning Time"] + plan["Execution Time"]


def main() -> None:
    url, source = database()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
    sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()
    from layers.common.registry import get_layer
    from tests.conftest import free_port
    from tiles.mvt import layers_at_zoom

    venv_bin = Path(sys.executable).parent
    var_dir = tempfile.mkdtemp(prefix="bench-tiles-")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "GEOPORTAL_VAR_DIR": var_dir,
        "GEOPORTAL_DB_CONN_MAX_AGE": "600",
        "GEOPORTAL_LOG_LEVEL": "WARNING",
    }
    ours_port, tipg_port = free_port(), free_port()
    ours_cmd = [str(venv_bin / "gunicorn"), "geoportal.wsgi", "--bind", f"127.0.0.1:{ours_port}"]
    ours_cmd += ["--workers", "2"]
    ours = start(ours_cmd, env, f"http://127.0.0.1:{ours_port}/healthz")
    tables = [get_layer(slug).table for slug in LAYERS]
    tipg_env = {
        **env,
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_DB_TABLES": json.dumps([f"public.{t}" for t in tables]),
        "TIPG_MAX_FEATURES_PER_TILE": "50000",
        "TIPG_TILE_BUFFER": "256",
    }
    tipg_cmd = [str(venv_bin / "uvicorn"), "tipg.main:app", "--port", str(tipg_port)]
    tipg_cmd += ["--workers", "2", "--log-level", "warning"]
    tipg = start(tipg_cmd, tipg_env, f"http://127.0.0.1:{tipg_port}/healthz")
    results: dict = {"database": source, "tiles_per_zoom": TILES_PER_ZOOM, "runs": []}
    lines = [
        f"Vector tiles on the {source}, {TILES_PER_ZOOM} tiles per zoom, sequential requests.",
        "",
        "| layer | z | floor (PG) ms | ours cold ms | ours warm ms | 304 ms | tipg ms | "
        "cold/floor | cold/tipg | tiles/s cold | tiles/s warm | tiles/s tipg | kB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    import psycopg

    pg = psycopg.connect(url, autocommit=True)
    try:
        for slug in LAYERS:
            layer = get_layer(slug)
            fields = ",".join(name for name in layer.options.tile_fields)
            for z in ZOOMS:
                tiles = sample_tiles(url, layer.table, z, TILES_PER_ZOOM)
                drawn = bool(layers_at_zoom([layer], z))
                run: dict = {"layer": slug, "zoom": z, "drawn_by_platform": drawn}
                base = f"http://127.0.0.1:{ours_port}/tiles/{slug}"
                cold, warm, revalidated, sizes, tipg_times = [], [], [], [], []
                etags = {}
                for t in tiles:
                    sec, status, body, hdrs = get(f"{base}/{t[0]}/{t[1]}/{t[2]}.mvt")
                    assert status in (200, 204), status
                    cold.append(sec)
                    sizes.append(len(body))
                    etags[t] = hdrs["ETag"]
                for t in tiles:
                    warm.append(get(f"{base}/{t[0]}/{t[1]}/{t[2]}.mvt")[0])
                for t in tiles:
                    sec, status, _, _ = get(
                        f"{base}/{t[0]}/{t[1]}/{t[2]}.mvt", {"If-None-Match": etags[t]}
                    )
                    assert status == 304, status
                    revalidated.append(sec)
                tipg_base = (
                    f"http://127.0.0.1:{tipg_port}/collections/public.{layer.table}"
                    "/tiles/WebMercatorQuad"
                )
                tipg_sizes = []
                for t in tiles:
                    sec, status, body, _ = get(
                        f"{tipg_base}/{t[0]}/{t[1]}/{t[2]}?properties={fields}"
                    )
                    assert status in (200, 204), (status, body[:200])
                    tipg_times.append(sec)
                    tipg_sizes.append(len(body))
                floors = [floor_ms(pg, layer, *t) / 1000 for t in tiles] if drawn else []
                run.update(
                    ours_cold=summarize(cold, sizes),
                    ours_warm=summarize(warm),
                    ours_304=summarize(revalidated),
                    tipg=summarize(tipg_times, tipg_sizes),
                    floor=summarize(floors),
                )
                results["runs"].append(run)
                c, f, tg = run["ours_cold"], run["floor"], run["tipg"]
                ratio_floor = (
                    f"{c['median_ms'] / f['median_ms']:.2f}" if drawn and f["median_ms"] else "n/a"
                )
                note = "" if drawn else " (below the layer's min zoom: empty)"
                lines.append(
                    f"| {slug}{note} | {z} | {f['median_ms'] if drawn else 'n/a'} | "
                    f"{c['median_ms']} | {run['ours_warm']['median_ms']} | "
                    f"{run['ours_304']['median_ms']} | {tg['median_ms']} | {ratio_floor} | "
                    f"{c['median_ms'] / tg['median_ms']:.2f} | {c['tiles_per_s']} | "
                    f"{run['ours_warm']['tiles_per_s']} | {tg['tiles_per_s']} | "
                    f"{c['mean_kb']} / tipg {tg['mean_kb']} |"
                )
                print(lines[-1], flush=True)
    finally:
        pg.close()
        for proc in (ours, tipg):
            proc.terminate()
            proc.wait(timeout=30)
    write_result("tiles", results, lines)


if __name__ == "__main__":
    main()
