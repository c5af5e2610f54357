"""OGC API Features, in one run (each part can be chosen with ``BENCH_OGC_PARTS``, a comma list of
``throughput,whole,qgis,pages,rss``; all by default):

- ``throughput``: items requests per second, ``limit=100``, without and with a bbox, of
  - the platform: pygeoapi mounted in Django, served by gunicorn (2 workers) as in production;
  - pygeoapi standalone: its Flask app under gunicorn (2 workers), configured by
    ``manage.py ogc_config --plain-provider`` on the same publication views (its own PostgreSQL
    provider, full ``numberMatched`` count on every page);
  - tipg (uvicorn, 2 workers) on the same views (schema ``ogc``).
  Requests are sequential, one client, on the same machine, the servers taking turns request by
  request (the first to ask rotating); pages are spread over the first offsets, bboxes are ~600 m
  boxes around features spread over the layer. The first request of each row (cold: connection
  pools, caches) is reported apart from the others (warm). Ratios are ours / peer (above 1: the
  platform serves more requests per second).
  Then under load: ``BENCH_OGC_LOAD_ROUNDS`` rounds (3) of ``BENCH_OGC_LOAD_REQUESTS`` (200)
  other requests of the same kind per row, each asked once by 8 clients at once (wrk), the
  servers taking turns round by round once the processors are idle (medians of the rounds);
  the two gunicorn servers behind nginx (``geoportal.frontserver``, as ``make run`` serves ours:
  a sync worker would otherwise wait on a client's idle connection), tipg's asynchronous
  workers direct. The database is ``bench_database_url(BENCH_OGC_SIZE)``; by default "large"
  when it is already loaded, otherwise "city".
- ``whole``: a whole-layer read of ``parcels`` by GDAL with its default options
  (``ogr2ogr -f GPKG out.gpkg OAPIF:<server>/ogc parcels``, no ``-oo``) against ``ogr2ogr`` from
  PostGIS (the publication view ``ogc.parcels``, its published geometry), on each size of
  ``BENCH_OGC_WHOLE_SIZES`` (``city,large`` by default, "large" when loaded); same feature count
  checked; the page size GDAL asked for and how it paged (cursor or offset) are read from the
  server's access log.
  Each client also reads the same pages from a replay server that answers them from memory
  (:class:`Replay`): the client's own cost, a floor no server can go under.
- ``qgis``: the same whole read by PyQGIS (Debian's ``/usr/bin/python3`` with ``qgis.core``),
  default connection, every feature iterated; ratio against the same ``ogr2ogr`` from PostGIS.
- ``pages``: first against last pages of ``parcels`` on "large", cold (each URL asked once): the
  last pages are reached by the ``next`` link of one ``offset`` request near the end, then timed
  following the cursor links; the same count of ``offset`` requests near the start and near the
  end for contrast. Medians.
- ``rss``: the resident memory of a gunicorn worker (one worker) before and after 20 pages of
  ``limit=10000`` on "large", and its peak (``VmHWM``).

A read that takes longer than ``BENCH_OGC_WHOLE_TIMEOUT`` seconds (default 1800) is stopped; its
rate so far (pages and features in the access log) gives an estimate of the whole, marked so.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from common import (
    REPO_ROOT,
    _base_url,
    bench_database_url,
    first,
    wait_until_idle,
    write_result,
    wrk,
)

LAYERS = ("parcels", "roads")
REQUESTS = int(os.environ.get("BENCH_OGC_REQUESTS", "60"))
LOAD_REQUESTS = int(os.environ.get("BENCH_OGC_LOAD_REQUESTS", "200"))
LOAD_ROUNDS = int(os.environ.get("BENCH_OGC_LOAD_ROUNDS", "3"))
LOAD_CLIENTS = 8
LIMIT = 100
WORKERS = "2"
ALL_PARTS = ("throughput", "whole", "qgis", "pages", "rss")
PARTS = [p.strip() for p in os.environ.get("BENCH_OGC_PARTS", ",".join(ALL_PARTS)).split(",")]
WHOLE_TIMEOUT = int(os.environ.get("BENCH_OGC_WHOLE_TIMEOUT", "1800"))
PAGES_EACH_END = int(os.environ.get("BENCH_OGC_PAGES_EACH_END", "7"))
RSS_PAGES, RSS_LIMIT = 20, 10_000
QGIS_PYTHON = "/usr/bin/python3"
GOAL_WHOLE, GOAL_LAST_PAGE = 3.0, 2.0

QGIS_SCRIPT = textwrap.dedent("""
    import json, sys, time
    started = time.perf_counter()
    from qgis.core import QgsApplication, QgsVectorLayer
    app = QgsApplication([], False)
    app.initQgis()
    layer = QgsVectorLayer(f"url='{sys.argv[1]}' typename='{sys.argv[2]}'", "l", "OAPIF")
    out = {"valid": layer.isValid(), "opened_s": time.perf_counter() - started}
    if layer.isValid():
        read = time.perf_counter()
        out["count"] = sum(1 for _ in layer.getFeatures())
        out["read_s"] = time.perf_counter() - read
    del layer
    app.exitQgis()
    print(json.dumps(out))
