"""OGC API Features: items requests per second, ``limit=100``, without and with a bbox, in one run:

- the platform: pygeoapi mounted in Django, served by gunicorn (2 workers) as in production;
- pygeoapi standalone: its Flask app under gunicorn (2 workers), configured by
  ``manage.py ogc_config --plain-provider`` on the same publication views (its own PostgreSQL
  provider, full ``numberMatched`` count on every page);
- tipg (uvicorn, 2 workers) on the same views (schema ``ogc``).

Requests are sequential, one client, on the same machine; pages are spread over the first
offsets, bboxes are ~600 m boxes around features spread over the layer. Ratios are ours / peer
(above 1: the platform serves more requests per second). The database is
``bench_database_url(BENCH_OGC_SIZE)``; by default "large" when it is already loaded, otherwise
"city" (the summary says which).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from common import REPO_ROOT, _base_url, bench_database_url, write_result

LAYERS = ("parcels", "roads")
REQUESTS = int(os.environ.get("BENCH_OGC_REQUESTS", "60"))
LIMIT = 100
WORKERS = "2"


def get(url: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            body, status = response.read(), response.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read(), exc.code
    return time.perf_counter() - started, status, body


def start(cmd: list[str], env: dict[str, str], health: str) -> subprocess.Popen:
    from tests.conftest import wait_for_http

    proc = subprocess.Popen(
        cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_for_http(health, timeout=90)
    return proc


def sample_bboxes(url: str, table: str, n: int) -> list[tuple[float, float, float, float]]:
    """~600 m boxes (0.003 degree each side of a feature) around features spread by id."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url) as conn:
        total = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        step = max(1, total.fetchone()[0] // n)
        query = sql.SQL(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), "
            "4326) AS p FROM {} WHERE id %% %s = 0 ORDER BY id LIMIT %s) AS s"
        ).format(sql.Identifier(table))
        rows = conn.execute(query, [step, n]).fetchall()
    d = 0.003
    return [(lon - d, lat - d, lon + d, lat + d) for lon, lat in rows]


def measure(urls: list[str]) -> dict:
    seconds, returned, errors = [], [], 0
    get(urls[0])  # warm the connection pools and caches
    for url in urls:
        elapsed, status, body = get(url)
        if status != 200:
            errors += 1
            continue
        seconds.append(elapsed)
        returned.append(len(json.loads(body).get("features", [])))
    return {
        "requests": len(seconds),
        "errors": errors,
        "requests_per_s": round(len(seconds) / sum(seconds), 1) if seconds else None,
        "median_ms": round(statistics.median(seconds) * 1000, 2) if seconds else None,
        "mean_features": round(statistics.mean(returned), 1) if returned else None,
    }


def loaded(size: str) -> bool:
    """Whether the bench database of that size exists and holds parcels already."""
    import psycopg

    base, _ = _base_url()
    try:
        with psycopg.connect(f"{base}/geoportal_bench_{size}") as conn:
            return bool(conn.execute("SELECT 1 FROM parcels_parcel LIMIT 1").fetchone())
    except psycopg.Error:
        return False


