"""Vector tiles at a real city's scale: tiles per second on the ``large`` demo city (938,588
parcels), at zooms 12, 14, 16 and 18, for the parcels and the roads. Each tile of the list is asked
once, in random order, by 8 clients at once, as a map's users load them; each measure is taken in
``BENCH_TILES_ROUNDS`` rounds (3), the servers in turn, the tile store emptied of the zoom before
each, and the table gives each measure's median round:

- **ours, cold**: the platform as ``make run`` serves it (nginx in front of the tile server,
  uWSGI with 2 workers a processor plus one, ``make run``'s default, on the lean tile path; and of
  gunicorn for the rest) with an empty tile store: every tile computed by the app;
- **ours, cached**: the same tiles again, now stored: nginx sends the files;
- **tipg, cold**: the tipg peer (uvicorn, 2 workers) serving the same tables, no cache;
- **bare SQL** (pgbench, 8 clients, each tile once, warmed up first: see :func:`pgbench`):
  the database's own cost of the tile statement before the derived columns (per-feature
  ``ST_Transform`` and ``ST_Simplify``, every class and attribute, index order under the cap: the
  floor the goals are set against), and of the current statement.

HTTP load comes from ``wrk`` (a C client: a Python client would take the processors it measures);
the tile list of a layer and zoom is every tile holding a feature's centre, at most
``BENCH_TILES_MAX`` of them (a random sample), shuffled with a fixed seed. Tile sizes (mean and
95th percentile) come from the current statement run on each tile of the list.

Before the first measure of a layer, once the processors are idle (gunicorn's workers warm
themselves up after the first one answers), every server is warmed up as one that has been running
a while is: ``WARM_UP_TILES`` tiles of zoom 18 that no measure asks (ours and tipg through wrk;
pgbench, whose sessions are new at each run, draws its share of them first and leaves them out of
its rate). Without it, a measure of 2,000 deep-zoom tiles (about a second) counted the start of
each worker and database session: 20 % of the bare SQL's time, and more of ours.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (
    REPO_ROOT,
    bench_database_url,
    first,
    server_workers,
    wait_until_idle,
    write_result,
    wrk,
)

ZOOMS = tuple(int(z) for z in os.environ.get("BENCH_ZOOMS", "12,14,16,18").split(","))
LAYERS = tuple(os.environ.get("BENCH_LAYERS", "parcels,roads").split(","))
# gunicorn's advice, 2 workers a processor plus one; tipg's uvicorn keeps 2 (each is asynchronous)
WORKERS = int(os.environ.get("BENCH_WORKERS", str(server_workers())))
CLIENTS = 8
TILES_MAX = int(os.environ.get("BENCH_TILES_MAX", "2000"))
WARM_UP_TILES = 40 * CLIENTS
SEED = 14
# Each measure of a layer and zoom is taken this many times, in turn (the bare SQL, ours cold after
# the tile store is emptied of the zoom, ours cached, tipg), and the table gives each one's median
# round: this machine's other load comes in bursts that once halved a single measure.
ROUNDS = int(os.environ.get("BENCH_TILES_ROUNDS", "3"))
SETTLE_S = 65.0  # see settle_files
WORLD_HALF = 20037508.342789244

# The tile statement of the platform before the derived columns (tiles/sql/ at that time): the
# envelope densified and transformed to the storage SRID, each feature simplified by half a pixel
# below zoom 17 and transformed to Web Mercator, every tile attribute with the id, index order.
BEFORE = """
WITH tile_envelope AS (
  SELECT ST_Transform(ST_Segmentize(ST_TileEnvelope(:z, :x, :y, margin => {margin}), {segment}),
                      {storage}::integer) AS envelope)