""")


def get(url: str, timeout: float = 120) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body, status = response.read(), response.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read(), exc.code
    return time.perf_counter() - started, status, body


def start(cmd: list[str], env: dict[str, str], health: str) -> subprocess.Popen:
    from tests.conftest import wait_for_http

    proc = subprocess.Popen(
        cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_http(health, timeout=180)
    except TimeoutError:
        stop([proc])
        raise
    return proc


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def server_env(url: str, port: int, var_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "geoportal.settings",
        "GEOPORTAL_VAR_DIR": var_dir,
        "GEOPORTAL_DB_CONN_MAX_AGE": "600",
        "GEOPORTAL_LOG_LEVEL": "WARNING",
        "GEOPORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }


def serve_ours(
    url: str, var_dir: str, workers: str = WORKERS, access_log: Path | None = None
) -> tuple[subprocess.Popen, str]:
    """The platform under gunicorn on a free port, against the database ``url``."""
    from tests.conftest import free_port

    port = free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    cmd = [gunicorn, "geoportal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", workers]
    cmd += ["--timeout", "600", "--no-control-socket"]
    if access_log is not None:
        cmd += ["--access-logfile", str(access_log)]
    base = f"http://127.0.0.1:{port}/ogc"
    return start(cmd, server_env(url, port, var_dir), f"{base}/conformance"), base


def loaded(size: str) -> bool:
    """Whether the bench database of that size exists and holds parcels already."""
    import psycopg

    base, _ = _base_url()
    try:
        with psycopg.connect(f"{base}/geoportal_bench_{size}") as conn:
            return bool(conn.execute("SELECT 1 FROM parcels_parcel LIMIT 1").fetchone())
    except psycopg.Error:
        return False


def parcel_count(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return first(conn.execute("SELECT count(*) FROM ogc.parcels"))


# -- throughput -------------------------------------------------------------------------------


def sample_bboxes(url: str, table: str, n: int) -> list[tuple[float, float, float, float]]:
    """~600 m boxes (0.003 degree each side of a feature) around features spread by id."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url) as conn:
        total = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        step = max(1, first(total) // n)
        query = sql.SQL(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), "
            "4326) AS p FROM {} WHERE id %% %s = 0 ORDER BY id LIMIT %s) AS s"
        ).format(sql.Identifier(table))
        rows = conn.execute(query, [step, n]).fetchall()
    d = 0.003
    return [(lon - d, lat - d, lon + d, lat + d) for lon, lat in rows]


def measure(urls: dict[str, list[str]]) -> dict[str, dict]:
    """Each server's URLs (the same requests, in its own form): the first once, cold (connection
    pools and caches of this row), then every one, warm. The servers take turns request by
    request, the first to ask rotating, so that none pays more than its share of the database's
    first reads (the same rows, from disk once, then from PostgreSQL's buffers)."""
    servers = list(urls)
    cold: dict[str, tuple[float, int]] = {}
    for server in servers:
        elapsed, status, _ = get(urls[server][0])
        cold[server] = (elapsed, status)
    seconds: dict[str, list[float]] = {s: [] for s in servers}
    returned: dict[str, list[int]] = {s: [] for s in servers}
    errors = dict.fromkeys(servers, 0)
    for i in range(len(urls[servers[0]])):
        for server in servers[i % len(servers) :] + servers[: i % len(servers)]:
            elapsed, status, body = get(urls[server][i])
            if status != 200:
                errors[server] += 1
                continue
            seconds[server].append(elapsed)
            returned[server].append(len(json.loads(body).get("features", [])))
    figures = {}
    for server in servers:
        took, got = seconds[server], returned[server]
        figures[server] = {
            "cold_ms": round(cold[server][0] * 1000, 2) if cold[server][1] == 200 else None,
            "requests": len(took),
            "errors": errors[server],
            "requests_per_s": round(len(took) / sum(took), 1) if took else None,
            "median_ms": round(statistics.median(took) * 1000, 2) if took else None,
            "mean_features": round(statistics.mean(got), 1) if got else None,
        }
    return figures


