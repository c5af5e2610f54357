"""Portal benchmark: the search and the open-data downloads on a demo city, as ratios.

- Search: ``/api/search`` through the production server against the database's own cost of the
  same statement (psycopg, same run), and that statement with its trigram indexes against the
  same statement forced to scan the tables (``enable_bitmapscan/indexscan = off``).
- Downloads: the streamed GeoJSON of the parcels against GDAL's ``ogr2ogr`` writing the same
  GeoJSON from the same table (the peer), and the server worker's peak memory against the size of
  the file it sent (streaming keeps it flat).

``BENCH_SIZE`` picks the demo city (``city`` by default: about 90,000 parcels; ``large``: about a
million). Run alone: ``.venv/bin/python bench/bench_portal.py``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from common import REPO_ROOT, bench_database_url, first, write_result

REPEAT = 15


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _median_ms(fn, repeat: int = REPEAT) -> float:
    fn()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    size = os.environ.get("BENCH_SIZE", "city")
    url = bench_database_url(size)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
    import django

    django.setup()
    import psycopg
    from django.contrib.auth.models import AnonymousUser

    from geoportal.portal.selectors import build_search_query

    with psycopg.connect(url) as conn:
        parcels = first(conn.execute("SELECT count(*) FROM parcels_parcel"))
        ref = first(
            conn.execute(
                "SELECT reference FROM parcels_parcel ORDER BY id LIMIT 1 OFFSET %s", [parcels // 2]
            )
        )
        street = first(
            conn.execute(
                "SELECT name_fr FROM roads_roadsegment WHERE name_fr NOT LIKE 'Rue %%' "
                "AND name_fr <> '' ORDER BY id LIMIT 1"
            )
        )
        place = first(
            conn.execute("SELECT name_fr FROM boundaries_arrondissement ORDER BY code LIMIT 1")
        )
    queries = {
        "parcel reference": ref[: max(3, len(ref) - 3)],
        "street": street.split()[-1],
        "arrondissement": place,
        "no match": "zzqxw",
    }

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "GEOPORTAL_DB_CONN_MAX_AGE": "60"}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "geoportal.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "1", "--timeout", "600", "--no-control-socket"]
    server = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    result: dict = {"size": size, "parcels": parcels, "search": {}, "downloads": {}}
    lines = [f"Demo city `{size}`: {parcels} parcels."]
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        worker = int(
            subprocess.run(
                ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
            ).stdout.split()[0]
        )

        # autocommit: the SET LOCAL of the index-less runs ends with their own transaction
        with psycopg.connect(url, autocommit=True) as conn:
            for kind, q in queries.items():
                built = build_search_query(q, AnonymousUser(), 10)
                if built is None:
                    raise RuntimeError(f"nothing to search in {q!r}")
                statement, params = built

                def http(q=q):
                    with urllib.request.urlopen(
                        f"{base}/api/search?q={urllib.parse.quote(q)}"
                    ) as r:
                        r.read()

                # prepare=False: a custom plan for each pattern, as Django's client-side binding
                # gets (a prepared generic plan cannot use the trigram index for a parameter)
                def db(statement=statement, params=params):
                    conn.execute(statement, params, prepare=False).fetchall()

                def db_scan(statement=statement, params=params):
                    with conn.transaction():
                        conn.execute("SET LOCAL enable_bitmapscan = off")
                        conn.execute("SET LOCAL enable_indexscan = off")
                        conn.execute(statement, params, prepare=False).fetchall()

                http_ms, db_ms = _median_ms(http), _median_ms(db)
                scan_ms = _median_ms(db_scan, repeat=3)
                result["search"][kind] = {
                    "query": q,
                    "http_ms": http_ms,
                    "db_ms": db_ms,
                    "db_without_index_ms": scan_ms,
                    "http_over_db": http_ms / db_ms,
                    "scan_over_index": scan_ms / db_ms,
                }
                lines.append(
                    f"- search {kind} `{q}`: HTTP {http_ms:.1f} ms = {http_ms / db_ms:.1f}x the "
                    f"statement ({db_ms:.1f} ms); without the trigram indexes the statement takes "
                    f"{scan_ms / db_ms:.0f}x longer"
                )

        rss_before = _peak_rss_kb(worker)
        started = time.perf_counter()
        sent = 0
        with urllib.request.urlopen(f"{base}/open-data/parcels.geojson", timeout=1800) as r:
            while chunk := r.read(1 << 20):
                sent += len(chunk)
        ours_s = time.perf_counter() - started
        rss_after = _peak_rss_kb(worker)

        from geoportal.portal.downloads import _pg_source

        source, pg_env = _pg_source()
        started = time.perf_counter()
        ogr2ogr = ["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", source, "parcels_parcel"]
        ogr2ogr += ["-t_srs", "EPSG:4326", "-lco", "COORDINATE_PRECISION=7"]
        subprocess.run(ogr2ogr, env=pg_env, stdout=subprocess.DEVNULL, check=True)
        peer_s = time.perf_counter() - started
        result["downloads"]["geojson"] = {
            "bytes": sent,
            "seconds": ours_s,
            "ogr2ogr_seconds": peer_s,
            "ours_over_ogr2ogr": ours_s / peer_s,
            "worker_peak_rss_kb_before": rss_before,
            "worker_peak_rss_kb_after": rss_after,
        }
        lines.append(
            f"- parcels GeoJSON: {sent / 1e6:.0f} MB streamed in {ours_s:.1f} s = "
            f"{ours_s / peer_s:.2f}x ogr2ogr's time for the same file ({peer_s:.1f} s); worker "
            f"peak memory {rss_before / 1024:.0f} -> {rss_after / 1024:.0f} MB "
            f"({(rss_after - rss_before) / 1024:.0f} MB for a {sent / 1e6:.0f} MB file)"
        )
        # GeoPackage twice: exported at the first request, then sent from the kept file
        for ext, label in (("csv", "csv"), ("gpkg", "gpkg (export)"), ("gpkg", "gpkg (kept)")):
            started = time.perf_counter()
            with urllib.request.urlopen(f"{base}/open-data/parcels.{ext}", timeout=1800) as r:
                n = len(r.read())
            secs = time.perf_counter() - started
            result["downloads"][label] = {
                "bytes": n,
                "seconds": secs,
                "over_geojson": secs / ours_s,
            }
            lines.append(
                f"- parcels {label}: {n / 1e6:.0f} MB in {secs:.2f} s "
                f"({secs / ours_s:.2f}x the GeoJSON time)"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    write_result("portal", result, lines)


if __name__ == "__main__":
    main()