SELECT length(coalesce(ST_AsMVT(q, '{name}', 4096, 'geom', '__fid'), ''))
  FROM (SELECT ST_AsMVTGeom(ST_Transform({geom}, 3857), ST_TileEnvelope(:z, :x, :y), 4096, 256,
                            true) AS geom, {columns}, t.id AS __fid
          FROM (SELECT {inner} FROM {table} WHERE geom && (SELECT envelope FROM tile_envelope)
                 LIMIT {cap}) AS t
        OFFSET 0) AS q
 WHERE q.geom IS NOT NULL;
"""


def before_statement(layer, z: int) -> str:
    from layers.common.conf import gis_settings
    from tiles.mvt import feature_cap

    width = 2 * WORLD_HALF / 2**z
    margin = 256 / 4096
    geom = "t.geom"
    if "Point" not in layer.geometry_type and z < 17:
        # half a pixel in ground metres at Casablanca's latitude, as the old builder computed
        tolerance = width / 256 * math.cos(math.radians(33.58)) * 0.5
        geom = f"ST_Simplify(t.geom, {tolerance!r}, true)"
    columns = layer.columns(layer.options.tile_fields)
    return BEFORE.format(
        margin=margin,
        segment=width * (1 + 2 * margin) / 16,
        storage=gis_settings()["STORAGE_SRID"],
        name=layer.slug,
        geom=geom,
        columns=", ".join(f't."{c}" AS "{n}"' for c, n in columns),
        inner=", ".join(f'"{c}"' for c in sorted({"id", "geom", *(c for c, _ in columns)})),
        table=f'"{layer.table}"',
        cap=feature_cap(layer),
    )


def current_statement(conn, layer, z: int, x: int, y: int) -> str:
    """The platform's statement for tiles of zoom ``z`` near ``x, y``, with z/x/y as pgbench
    variables and every other parameter written in."""
    import psycopg

    from tiles.mvt import build_tile_query

    statement, params = build_tile_query([layer], z, x, y)
    for name in ("z", "x", "y"):
        statement = statement.replace(f"%({name})s", f":{name}")
        params.pop(name)
    text = psycopg.ClientCursor(conn).mogrify(statement, params)
    return f"SELECT length(({text}));"


def tile_list(conn, layer, z: int) -> list[tuple[int, int, int]]:
    """Every tile of zoom ``z`` holding a feature's centre, shuffled with a fixed seed: the first
    ``TILES_MAX`` are measured, the next ``WARM_UP_TILES`` warm the servers up."""
    from psycopg import sql

    size = 2 * WORLD_HALF / 2**z
    rows = conn.execute(
        sql.SQL(
            "SELECT DISTINCT floor((ST_X(c) + %(w)s) / %(s)s)::int, floor((%(w)s - ST_Y(c)) / %(s)s)::int "
            "FROM (SELECT ST_Centroid(tile_geom) AS c FROM {}) AS p"
        ).format(sql.Identifier(layer.table)),
        {"w": WORLD_HALF, "s": size},
    ).fetchall()
    tiles = sorted((z, x, y) for x, y in rows)
    rng = random.Random(SEED + z)
    rng.shuffle(tiles)
    return tiles[: TILES_MAX + WARM_UP_TILES]


def pgbench(
    url: str, conn, script: str, tiles: list[tuple[int, int, int]], warm: list, workdir: Path
) -> dict:
    """The statement run once per tile of the list by CLIENTS pgbench clients, warm: the clients
    first draw the ``warm`` tiles (a new server process loads PostGIS and its plans there, about a
    fifth of a 2,000-tile run at zoom 18), and the rate is the list's statements over the time
    from the end of the warm-up's last one to the end of the last (pgbench's log of each
    statement), the last clients' tail included as in wrk's measure."""
    per_client = len(tiles) // CLIENTS
    tiles = tiles[: per_client * CLIENTS]
    warm_each = len(warm) // CLIENTS
    listed = warm[: warm_each * CLIENTS] + tiles
    with conn.transaction():
        conn.execute("TRUNCATE bench_tile_list")
        with conn.cursor().copy("COPY bench_tile_list (i, z, x, y) FROM STDIN") as copy:
            for i, (z, x, y) in enumerate(listed, start=1):
                copy.write_row((i, z, x, y))
        conn.execute("ALTER SEQUENCE bench_tile_seq RESTART")
    path = workdir / "tile.sql"
    # A pgbench script file of the bench's own statements (no outside input).
    path.write_text(
        "SELECT z, x, y FROM bench_tile_list WHERE i = (SELECT nextval('bench_tile_seq')) \\gset\n"  # noqa: S608
        + script.strip()  # pgbench reads a statement over several lines, to its semicolon
        + "\n"
    )
    binary = shutil.which("pgbench") or str(
        sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))[-1]
    )
    logs = workdir / "pgbench-log"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir()
    cmd = [binary, "-n", "-c", str(CLIENTS), "-j", "2", "-t", str(per_client + warm_each)]
    cmd += ["-l", "--log-prefix", str(logs / "tx"), "-f", str(path), url]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"pgbench failed:\n{done.stdout}\n{done.stderr}")
    # Each line: client, its statement number, latency (us), script, end (s, us since the epoch).
    ends, first_start = [], float("inf")
    for log in logs.iterdir():
        for line in log.read_text().splitlines():
            _, _, latency, _, sec, usec = line.split()[:6]
            ends.append(int(sec) + int(usec) / 1e6)
            first_start = min(first_start, ends[-1] - int(latency) / 1e6)
    ends.sort()
    warmed = warm_each * CLIENTS  # the statements of the warm-up tiles, the first to end
    since = ends[warmed - 1] if warmed else first_start
    rate = (len(ends) - warmed) / (ends[-1] - since)
    return {"tiles": len(tiles), "per_s": round(rate, 1)}


def settle_files() -> None:
    """Let the file system forget the files deleted before the bench (an earlier run's folders,
    a test run's) before cold tiles create new ones. On an ext4 without a journal, as this
    machine's, a new file's inode is looked for past every inode freed in the last 60 s (360 s
    while its inode table block is not yet written out): after a few thousand files deleted, each
    new tile file cost the tile server 0.5 ms more in the kernel, and cold tiles fell from about
    2,900 to 1,300 a second. A journalled file system, a server's usual one, makes no such search.
    So the deletions are written out and waited for, and the bench deletes nothing until it ends
    (the rounds move the files of the tile store aside). After tens of thousands of deletions (a
    removed clone and its virtual environment), cold tiles stayed slower for longer than this
    wait: the figures of such a run say more about the disk than about the servers."""
    os.sync()
    time.sleep(SETTLE_S)


def start(cmd: list[str], env: dict[str, str], health: str) -> subprocess.Popen:
    from tests.conftest import wait_for_http

    proc = subprocess.Popen(
        cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_for_http(health, timeout=90)
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def main() -> None:
    # Each server is stopped at the end, or when a later step fails: a run that stopped while
    # starting the peer once left ours running, idle, under every run after it.
    with contextlib.ExitStack() as cleanup:
        measure(cleanup)


def measure(cleanup: contextlib.ExitStack) -> None:
    if not shutil.which("wrk"):
        raise SystemExit("bench_tiles needs wrk: `bin/setup-system bench` installs it")
    url = bench_database_url("large")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
    sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()
    import psycopg

    from layers.common.registry import get_layer
    from tests.conftest import free_port
    from tiles.mvt import layers_at_zoom

    venv_bin = Path(sys.executable).parent
    workdir = Path(tempfile.mkdtemp(prefix="bench-tiles-"))
    cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
    var_dir = workdir / "var"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "GEOPORTAL_VAR_DIR": str(var_dir),
        "GEOPORTAL_DB_CONN_MAX_AGE": "600",
        "GEOPORTAL_LOG_LEVEL": "WARNING",
    }
    ours_port, tipg_port = free_port(), free_port()
    ours_cmd = [str(venv_bin / "gunicorn"), "geoportal.wsgi", "--bind", f"127.0.0.1:{ours_port}"]
    ours_cmd += ["--workers", str(WORKERS), "--timeout", "300", "--no-control-socket"]
    ours = start(ours_cmd, env, f"http://127.0.0.1:{ours_port}/healthz")
    cleanup.callback(stop, ours)
    # The tile server, the front server and the tile listener, as `make run` starts them, in
    # front of that gunicorn.
    front_port = free_port()
    tile_socket = f"unix:{var_dir / 'tileserver' / 'tiles.sock'}"
    tileserver_cmd = [sys.executable, "-m", "geoportal.tileserver"]
    cleanup.callback(subprocess.run, [*tileserver_cmd, "stop"], cwd=REPO_ROOT, env=env, check=False)
    subprocess.run(
        [*tileserver_cmd, "start", "--listen", tile_socket, "--workers", str(WORKERS)],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    front_cmd = [sys.executable, "-m", "geoportal.frontserver"]
    cleanup.callback(subprocess.run, [*front_cmd, "stop"], cwd=REPO_ROOT, env=env, check=False)
    subprocess.run(
        [
            *front_cmd,
            "start",
            "--listen",
            f"127.0.0.1:{front_port}",
            "--app",
            f"127.0.0.1:{ours_port}",
            "--tiles",
            tile_socket,
        ],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    ours_base = f"http://127.0.0.1:{front_port}"
    from tests.conftest import wait_for_http

    wait_for_http(ours_base + "/healthz", timeout=60)
    cached_base, cached_by = ours_base, "the front server (nginx)"
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
    cleanup.callback(stop, tipg)
    tipg_base = f"http://127.0.0.1:{tipg_port}"

    conn = psycopg.connect(url, autocommit=True)
    conn.execute(
        "CREATE UNLOGGED TABLE IF NOT EXISTS bench_tile_list "
        "(i integer PRIMARY KEY, z integer, x integer, y integer)"
    )
    conn.execute("CREATE SEQUENCE IF NOT EXISTS bench_tile_seq")
    n_parcels = first(conn.execute("SELECT count(*) FROM parcels_parcel"))
    results: dict = {"parcels": n_parcels, "clients": CLIENTS, "workers": WORKERS, "runs": []}
    lines = [
        f"Vector tiles on the demo city 'large' ({n_parcels:,} parcels): each tile of the list "
        f"asked once, random order, {CLIENTS} clients (wrk; pgbench for the SQL), the tile server "
        f"(uWSGI) with {WORKERS} workers, tipg with 2 (asynchronous). Cached tiles through "
        f"{cached_by}. Each measure taken in {ROUNDS} rounds, in turn: the median round.",
        "",
        "| layer | z | tiles | SQL before tiles/s | SQL now tiles/s | ours cold tiles/s | "
        "tipg tiles/s | cold / tipg | cold / SQL before | ours cached tiles/s | cached / tipg | "
        "kB mean | kB p95 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    rounds_cold: list[str] = []
    asides = itertools.count()
    settle_files()
    try:
        for slug in LAYERS:
            layer = get_layer(slug)
            fields = ",".join(name for name in layer.options.tile_fields)
            tipg_path = f"/collections/public.{layer.table}/tiles/WebMercatorQuad"
            wait_until_idle()
            # Every worker of both servers past its first tiles (imports, connections, PostGIS
            # loaded in their database sessions) before the first measure: tiles of zoom 18
            # that no measure asks.
            warm = tile_list(conn, layer, 18)[TILES_MAX:]
            wrk(ours_base, [f"/tiles/{slug}/{z}/{x}/{y}.mvt" for z, x, y in warm], workdir, CLIENTS)
            wrk(tipg_base, [f"{tipg_path}/{z}/{x}/{y}" for z, x, y in warm], workdir, CLIENTS)
            for z in ZOOMS:
                if not layers_at_zoom([layer], z):
                    lines.append(
                        f"| {slug} | {z} | not drawn below zoom {layer.options.min_zoom} |"
                    )
                    continue
                tiles = tile_list(conn, layer, z)[:TILES_MAX]
                x0, y0 = tiles[0][1], tiles[0][2]
                run: dict = {"layer": slug, "zoom": z, "tiles": len(tiles), "rounds": []}
                before_sql = before_statement(layer, z)
                now_sql = current_statement(conn, layer, z, x0, y0)
                paths = [f"/tiles/{slug}/{t[0]}/{t[1]}/{t[2]}.mvt" for t in tiles]
                tipg_paths = [
                    f"{tipg_path}/{t[0]}/{t[1]}/{t[2]}?properties={fields}" for t in tiles
                ]
                for _ in range(ROUNDS):
                    # The tile store emptied of this zoom, every tile of the list cold again: its
                    # files moved aside, deleted at the end (see settle_files).
                    for folder in (var_dir / "cache" / "tiles" / "front" / slug).glob(f"*/{z}"):
                        folder.rename(workdir / f"aside-{next(asides)}")
                    measured = {
                        "sql_before": pgbench(url, conn, before_sql, tiles, warm, workdir),
                        "sql_now": pgbench(url, conn, now_sql, tiles, warm, workdir),
                        "ours_cold": wrk(ours_base, paths, workdir, CLIENTS),
                        "ours_cached": wrk(cached_base, paths, workdir, CLIENTS),
                        "tipg": wrk(tipg_base, tipg_paths, workdir, CLIENTS),
                    }
                    run["rounds"].append(measured)
                for key in run["rounds"][0]:  # each measure's median round
                    rates = [one[key]["per_s"] for one in run["rounds"]]
                    run[key] = run["rounds"][rates.index(statistics.median_low(rates))][key]
                run["size"] = tile_sizes(conn, layer, tiles)
                results["runs"].append(run)
                cold, tg = run["ours_cold"]["per_s"], run["tipg"]["per_s"]
                before, now = run["sql_before"]["per_s"], run["sql_now"]["per_s"]
                cached = run["ours_cached"]["per_s"]
                lines.append(
                    f"| {slug} | {z} | {len(tiles)} | {before} | {now} | {cold} | {tg} | "
                    f"{cold / tg:.2f} | {cold / before:.2f} | {cached} | {cached / tg:.1f} | "
                    f"{run['size']['mean_kb']} | {run['size']['p95_kb']} |"
                )
                print(lines[-1], flush=True)
                rounds_cold.append(
                    f"- {slug} z{z}: cold "
                    + ", ".join(str(one["ours_cold"]["per_s"]) for one in run["rounds"])
                    + "; SQL before "
                    + ", ".join(str(one["sql_before"]["per_s"]) for one in run["rounds"])
                )
    finally:
        conn.execute("DROP TABLE IF EXISTS bench_tile_list")
        conn.execute("DROP SEQUENCE IF EXISTS bench_tile_seq")
        conn.close()
    lines += ["", "Tiles per second of each round (the table gives their medians):", *rounds_cold]
    write_result("tiles", results, lines)


def tile_sizes(conn, layer, tiles: list[tuple[int, int, int]]) -> dict:
    """Mean and 95th percentile of the tiles' sizes, from the current statement."""
    from tiles.mvt import build_tile_query

    sizes = []
    for z, x, y in tiles[:500]:
        statement, params = build_tile_query([layer], z, x, y)
        sizes.append(len(first(conn.execute(statement, params))))
    sizes.sort()
    p95 = sizes[min(len(sizes) - 1, math.ceil(0.95 * len(sizes)) - 1)]
    return {
        "tiles": len(sizes),
        "mean_kb": round(statistics.mean(sizes) / 1024, 1),
        "p95_kb": round(p95 / 1024, 1),
        "max_kb": round(sizes[-1] / 1024, 1),
    }


if __name__ == "__main__":
    main()