def throughput(size: str, url: str, var_dir: str) -> tuple[dict, list[str]]:
    from django.conf import settings

    from layers.common.registry import get_layer
    from tests.conftest import free_port

    venv_bin = Path(sys.executable).parent
    pga_port, tipg_port = free_port(), free_port()
    pga_base = f"http://127.0.0.1:{pga_port}"
    tipg_base = f"http://127.0.0.1:{tipg_port}"
    env = server_env(url, pga_port, var_dir)
    config_dir = Path(var_dir) / "pygeoapi"
    command = [sys.executable, str(REPO_ROOT / "manage.py"), "ogc_config", "-o", str(config_dir)]
    command += ["--plain-provider", "--url", pga_base]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, timeout=300)
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
    procs: list[subprocess.Popen] = []
    rows: list[str] = []
    result: dict[str, Any] = {"database": f"demo city '{size}'", "limit": LIMIT, "layers": {}}
    load_rows: list[str] = []
    front_envs: list[dict[str, str]] = []
    try:
        proc, ours_base = serve_ours(url, var_dir)
        procs.append(proc)
        gunicorn, uvicorn = str(venv_bin / "gunicorn"), str(venv_bin / "uvicorn")
        workers = ["--workers", WORKERS]
        pga = [gunicorn, "pygeoapi.flask_app:APP", "--bind", f"127.0.0.1:{pga_port}", *workers]
        pga += ["--no-control-socket"]
        tipg = [uvicorn, "tipg.main:app", "--port", str(tipg_port), *workers]
        tipg += ["--log-level", "warning"]
        procs.append(start(pga, pga_env, f"{pga_base}/conformance"))
        procs.append(start(tipg, tipg_env, f"{tipg_base}/conformance"))
        # Under load, each gunicorn behind nginx as make run serves ours (the front server): a
        # sync worker waits on a client's idle connection (gunicorn's own advice is a buffering
        # proxy); tipg's asynchronous workers take clients directly.
        fronts = {
            "ours": front(
                urllib.parse.urlsplit(ours_base).netloc,
                Path(var_dir) / "front-ours",
                "/ogc/conformance",
            ),
            "pygeoapi": front(
                f"127.0.0.1:{pga_port}", Path(var_dir) / "front-pygeoapi", "/conformance"
            ),
            "tipg": (tipg_base, None),
        }
        front_envs.extend(env for _, env in fronts.values() if env is not None)
        rng, load_rng, turn = random.Random(5), random.Random(6), 0
        load_work = Path(var_dir) / "wrk"
        load_work.mkdir(exist_ok=True)
        for slug in LAYERS:
            table = get_layer(slug).table
            offsets = [rng.randrange(0, 2000) for _ in range(REQUESTS)]
            offsets += [load_rng.randrange(0, 2000) for _ in range(LOAD_REQUESTS * LOAD_ROUNDS)]
            # other boxes than the sequential ones' (a sample of every REQUESTS-th feature)
            bboxes = sample_bboxes(url, table, REQUESTS)
            loaded = LOAD_REQUESTS * LOAD_ROUNDS
            bboxes += sample_bboxes(url, table, loaded + REQUESTS)[REQUESTS:]
            bases = {
                "ours": f"{ours_base}/collections/{slug}/items?f=json",
                "pygeoapi": f"{pga_base}/collections/{slug}/items?f=json",
                "tipg": f"{tipg_base}/collections/ogc.{slug}/items?f=geojson",
            }
            for mode in ("page", "bbox"):
                urls = {}
                for server, base in bases.items():
                    if mode == "page":
                        urls[server] = [f"{base}&limit={LIMIT}&offset={o}" for o in offsets]
                    else:
                        boxes = [",".join(map(str, b)) for b in bboxes]
                        urls[server] = [f"{base}&limit={LIMIT}&bbox={box}" for box in boxes]
                turn += 1
                through = {k: (fronts[k][0], v[REQUESTS:]) for k, v in urls.items()}
                load = under_load(through, load_work, turn)
                load_rows.append(load_row(slug, mode, load))
                result["layers"].setdefault(slug, {})[f"{mode} under load"] = load
                figures = measure({k: v[:REQUESTS] for k, v in urls.items()})
                result["layers"][slug][mode] = figures
                rps = {k: v["requests_per_s"] or 0 for k, v in figures.items()}
                ms = {k: v["median_ms"] for k, v in figures.items()}
                cold = {k: v["cold_ms"] for k, v in figures.items()}
                rows.append(
                    f"| {slug} | {mode} | {rps['ours']} | {rps['pygeoapi']} | {rps['tipg']} | "
                    f"{rps['ours'] / rps['pygeoapi'] if rps['pygeoapi'] else 0:.2f} | "
                    f"{rps['ours'] / rps['tipg'] if rps['tipg'] else 0:.2f} | "
                    f"{ms['ours']} / {ms['pygeoapi']} / {ms['tipg']} | "
                    f"{cold['ours']} / {cold['pygeoapi']} / {cold['tipg']} | "
                    f"{figures['ours']['mean_features']} |"
                )
                print(rows[-1], flush=True)
    finally:
        for env in front_envs:
            subprocess.run(
                [sys.executable, "-m", "geoportal.frontserver", "stop"],
                cwd=REPO_ROOT,
                env=env,
                check=False,
                stdout=subprocess.DEVNULL,
            )
        stop(procs)
    summary = [
        f"Items (limit {LIMIT}) on the {result['database']}, {REQUESTS} sequential warm "
        "requests per row after one cold one, each server with 2 workers.",
        "",
        "| layer | request | ours req/s | pygeoapi req/s | tipg req/s | ours/pygeoapi | ours/tipg "
        "| warm median ms ours / pygeoapi / tipg | cold ms ours / pygeoapi / tipg "
        "| features per page |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"The same requests under load: {LOAD_ROUNDS} rounds of {LOAD_REQUESTS} other ones per "
        f"row, each asked once by {LOAD_CLIENTS} clients at once (wrk), the servers taking turns "
        "round by round, each with 2 workers, after the processors are idle; ours and pygeoapi "
        "(gunicorn) behind nginx as `make run` serves ours, tipg (uvicorn) direct. Medians of "
        "the rounds.",
        "",
        "| layer | request | ours req/s | pygeoapi req/s | tipg req/s | ours/pygeoapi | ours/tipg "
        "| median ms ours / pygeoapi / tipg | errors |",
        "|---|---|---|---|---|---|---|---|---|",
        *load_rows,
    ]
    return result, summary


