"""Ingest speed: ``manage.py ingest`` against Debian's ``ogr2ogr`` loading the same GeoPackage.

A GeoPackage of 200,000 valid parcels (unique references, inside the municipal extent) is
generated, then loaded in a scratch database:

- by ``manage.py ingest`` into the ``parcels`` layer (read, check every attribute and geometry,
  write with the history, all or nothing); once more, apart from the ratios, on the same parcels
  edge to edge (a partition, the grid turned), where the no-overlap rule tests every pair of
  neighbours; and once on a city's cadastre, a million parcels edge to edge. Each run's peak
  memory is reported;
- by ``ogr2ogr -append`` into the same layer table, emptied (its constraints, indexes and
  triggers; no checks of its own), with GDAL's default settings;
- by ``ogr2ogr`` into a bare table (COPY, no checks, no triggers): the floor.

Then the layer table's own cost: one ``INSERT ... SELECT`` of the same rows, with and without the
history triggers (the history's overhead), and one ``UPDATE`` of all of them, with and without.
All figures come from the same run; the results are ratios. Every measure but the slow
``ogr2ogr -append`` is taken in alternated rounds, and the best round of each is kept: on a
shared machine, the same insert varies by a third from one run to the next. The history's
overhead is the median of the rounds' own ratios (with and without measured back to back).

    .venv/bin/python bench/bench_ingest.py    # BENCH_INGEST_FEATURES=200000, BENCH_INGEST_ROUNDS=3,
                                              # BENCH_INGEST_CITY_FEATURES=1000000 (0: skipped)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import numpy as np
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import REPO_ROOT, drop_database, first, scratch_database, write_result

DB_NAME = "geoportal_bench_ingest"
ROUNDS = int(os.environ.get("BENCH_INGEST_ROUNDS", "3"))
CITY_FEATURES = int(os.environ.get("BENCH_INGEST_CITY_FEATURES", "1000000"))


def make_parcels(path: Path, n: int, *, partition: bool = False) -> None:
    """``n`` 25 m x 20 m parcels, 500 per row (or the square root of ``n``, more), starting 5 km
    south-west of the centre: the whole grid stays well inside the municipal extent. On a 30 m x 25 m grid, 5 m apart; or, with
    ``partition``, edge to edge as a cadastre is (each parcel touches up to eight others) and
    the grid turned 30 degrees, as the demo city's streets are, so that neighbours' boxes
    overlap as real parcels' do."""
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
    per_row = max(500, int(np.ceil(np.sqrt(n))))  # a million: 1,000 rows of 1,000
    pitch_x, pitch_y, turn = (25.0, 20.0, np.radians(30)) if partition else (30.0, 25.0, 0.0)
    # each parcel's ring, in the grid's frame, then turned about the grid's first corner
    u = (i % per_row)[:, None] * pitch_x + np.array([0.0, 25.0, 25.0, 0.0, 0.0])
    v = (i // per_row)[:, None] * pitch_y + np.array([0.0, 0.0, 20.0, 20.0, 0.0])
    x = xmin + 20_000 + u * np.cos(turn) - v * np.sin(turn)
    y = ymin + 20_000 + u * np.sin(turn) + v * np.cos(turn)
    assert x.min() > xmin and x.max() < xmax and y.min() > ymin and y.max() < ymax
    rings = np.asarray(shapely.polygons(np.stack([x, y], axis=-1)))
    geoms = shapely.multipolygons(rings, indices=i)
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


LAYER_COLUMNS = "reference, land_status, official_area_m2, current_use, address, geom"
HISTORY_TRIGGERS = ("layers_history_insert", "layers_history_update", "layers_history_delete")


class Run(NamedTuple):
    """One ``manage.py ingest``: its seconds, the seconds it reports (inside the command), the
    time of each stage, and its peak memory (resident, MB)."""

    seconds: float
    inside: float
    stages: dict[str, float]
    peak_mb: float


def decimal(text: str) -> float:
    """A number as the command writes it in its language ("9,7" in French)."""
    return float(text.replace(",", "."))


def per_stage(stages: dict[str, float]) -> str:
    """The time of each stage, as the command prints it."""
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in stages.items())


def empty_layer(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE parcels_parcel, layers_history")


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    seconds, stdout, _ = timed_with_memory(command, env)
    return seconds, stdout


# Runs a command and writes its peak memory (kB) to the file named first. The command is started
# by this small process, not by the bench's: Linux keeps a process's peak across ``exec``, so a
# command started straight from the bench (hundreds of MB once it has made a million parcels)
# would report the bench's own size whenever its own is smaller.
PEAK_WRAPPER = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[2:], check=False).returncode
with open(sys.argv[1], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def timed_with_memory(
    command: list[str], env: dict[str, str] | None = None
) -> tuple[float, str, float]:
    """Run ``command``: its seconds, its output and its peak memory (resident, MB)."""
    started = time.monotonic()
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as peak,
    ):
        wrapped = [sys.executable, "-c", PEAK_WRAPPER, peak.name, *command]
        child = subprocess.run(wrapped, env=env, stdout=out, stderr=err, check=False)
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        if child.returncode:
            raise subprocess.CalledProcessError(child.returncode, command, out.read(), err.read())
        return seconds, out.read().decode(), int(peak.read()) / 1024  # Linux: kB