def main() -> None:
    size = os.environ.get("BENCH_OGC_SIZE") or ("large" if loaded("large") else "city")
    url = bench_database_url(size)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
    sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()
    from django.conf import settings

    from layers.common.registry import get_layer
    from tests.conftest import free_port

    venv_bin = Path(sys.executable).parent
    var_dir = tempfile.mkdtemp(prefix="bench-ogc-")
    ours_port, pga_port, tipg_port = free_port(), free_port(), free_port()
    ours_base = f"http://127.0.0.1:{ours_port}/ogc"
    pga_base = f"http://127.0.0.1:{pga_port}"
    tipg_base = f"http://127.0.0.1:{tipg_port}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "GEOPORTAL_VAR_DIR": var_dir,
        "GEOPORTAL_DB_CONN_MAX_AGE": "600",
        "GEOPORTAL_LOG_LEVEL": "WARNING",
        "GEOPORTAL_PUBLIC_URL": f"http://127.0.0.1:{ours_port}",
    }
    config_dir = Path(var_dir) / "pygeoapi"
    command = [sys.executable, str(REPO_ROOT / "manage.py"), "ogc_config", "-o", str(config_dir)]
    command += ["--plain-provider", "--url", pga_base]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    db = settings.DATABASES["default"]
    pga_env = {
        **env,
        "PYGEOAPI_CONFIG": str(config_dir / "pygeoapi-config.yml"),
        "PYGEOAPI_OPENAPI": str(config_dir / "openapi.yml"),
        "OGC_DB_PASSWORD": db["PASSWORD"],
    }
    tipg_env = {
        **env,
        "TIPG_DB_SCHEMAS": '["ogc"]',
        "TIPG_DEFAULT_FEATURES_LIMIT": "10",
        "TIPG_MAX_FEATURES_PER_QUERY": "10000",
    }
    procs = []
    try:
        gunicorn, uvicorn = str(venv_bin / "gunicorn"), str(venv_bin / "uvicorn")
        workers = ["--workers", WORKERS]
        ours = [gunicorn, "geoportal.wsgi", "--bind", f"127.0.0.1:{ours_port}", *workers]
        pga = [gunicorn, "pygeoapi.flask_app:APP", "--bind", f"127.0.0.1:{pga_port}", *workers]
        tipg = [uvicorn, "tipg.main:app", "--port", str(tipg_port), *workers]
        tipg += ["--log-level", "warning"]
        procs.append(start(ours, env, f"{ours_base}/conformance"))
        procs.append(start(pga, pga_env, f"{pga_base}/conformance"))
        procs.append(start(tipg, tipg_env, f"{tipg_base}/conformance"))
        rng = random.Random(5)
        rows, result = [], {"database": f"demo city '{size}'", "limit": LIMIT, "layers": {}}
        for slug in LAYERS:
            table = get_layer(slug).table
            offsets = [rng.randrange(0, 2000) for _ in range(REQUESTS)]
            bboxes = sample_bboxes(url, table, REQUESTS)
            bases = {
                "ours": f"{ours_base}/collections/{slug}/items?f=json",
                "pygeoapi": f"{pga_base}/collections/{slug}/items?f=json",
                "tipg": f"{tipg_base}/collections/ogc.{slug}/items?f=geojson",
            }
            for mode in ("page", "bbox"):
                figures = {}
                for server, base in bases.items():
                    if mode == "page":
                        urls = [f"{base}&limit={LIMIT}&offset={o}" for o in offsets]
                    else:
                        boxes = [",".join(map(str, b)) for b in bboxes]
                        urls = [f"{base}&limit={LIMIT}&bbox={box}" for box in boxes]
                    figures[server] = measure(urls)
                result["layers"].setdefault(slug, {})[mode] = figures
                rps = {k: v["requests_per_s"] or 0 for k, v in figures.items()}
                rows.append(
                    f"| {slug} | {mode} | {rps['ours']} | {rps['pygeoapi']} | {rps['tipg']} | "
                    f"{rps['ours'] / rps['pygeoapi'] if rps['pygeoapi'] else 0:.2f} | "
                    f"{rps['ours'] / rps['tipg'] if rps['tipg'] else 0:.2f} | "
                    f"{figures['ours']['median_ms']} / {figures['pygeoapi']['median_ms']} / "
                    f"{figures['tipg']['median_ms']} | {figures['ours']['mean_features']} |"
                )
                print(rows[-1], flush=True)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
    summary = [
        f"OGC API Features items (limit {LIMIT}) on the {result['database']}, {REQUESTS} "
        "sequential requests per row, each server with 2 workers.",
        "",
        "| layer | request | ours req/s | pygeoapi req/s | tipg req/s | ours/pygeoapi | ours/tipg "
        "| median ms ours / pygeoapi / tipg | features per page |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
    ]
    write_result("ogc", result, summary)


if __name__ == "__main__":
    main()