def front(app: str, var_dir: Path, health: str) -> tuple[str, dict[str, str]]:
    """nginx in front of the server at ``app`` (host:port), as ``make run`` puts it in front of
    gunicorn (``geoportal.frontserver``, its files under ``var_dir``): its base URL and the
    environment that stops it."""
    from tests.conftest import free_port, wait_for_http

    port = free_port()
    env = {**os.environ, "GEOPORTAL_VAR_DIR": str(var_dir)}
    command = [sys.executable, "-m", "geoportal.frontserver", "start"]
    command += ["--listen", f"127.0.0.1:{port}", "--app", app]
    subprocess.run(command, cwd=REPO_ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    wait_for_http(f"http://127.0.0.1:{port}{health}", timeout=60)
    return f"http://127.0.0.1:{port}", env


def under_load(urls: dict[str, tuple[str, list[str]]], work: Path, turn: int) -> dict[str, dict]:
    """Each server's URLs, asked at the base (scheme and host) given with them, each once by
    LOAD_CLIENTS clients at once (wrk), in LOAD_ROUNDS rounds of LOAD_REQUESTS URLs each (their
    own). In each round the servers go one after the other, the first chosen by ``turn``
    (rotating from round to round and row to row), so that a burst of the machine's other load
    falls on one server's round rather than on its whole row. Each server's figure is the median
    of its rounds (a round's rate and median time); its errors are counted over all of them."""
    servers = list(urls)
    rounds: dict[str, list[dict[str, Any]]] = {server: [] for server in servers}
    for n in range(LOAD_ROUNDS):
        first = (turn + n) % len(servers)
        for server in servers[first:] + servers[:first]:
            base, asked = urls[server]
            chunk = asked[n * LOAD_REQUESTS : (n + 1) * LOAD_REQUESTS]
            parts = [urllib.parse.urlsplit(u) for u in chunk]
            wait_until_idle()
            rounds[server].append(
                wrk(base, [f"{p.path}?{p.query}" for p in parts], work, LOAD_CLIENTS)
            )
    figures = {}
    for server, got in rounds.items():
        figures[server] = {
            "requests_per_s": statistics.median(g["per_s"] for g in got),
            "median_ms": statistics.median(g["p50_ms"] for g in got),
            "errors": sum(n for g in got for code, n in g["statuses"].items() if code != "200"),
            "rounds_per_s": [g["per_s"] for g in got],
        }
    return figures


def load_row(slug: str, mode: str, load: dict[str, dict]) -> str:
    rps = {k: v["requests_per_s"] for k, v in load.items()}
    ms = {k: v["median_ms"] for k, v in load.items()}
    errors = sum(v["errors"] for v in load.values())
    row = (
        f"| {slug} | {mode} | {rps['ours']} | {rps['pygeoapi']} | {rps['tipg']} | "
        f"{rps['ours'] / rps['pygeoapi']:.2f} | {rps['ours'] / rps['tipg']:.2f} | "
        f"{ms['ours']} / {ms['pygeoapi']} / {ms['tipg']} | {errors} |"
    )
    print(row, flush=True)
    return row


# -- whole-layer reads ------------------------------------------------------------------------


def pg_source(url: str) -> tuple[str, dict[str, str]]:
    """GDAL's PG: connection string for ``url`` (the password in the environment, not argv)."""
    parts = urllib.parse.urlsplit(url)
    source = (
        f"PG:host={parts.hostname} port={parts.port or 5432} "
        f"dbname={parts.path.lstrip('/')} user={urllib.parse.unquote(parts.username or '')}"
    )
    return source, {**os.environ, "PGPASSWORD": urllib.parse.unquote(parts.password or "")}


def gpkg_count(path: Path) -> int | None:
    if not path.exists():
        return None
    with sqlite3.connect(path) as conn:
        tables = conn.execute("SELECT table_name FROM gpkg_contents").fetchall()
        if len(tables) != 1:
            return None
        quoted = '"' + tables[0][0].replace('"', '""') + '"'
        return first(conn.execute(f"SELECT count(*) FROM {quoted}"))  # noqa: S608


def run_timed(cmd: list[str], env: dict[str, str], timeout: float) -> tuple[float, bool, str]:
    """(seconds, finished in time and with status 0, end of stderr)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        ok = proc.returncode == 0
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        err = f"stopped after {timeout} s\n{err}"
        ok = False
    return time.perf_counter() - started, ok, (out or "") + "\n" + (err or "")[-2000:]


ACCESS_LINE = re.compile(r'"GET (?P<path>\S+) HTTP/[0-9.]+" (?P<status>\d{3}) (?P<bytes>\S+)')


def items_requests(log: Path, start_at: int) -> dict[str, Any]:
    """The items requests written to the access log after byte ``start_at``: how many, which
    ``limit`` values, how many carried a cursor or an offset, and their statuses."""
    limits: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    pages = cursor = offset = 0
    with log.open("rb") as fh:
        fh.seek(start_at)
        text = fh.read().decode(errors="replace")
    for match in ACCESS_LINE.finditer(text):
        path, _, query = match["path"].partition("?")
        if not path.endswith("/items"):
            continue
        params = urllib.parse.parse_qs(query)
        pages += 1
        limits[params.get("limit", ["(none)"])[0]] += 1
        statuses[match["status"]] += 1
        cursor += "cursor" in params
        offset += "offset" in params
    return {
        "items_requests": pages,
        "limits": dict(limits.most_common()),
        "with_cursor": cursor,
        "with_offset": offset,
        "statuses": dict(statuses),
    }


def page_size_of(requests: dict[str, Any]) -> str:
    limits = requests["limits"]
    return ", ".join(f"limit={k} x{v}" for k, v in limits.items()) or "no items request"


def pg_whole_read(url: str, work: Path) -> dict[str, Any]:
    source, env = pg_source(url)
    out = work / "from_postgis.gpkg"
    # The view's published geometry alone (``table(column)``): not its Web Mercator copy.
    cmd = ["ogr2ogr", "-f", "GPKG", str(out), source, "ogc.parcels(geom)"]
    seconds, ok, log = run_timed(cmd, env, WHOLE_TIMEOUT)
    figures: dict[str, Any] = {"seconds": round(seconds, 2), "ok": ok, "count": gpkg_count(out)}
    if not ok:
        figures["error"] = log[-500:]
    out.unlink(missing_ok=True)
    return figures


def estimate(figures: dict[str, Any], total: int) -> None:
    """For a read stopped on time: the whole read's time at the rate reached, marked so."""
    requests = figures["requests"]
    limit = str(next(iter(requests["limits"]), ""))
    if figures["ok"] or not requests["items_requests"] or not limit.isdigit():
        return
    done = min(total, requests["items_requests"] * int(limit))
    figures["features_reached"] = done
    figures["estimated_seconds"] = round(figures["seconds"] * total / max(done, 1), 1)


def gdal_whole_read(base: str, log: Path, work: Path, total: int) -> dict[str, Any]:
    out = work / "from_oapif.gpkg"
    start_at = log.stat().st_size
    cmd = ["ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{base}", "parcels"]
    seconds, ok, output = run_timed(cmd, dict(os.environ), WHOLE_TIMEOUT)
    time.sleep(0.5)  # the access log is written after the answer
    figures: dict[str, Any] = {
        "seconds": round(seconds, 2),
        "ok": ok,
        "count": gpkg_count(out) if ok else None,
        "requests": items_requests(log, start_at),
    }
    if not ok:
        figures["error"] = output[-500:]
    estimate(figures, total)
    out.unlink(missing_ok=True)
    return figures


def http_walk(base: str, limit: int) -> dict[str, Any]:
    """The server's share of a whole read: every page of ``limit`` by the ``next`` links, read
    with urllib (the bodies are parsed, nothing is written)."""
    href: str | None = f"{base}/collections/parcels/items?f=json&limit={limit}"
    started, pages, count = time.perf_counter(), 0, 0
    while href:
        _, status, body = get(href, timeout=600)
        if status != 200:
            return {"ok": False, "error": f"{href} answered {status}"}
        doc = json.loads(body)
        pages += 1
        count += len(doc["features"])
        href = next((link["href"] for link in doc["links"] if link["rel"] == "next"), None)
    return {
        "ok": True,
        "seconds": round(time.perf_counter() - started, 2),
        "pages": pages,
        "count": count,
    }


class Replay:
    """The client's own floor: the same pages as our server's, answered from memory by a server
    that does no work (a thread of this process), so that a client's read of it costs the client
    alone. Every document but the items pages is fetched once from our server; the items pages
    are fetched beforehand, by following our ``next`` links from the first page of each
    ``limit`` the client asks for, and their ``next`` links point back to this server."""

    def __init__(self, ours: str) -> None:
        import http.server
        import threading

        from tests.conftest import free_port

        self.ours = ours  # .../ogc
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/ogc"
        self.pages: dict[str, tuple[str, bytes]] = {}  # "limit-k" -> (content type, body)
        self.documents: dict[str, tuple[int, str, bytes]] = {}
        replay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                status, kind, body = replay.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _fetch(self, url: str) -> tuple[int, str, bytes]:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=600) as response:
                kind = response.headers.get("Content-Type", "application/json")
                body, status = response.read(), response.status
        except urllib.error.HTTPError as exc:
            kind = exc.headers.get("Content-Type", "application/json")
            body, status = exc.read(), exc.code
        return status, kind, body.replace(self.ours.encode(), self.base.encode())

    def prefetch(self, limit: int) -> int:
        """Our pages from ``limit`` on, by the next links; how many."""
        href: str | None = f"{self.ours}/collections/parcels/items?limit={limit}"
        k = 0
        while href:
            _, kind, body = self._fetch(href)
            doc = json.loads(body)
            nexts = [link["href"] for link in doc["links"] if link["rel"] == "next"]
            if nexts:  # the next link, as the page writes it, points to the next page here
                ours_next = nexts[0].replace(self.base, self.ours)
                mine = f"{self.base}/collections/parcels/items?page={limit}-{k + 1}"
                body = body.replace(json.dumps(nexts[0])[1:-1].encode(), mine.encode())
                href = ours_next
            else:
                href = None
            self.pages[f"{limit}-{k}"] = (kind, body)
            k += 1
        return k

    def answer(self, path: str) -> tuple[int, str, bytes]:
        route, _, query = path.partition("?")
        params = urllib.parse.parse_qs(query)
        if route.endswith("/collections/parcels/items"):
            first = f"{params.get('limit', ['100'])[0]}-0"  # a first page, by its limit
            key = params.get("page", [first])[0]
            if key in self.pages:
                kind, body = self.pages[key]
                return 200, kind, body
        if path not in self.documents:
            self.documents[path] = self._fetch(self.ours.removesuffix("/ogc") + path)
        return self.documents[path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def replay_read(
    ours: str, limits: tuple[int, ...], read: Any, log: Path, work: Path, total: int
) -> dict[str, Any]:
    """``read`` (a whole-read function) against a :class:`Replay` of our pages."""
    replay = Replay(ours)
    try:
        for limit in limits:
            replay.prefetch(limit)
        figures = read(replay.base, log, work, total)
        figures.pop("requests", None)  # none reached our server
        figures.pop("estimated_seconds", None)
        return figures
    finally:
        replay.close()


def qgis_available() -> str | None:
    """None when PyQGIS can be imported by Debian's python3, else why not."""
    if not Path(QGIS_PYTHON).exists():
        return f"{QGIS_PYTHON} not found"
    done = subprocess.run(
        [QGIS_PYTHON, "-c", "import qgis.core"],
        env=qgis_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode:
        return "PyQGIS is not installed (Debian package python3-qgis): " + done.stderr[-300:]
    return None


def qgis_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    runtime = Path(tempfile.gettempdir()) / f"bench-ogc-qgis-{os.getuid()}"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env.update(QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(runtime))
    return env


def qgis_whole_read(base: str, log: Path, work: Path, total: int) -> dict[str, Any]:
    script = work / "qgis_whole_read.py"
    script.write_text(QGIS_SCRIPT)
    start_at = log.stat().st_size
    cmd = [QGIS_PYTHON, str(script), base, "parcels"]
    seconds, ok, output = run_timed(cmd, qgis_env(), WHOLE_TIMEOUT)
    time.sleep(0.5)
    figures: dict[str, Any] = {"seconds": round(seconds, 2), "ok": ok}
    lines = [line for line in output.splitlines() if line.startswith("{")]
    if ok and lines:
        read = json.loads(lines[-1])
        figures.update(
            count=read.get("count"),
            valid=read.get("valid"),
            read_seconds=round(read.get("read_s", 0), 2),
        )
        figures["ok"] = bool(read.get("valid"))
    else:
        figures["error"] = output[-500:]
    figures["requests"] = items_requests(log, start_at)
    estimate(figures, total)
    return figures


def whole_reads(sizes: list[str], var_dir: str, with_gdal: bool, with_qgis: bool) -> tuple:
    result: dict[str, Any] = {}
    lines: list[str] = []
    missing_qgis = qgis_available() if with_qgis else None
    if missing_qgis:
        lines.append(f"PyQGIS whole read skipped: {missing_qgis}")
        print(lines[-1], flush=True)
        result["qgis_skipped"] = missing_qgis
        with_qgis = False
    for size in sizes:
        url = bench_database_url(size)
        total = parcel_count(url)
        work = Path(tempfile.mkdtemp(prefix=f"bench-ogc-whole-{size}-"))
        log = work / "access.log"
        log.touch()
        proc, base = serve_ours(url, var_dir, access_log=log)
        try:
            get(f"{base}/collections/parcels/items?limit=1")  # the count, once per layer stamp
            figures: dict[str, Any] = {"parcels": total, "postgis": pg_whole_read(url, work)}
            pg = figures["postgis"]
            pg_line = f"ogr2ogr from PostGIS {pg['seconds']} s, {pg['count']} features"
            for client, enabled, read, limits in (
                ("gdal_default", with_gdal, gdal_whole_read, (10,)),
                ("pyqgis_default", with_qgis, qgis_whole_read, (10, 1000)),
            ):
                if not enabled:
                    continue
                got = figures[client] = read(base, log, work, total)
                floor = got["client_floor"] = replay_read(base, limits, read, log, work, total)
                seconds = got["seconds"] if got["ok"] else got.get("estimated_seconds")
                ratio = round(seconds / pg["seconds"], 1) if seconds and pg["seconds"] else None
                got["ratio_to_postgis"] = ratio
                got["same_count"] = got.get("count") == pg["count"] == total
                name = "GDAL 3.6 default" if client == "gdal_default" else "PyQGIS 3.22 default"
                requests = got["requests"]
                how = (
                    f"{requests['items_requests']} pages ({page_size_of(requests)}; "
                    f"{requests['with_cursor']} by cursor, {requests['with_offset']} by offset)"
                )
                if got["ok"]:
                    head = f"{got['seconds']} s, {got['count']} features"
                else:
                    head = (
                        f"stopped after {got['seconds']} s at ~{got.get('features_reached')} "
                        f"features, estimated {got.get('estimated_seconds')} s for the whole"
                    )
                verdict = (
                    "goal met" if ratio is not None and ratio <= GOAL_WHOLE else "goal NOT met"
                )
                floor_ratio = (
                    round(floor["seconds"] / pg["seconds"], 1)
                    if floor["ok"] and pg["seconds"]
                    else None
                )
                floor["ratio_to_postgis"] = floor_ratio
                lines.append(
                    f"Whole read of parcels on '{size}' ({total:,} parcels), {name}: {head}, "
                    f"{how}; {pg_line}: ratio {ratio}x (goal <= {GOAL_WHOLE:g}x: {verdict}); "
                    f"same count: {got['same_count']}. The same client reading the same pages "
                    f"from a server that does no work (the client's own floor): "
                    f"{floor['seconds']} s, {floor.get('count')} features, {floor_ratio}x."
                )
                print(lines[-1], flush=True)
            if with_gdal:
                for limit in (1000, 10_000):
                    got = figures[f"http_limit_{limit}"] = http_walk(base, limit)
                    if got["ok"]:
                        ratio = round(got["seconds"] / pg["seconds"], 1)
                        lines.append(
                            f"Server's share on '{size}': every page of limit={limit} by the next "
                            f"links with urllib, {got['seconds']} s for {got['pages']} pages, "
                            f"{got['count']} features ({ratio}x ogr2ogr from PostGIS)."
                        )
                    else:
                        lines.append(f"Walk of limit={limit} on '{size}' failed: {got['error']}")
                    print(lines[-1], flush=True)
            result[size] = figures
        finally:
            stop([proc])
            shutil.rmtree(work, ignore_errors=True)
    return result, lines


# -- first and last pages ---------------------------------------------------------------------


def next_link(body: bytes) -> str | None:
    links = json.loads(body).get("links", [])
    return next((link["href"] for link in links if link.get("rel") == "next"), None)


def follow(url: str, n: int, limit: int) -> list[float]:
    """Times of ``n`` pages of ``limit`` features reached by following ``next`` links from the
    page at ``url`` (not timed); each URL is asked once. The links' own ``limit`` (which grows
    from page to page for machines) is set back to ``limit``: the pages compared are of one
    size."""
    _, status, body = get(url)
    if status != 200:
        msg = f"{url} answered {status}"
        raise RuntimeError(msg)
    times = []
    for _ in range(n):
        href = next_link(body)
        if href is None:
            break
        href = re.sub(r"([?&])limit=\d+", rf"\g<1>limit={limit}", href)
        elapsed, status, body = get(href)
        if status != 200:
            msg = f"{href} answered {status}"
            raise RuntimeError(msg)
        times.append(elapsed)
    return times


def first_and_last_pages(size: str, var_dir: str, limit: int) -> tuple[dict, list[str]]:
    url = bench_database_url(size)
    total = parcel_count(url)
    k = PAGES_EACH_END
    proc, base = serve_ours(url, var_dir)
    items = f"{base}/collections/parcels/items?f=json&limit={limit}"
    try:
        for _ in range(2):  # each worker: the count of the layer, once per layer stamp
            get(f"{base}/collections/parcels/items?f=json&limit=1")
        first_cold, status, _ = get(items)
        first = follow(f"{items}&offset={limit}", k, limit)  # pages 3 .. k+2, by cursor
        # the last k, by cursor
        last = follow(f"{items}&offset={total - (k + 1) * limit}", k, limit)
        near_start = [get(f"{items}&offset={(2 * k + 3 + i) * limit}")[0] for i in range(k)]
        near_end = [get(f"{items}&offset={total - (2 * k + 3 + i) * limit}")[0] for i in range(k)]
    finally:
        stop([proc])
    med = {
        "first_by_cursor_ms": round(statistics.median(first) * 1000, 1),
        "last_by_cursor_ms": round(statistics.median(last) * 1000, 1),
        "offset_near_start_ms": round(statistics.median(near_start) * 1000, 1),
        "offset_near_end_ms": round(statistics.median(near_end) * 1000, 1),
    }
    ratio = round(med["last_by_cursor_ms"] / med["first_by_cursor_ms"], 2)
    offset_ratio = round(med["offset_near_end_ms"] / med["offset_near_start_ms"], 1)
    result = {
        "database": f"demo city '{size}'",
        "parcels": total,
        "limit": limit,
        "pages_each_end": k,
        "first_page_cold_ms": round(first_cold * 1000, 1) if status == 200 else None,
        **med,
        "last_over_first": ratio,
        "offset_last_over_first": offset_ratio,
        "raw_ms": {
            "first": [round(t * 1000, 1) for t in first],
            "last": [round(t * 1000, 1) for t in last],
            "offset_near_start": [round(t * 1000, 1) for t in near_start],
            "offset_near_end": [round(t * 1000, 1) for t in near_end],
        },
    }
    verdict = "goal met" if ratio <= GOAL_LAST_PAGE else "goal NOT met"
    lines = [
        f"Pages of parcels on '{size}' ({total:,}), limit {limit}, cold, median of {k} each end: "
        f"first {med['first_by_cursor_ms']} ms, last {med['last_by_cursor_ms']} ms by cursor: "
        f"last/first {ratio}x (goal <= {GOAL_LAST_PAGE:g}x: {verdict}); by offset "
        f"{med['offset_near_start_ms']} ms near the start, {med['offset_near_end_ms']} ms near "
        f"the end ({offset_ratio}x). Very first page (cold): {result['first_page_cold_ms']} ms."
    ]
    print(lines[0], flush=True)
    return result, lines


# -- worker memory ----------------------------------------------------------------------------


def worker_memory(master: int) -> dict[str, int]:
    """VmRSS and VmHWM (kB) of gunicorn's only worker."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    if len(children) != 1:
        msg = f"expected one gunicorn worker, found {children}"
        raise RuntimeError(msg)
    status = Path(f"/proc/{children[0]}/status").read_text()
    found = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.MULTILINE))
    return {key: int(value) for key, value in found.items()}


def rss_under_large_pages(size: str, var_dir: str) -> tuple[dict, list[str]]:
    url = bench_database_url(size)
    proc, base = serve_ours(url, var_dir, workers="1")
    try:
        get(f"{base}/collections/parcels/items?f=json&limit=100")  # modules, pools, the count
        before = worker_memory(proc.pid)
        href: str | None = f"{base}/collections/parcels/items?f=json&limit={RSS_LIMIT}"
        sizes: list[int] = []
        seconds: list[float] = []
        while href and len(sizes) < RSS_PAGES:
            elapsed, status, body = get(href, timeout=600)
            if status != 200:
                msg = f"{href} answered {status}"
                raise RuntimeError(msg)
            sizes.append(len(body))
            seconds.append(elapsed)
            href = next_link(body)
            del body
        after = worker_memory(proc.pid)
    finally:
        stop([proc])
    growth = round((after["VmRSS"] - before["VmRSS"]) / 1024, 1)
    peak = round((after["VmHWM"] - before["VmRSS"]) / 1024, 1)
    result = {
        "database": f"demo city '{size}'",
        "pages": len(sizes),
        "limit": RSS_LIMIT,
        "mean_page_mb": round(statistics.mean(sizes) / 2**20, 1),
        "median_page_s": round(statistics.median(seconds), 2),
        "rss_before_mb": round(before["VmRSS"] / 1024, 1),
        "rss_after_mb": round(after["VmRSS"] / 1024, 1),
        "peak_mb": round(after["VmHWM"] / 1024, 1),
        "growth_mb": growth,
        "peak_over_before_mb": peak,
    }
    lines = [
        f"Worker memory on '{size}', {len(sizes)} pages of limit={RSS_LIMIT} "
        f"(~{result['mean_page_mb']} MB each, median {result['median_page_s']} s): VmRSS "
        f"{result['rss_before_mb']} -> {result['rss_after_mb']} MB (growth {growth} MB), peak "
        f"{result['peak_mb']} MB ({peak} MB over the start)."
    ]
    print(lines[0], flush=True)
    return result, lines


def code_state() -> dict[str, Any]:
    """The commit measured, and the files changed in the work tree (the servers run from it)."""
    git = ["git", "-C", str(REPO_ROOT)]
    head = subprocess.run(
        [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=60
    )
    status = subprocess.run(
        [*git, "status", "--porcelain"], capture_output=True, text=True, timeout=60
    )
    changed = [line[3:] for line in status.stdout.splitlines() if line[3:].endswith(".py")]
    return {"commit": head.stdout.strip(), "changed_python_files": changed}


def main() -> None:
    unknown = set(PARTS) - set(ALL_PARTS)
    if unknown:
        msg = f"BENCH_OGC_PARTS: unknown {sorted(unknown)}; choose among {', '.join(ALL_PARTS)}"
        raise SystemExit(msg)
    if "throughput" in PARTS and not shutil.which("wrk"):
        raise SystemExit("bench_ogc's throughput needs wrk: `bin/setup-system bench` installs it")
    large = loaded("large")
    size = os.environ.get("BENCH_OGC_SIZE") or ("large" if large else "city")
    url = bench_database_url(size)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
    sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()

    var_dir = tempfile.mkdtemp(prefix="bench-ogc-")
    result: dict[str, Any] = {"parts": PARTS, "code": code_state()}
    summary: list[str] = []
    if result["code"]["changed_python_files"]:
        changed = ", ".join(result["code"]["changed_python_files"])
        summary.append(
            f"Measured on {result['code']['commit']} with changes not committed: {changed}."
        )
    try:
        if "whole" in PARTS or "qgis" in PARTS:
            wanted = os.environ.get("BENCH_OGC_WHOLE_SIZES", "city,large").split(",")
            sizes = [s for s in wanted if s != "large" or large]
            if "large" in wanted and not large:
                summary.append("Whole reads on 'large' skipped: its database is not loaded.")
            found, lines = whole_reads(sizes, var_dir, "whole" in PARTS, "qgis" in PARTS)
            result["whole_read"] = found
            summary += lines
        if "pages" in PARTS or "rss" in PARTS:
            pages_size = "large" if large else "city"
            if not large:
                summary.append("'large' not loaded: pages and memory measured on 'city'.")
            if "pages" in PARTS:
                from ogc.conf import ogc_settings

                # pages of 100, and of the largest size, which GDAL and QGIS ask for
                result["pages"], lines = first_and_last_pages(pages_size, var_dir, LIMIT)
                summary += lines
                largest = ogc_settings()["MAX_LIMIT"]
                result["pages_largest"], lines = first_and_last_pages(pages_size, var_dir, largest)
                summary += lines
            if "rss" in PARTS:
                result["worker_memory"], lines = rss_under_large_pages(pages_size, var_dir)
                summary += lines
        if "throughput" in PARTS:
            result["throughput"], lines = throughput(size, url, var_dir)
            summary += ["", *lines]
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    write_result("ogc", result, summary)


if __name__ == "__main__":
    main()