# The bare table's rows into the layer table (constant column list).
FILL_LAYER = (
    f"INSERT INTO parcels_parcel ({LAYER_COLUMNS}) "  # noqa: S608
    f"SELECT {LAYER_COLUMNS} FROM bench_ogr2ogr_parcels"
)


@contextmanager
def layer_session(url: str, history: bool, filled: bool) -> Iterator[psycopg.Connection]:
    """A transaction on the layer table, emptied (and ``filled`` first with the bare table's
    rows), with or without the history triggers; rolled back at the end."""
    from psycopg import sql

    with psycopg.connect(url) as conn, conn.transaction(force_rollback=True):
        conn.execute("SET LOCAL geoportal.actor = 'bench'")
        conn.execute("TRUNCATE parcels_parcel")
        if filled:
            conn.execute(FILL_LAYER)
        if not history:
            for trigger in HISTORY_TRIGGERS:
                conn.execute(
                    sql.SQL("ALTER TABLE parcels_parcel DISABLE TRIGGER {}").format(
                        sql.Identifier(trigger)
                    )
                )
        yield conn


def layer_statement_seconds(url: str, statement: str, history: bool, filled: bool) -> float:
    """The seconds of ``statement`` on the layer table, emptied (and ``filled`` first with the
    bare table's rows, untimed), with or without the history triggers; all rolled back."""
    with layer_session(url, history, filled) as conn:
        started = time.monotonic()
        conn.execute(statement)
        return time.monotonic() - started


def layer_first_fill_seconds(url: str) -> float:
    """The layer table's own first fill, the floor of any loader into it: the bare table's rows,
    already in the database (nothing to read, nothing to check), written as the ingest writes an
    empty layer (``layers.common.bulk``: the loose indexes and unique constraints dropped, one
    ``INSERT ... SELECT``, then all built again), without the history; rolled back."""
    from layers.common import bulk

    with layer_session(url, history=False, filled=False) as conn, conn.cursor() as cursor:
        started = time.monotonic()
        dropped = bulk.drop_indexes(cursor, ["parcels_parcel"])
        cursor.execute(FILL_LAYER)
        bulk.build_indexes(cursor, dropped)
        return time.monotonic() - started


def layer_insert_seconds(url: str, history: bool) -> float:
    """The layer table's own cost for the rows of the bare table: one INSERT ... SELECT into the
    emptied table."""
    return layer_statement_seconds(url, FILL_LAYER, history, filled=False)


def layer_update_seconds(url: str, history: bool) -> float:
    """The cost of one UPDATE of every row of the layer table (the same rows, each moved 1 m east,
    as a re-delivery that moves a cadastre does): the history then compares each row's before
    and after and writes both."""
    return layer_statement_seconds(
        url, "UPDATE parcels_parcel SET geom = ST_Translate(geom, 1, 0)", history, filled=True
    )


def paired_overhead(with_: list[float], without: list[float]) -> float:
    """What ``with_`` adds to ``without``, as the median of the rounds' ratios."""
    return float(np.median(np.array(with_) / np.array(without))) - 1


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
        url = scratch_database(DB_NAME)
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "geoportal.settings"}

        def count(table: str) -> int:
            with psycopg.connect(url) as conn:
                return int(first(conn.execute(f"SELECT count(*) FROM {table}")))  # noqa: S608

        ogr2ogr = ["ogr2ogr", "-f", "PostgreSQL", f"PG:{url}", str(gpkg), "parcels"]
        ogr2ogr += ["-nln", "bench_ogr2ogr_parcels", "-overwrite", "-lco", "GEOMETRY_NAME=geom"]
        ogr2ogr += ["-nlt", "MULTIPOLYGON", "-t_srs", "EPSG:26191"]

        from django.conf import settings
        from django.utils import translation

        from ingest.actions import STAGE_NAMES

        with translation.override(settings.LANGUAGE_CODE):  # the command's language
            stage_keys = {str(name): stage for stage, name in STAGE_NAMES.items()}

        def ours(path: Path, features: int = n) -> Run:
            """``manage.py ingest`` of ``path`` into the emptied layer table."""
            command = [sys.executable, str(REPO_ROOT / "manage.py"), "ingest", str(path)]
            command += ["--layer", "parcels", "--no-progress", "--actor", "bench"]
            command += ["--report-dir", tmp, "--verbosity", "2"]  # and the time of each stage
            command += ["--max-mb", str(path.stat().st_size // 2**20 + 1)]  # over the upload limit
            empty_layer(url)
            seconds, stdout, peak = timed_with_memory(command, env)
            print(stdout, flush=True)
            # The command's time and its time per stage, as it writes them in its language (French
            # by default: "(9,7 s)", "lecture 0,3 s, vérification 0,6 s, ...").
            inner = re.search(r"\(([0-9]+[.,][0-9]) s\)", stdout)
            per_stage_line = stdout.splitlines()[-1].split(": ", 1)[1]
            stages = {
                stage_keys[name]: decimal(value)
                for name, value in re.findall(
                    r"([^,]+?) ([0-9]+[.,][0-9]) s(?:, |$)", per_stage_line
                )
            }
            assert count("parcels_parcel") == features, "ingest did not write every parcel"
            return Run(seconds, decimal(inner.group(1)) if inner else seconds, stages, peak)

        # 1. Ours into the empty layer table (read, check, write with history, all or nothing),
        # alternated with ogr2ogr into a bare scratch table (COPY, no checks, no index but its
        # own: the floor), ROUNDS times; the best round of each is kept (this machine's noise only
        # ever adds time).
        runs: list[Run] = []
        bare_runs: list[float] = []
        for _ in range(ROUNDS):
            runs.append(ours(gpkg))
            bare_runs.append(timed(ogr2ogr)[0])
            assert count("bench_ogr2ogr_parcels") == n
        best = min(runs, key=lambda run: run.seconds)
        ours_seconds, ours_inner, stages = best.seconds, best.inside, best.stages
        bare = min(bare_runs)

        # 1b. Ours on a partition, the parcels edge to edge as in a cadastral delivery (the grid
        # turned): the no-overlap rule tests every pair of neighbours. Once, not in the ratios.
        partition = Path(tmp) / "partition.gpkg"
        make_parcels(partition, n, partition=True)
        partition_run = ours(partition)
        partition.unlink()

        # 1c. A city's cadastre, edge to edge (a million parcels by default): once, for its time
        # and the command's peak memory.
        city = None
        if CITY_FEATURES:
            city_file = Path(tmp) / "city.gpkg"
            make_parcels(city_file, CITY_FEATURES, partition=True)
            city = ours(city_file, CITY_FEATURES)
            city_file.unlink()

        # 2. ogr2ogr -append into the same, emptied, layer table, as a user runs it (default
        # settings): GDAL checks nothing, the table's constraints, indexes and triggers work.
        # Once: it takes minutes.
        empty_layer(url)
        append, _ = timed(
            ["ogr2ogr", "-append", "-f", "PostgreSQL", f"PG:{url}", str(gpkg), "parcels"]
            + ["-nln", "parcels_parcel"]
        )
        assert count("parcels_parcel") == n, "ogr2ogr -append did not write every parcel"
        empty_layer(url)

        # 3. The layer table's own cost for the same rows, with and without the history,
        # alternated, ROUNDS times each; the best of each kept.
        with_history, without_history = [], []
        for _ in range(ROUNDS):
            with_history.append(layer_insert_seconds(url, history=True))
            without_history.append(layer_insert_seconds(url, history=False))
        layer_write, layer_write_bare = min(with_history), min(without_history)
        # 3b. The floor of any loader into this table: its first fill alone, and the command's
        # own start (Python, Django, the ingest's modules: `manage.py ingest --help`).
        first_fill = min(layer_first_fill_seconds(url) for _ in range(ROUNDS))
        start_command = [sys.executable, str(REPO_ROOT / "manage.py"), "ingest", "--help"]
        command_start = min(timed(start_command, env)[0] for _ in range(ROUNDS))
        # 4. The same for one UPDATE of every row.
        update_with, update_without = [], []
        for _ in range(ROUNDS):
            update_with.append(layer_update_seconds(url, history=True))
            update_without.append(layer_update_seconds(url, history=False))
        layer_update, layer_update_bare = min(update_with), min(update_without)
        drop_database(DB_NAME)

    # The history's overhead is the median of the rounds' own ratios: each round measures with
    # and without back to back, so a slow minute of the machine weighs on both sides of one
    # ratio; the best time of each side may come from different rounds (reported too).
    history_overhead = paired_overhead(with_history, without_history)
    update_history_overhead = paired_overhead(update_with, update_without)
    result = {
        "features": n,
        "ingest_seconds": round(ours_seconds, 2),
        "ingest_seconds_inside_command": round(ours_inner, 2),
        "ingest_features_per_s": round(n / ours_seconds),
        "ingest_stages_seconds": stages,
        "ingest_peak_memory_mb": round(best.peak_mb),
        "partition_ingest_seconds": round(partition_run.seconds, 2),
        "partition_ingest_stages_seconds": partition_run.stages,
        "partition_ingest_peak_memory_mb": round(partition_run.peak_mb),
        "city_features": CITY_FEATURES,
        "city_ingest_seconds": round(city.seconds, 2) if city else None,
        "city_ingest_stages_seconds": city.stages if city else None,
        "city_ingest_peak_memory_mb": round(city.peak_mb) if city else None,
        "ogr2ogr_append_seconds": round(append, 2),
        "ratio_ingest_to_ogr2ogr_append": round(append / ours_seconds, 3),
        "ogr2ogr_bare_seconds": round(bare, 2),
        "ratio_ingest_to_ogr2ogr_bare": round(bare / ours_seconds, 3),
        "layer_insert_seconds": round(layer_write, 2),
        "layer_insert_without_history_seconds": round(layer_write_bare, 2),
        "layer_insert_runs": {"with_history": with_history, "without": without_history},
        "ingest_runs_seconds": [round(run.seconds, 2) for run in runs],
        "ogr2ogr_bare_runs_seconds": [round(value, 2) for value in bare_runs],
        "history_overhead": round(history_overhead, 3),
        "history_overhead_best_against_best": round(layer_write / layer_write_bare - 1, 3),
        "layer_update_seconds": round(layer_update, 2),
        "layer_update_without_history_seconds": round(layer_update_bare, 2),
        "layer_update_runs": {"with_history": update_with, "without": update_without},
        "update_history_overhead": round(update_history_overhead, 3),
        "update_history_overhead_best_against_best": round(layer_update / layer_update_bare - 1, 3),
        "ratio_ingest_to_ogr2ogr_bare_plus_layer_insert": round(
            (bare + layer_write) / ours_seconds, 3
        ),
        "layer_first_fill_seconds": round(first_fill, 2),
        "command_start_seconds": round(command_start, 2),
        "ratio_ceiling_first_fill": round(bare / first_fill, 3),
        "ratio_ceiling_first_fill_and_start": round(bare / (first_fill + command_start), 3),
    }
    write_result(
        "ingest",
        result,
        [
            f"- {n:,} parcels from one GeoPackage, same database, same run; the best of "
            f"{ROUNDS} alternated rounds (all but ogr2ogr -append, run once)",
            f"- manage.py ingest (checks, history, all or nothing): {ours_seconds:.1f} s, "
            f"{n / ours_seconds:,.0f} features/s ({ours_inner:.1f} s inside the command: "
            + per_stage(stages)
            + f"), at most {best.peak_mb:,.0f} MB of memory",
            f"- the same on a partition (parcels edge to edge, grid turned 30 degrees): "
            f"{partition_run.seconds:.1f} s (" + per_stage(partition_run.stages) + "), at most "
            f"{partition_run.peak_mb:,.0f} MB",
            *(
                [
                    f"- a city's cadastre, {CITY_FEATURES:,} parcels edge to edge: "
                    f"{city.seconds:.1f} s (" + per_stage(city.stages) + "), at most "
                    f"{city.peak_mb:,.0f} MB"
                ]
                if city
                else []
            ),
            f"- ogr2ogr -append into the same layer table (default settings): {append:.1f} s; "
            f"ratio ingest / ogr2ogr -append: {append / ours_seconds:.2f} (goal >= 1.0)",
            f"- ogr2ogr into a bare table: {bare:.1f} s; ratio ingest / bare: {bare / ours_seconds:.2f} "
            "(goal >= 0.5)",
            f"- the layer table's own cost, one INSERT ... SELECT of the same rows: "
            f"{layer_write:.1f} s with history, {layer_write_bare:.1f} s without: history adds "
            f"{history_overhead:.0%} (median of the rounds' ratios; best against best: "
            f"{layer_write / layer_write_bare - 1:.0%}; goal <= 30 %)",
            f"- one UPDATE of every row (each moved 1 m): {layer_update:.1f} s with history, "
            f"{layer_update_bare:.1f} s without: history adds {update_history_overhead:.0%} "
            f"(best against best: {layer_update / layer_update_bare - 1:.0%})",
            f"- ingest against ogr2ogr bare + that INSERT: {(bare + layer_write) / ours_seconds:.2f}",
            f"- the floor of any loader into the layer table: its first fill alone (the same rows "
            f"already in the database, nothing read or checked, no history; indexes built after "
            f"the INSERT, as the ingest does) {first_fill:.1f} s, and the command's start "
            f"(manage.py ingest --help) {command_start:.1f} s: at best bare / first fill = "
            f"{bare / first_fill:.2f}, bare / (first fill + start) = "
            f"{bare / (first_fill + command_start):.2f}, against the goal's 0.5",
        ],
    )


if __name__ == "__main__":
    main()
