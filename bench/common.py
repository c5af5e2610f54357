"""Shared helpers for the benchmarks: a database with a demo city of a given size, and result files.

Benchmarks report ratios against a peer or the database's own cost measured in the same run; the
figures are written to ``bench/results/<name>.json`` and summarised in ``bench/results/summary.md``.
"""

from __future__ import annotations

import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS = REPO_ROOT / "bench" / "results"
sys.path.insert(0, str(REPO_ROOT))

from geoportal.cpus import server_workers, usable_cpus  # noqa: E402, F401  (the repository is on the path)


def first(result: Any) -> Any:
    """The first value of the one row a statement returns (a count, an EXISTS, a tile); a
    statement that returns no row is an error."""
    row = result.fetchone()
    if row is None:
        raise RuntimeError("the statement returned no row")
    return row[0]


def _base_url() -> tuple[str, str]:
    """(server URL without database, default database name) of the platform's database."""
    from geoportal.cluster import Cluster

    url = os.environ.get("DATABASE_URL") or Cluster.from_env().database_url()
    base, _, name = url.rpartition("/")
    return base, name


def bench_database_url(size: str = "large") -> str:
    """A database ``geoportal_bench_<size>`` with the migrations applied and the demo city of that
    size loaded; built once, then reused (``load_demo --if-empty``)."""
    import psycopg
    from psycopg import sql

    base, default_db = _base_url()
    name = f"geoportal_bench_{size}"
    with psycopg.connect(f"{base}/{default_db}", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = f"{base}/{name}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "geoportal.settings"}
    manage = [sys.executable, str(REPO_ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, check=True)
    started = time.monotonic()
    subprocess.run([*manage, "load_demo", "--size", size, "--if-empty"], env=env, check=True)
    print(f"bench database {name} ready ({time.monotonic() - started:.0f} s)")
    return url


def drop_database(name: str) -> None:
    """Drop the scratch database ``name`` (see ``geoportal.cluster.drop_database``)."""
    from geoportal.cluster import drop_database as drop

    base, default_db = _base_url()
    drop(f"{base}/{default_db}", name)


def scratch_database(name: str) -> str:
    """A fresh database ``name`` with the migrations applied (dropped and made again); its URL."""
    import psycopg
    from psycopg import sql

    drop_database(name)
    base, default_db = _base_url()
    with psycopg.connect(f"{base}/{default_db}", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = f"{base}/{name}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "geoportal.settings"}
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"],
        env=env,
        check=True,
    )
    return url


def measure_in_subprocess(script: str, size: str) -> dict[str, Any]:
    """Run ``script --measure`` bound to the bench database of the ``size`` demo city (Django's
    settings then read that database), and return the JSON its last line prints, with
    ``size``."""
    url = bench_database_url(size)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "geoportal.settings"}
    proc = subprocess.run(
        [sys.executable, script, "--measure"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["size"] = size
    return result


def write_result(name: str, result: dict[str, Any], summary_lines: list[str]) -> None:
    """Keep the raw figures as JSON and a few human lines in the summary."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        **result,
        "machine": {"cpus": usable_cpus(), "python": platform.python_version()},
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, default=str))
    with (RESULTS / "summary.md").open("a") as fh:
        fh.write(f"\n## {name} ({result['at']})\n\n")
        fh.writelines(f"{line}\n" for line in summary_lines)
    print("\n".join(summary_lines))


def busy_share(seconds: float = 1.0) -> float:
    """The share of the machine's processor time spent working over the next ``seconds``
    (``/proc/stat``; 0 where there is none)."""

    def times() -> tuple[int, int]:
        try:
            fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        except OSError:
            return 0, 0
        idle = fields[3] + fields[4]  # idle, iowait
        return sum(fields) - idle, sum(fields)

    busy0, total0 = times()
    time.sleep(seconds)
    busy1, total1 = times()
    return (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0


def wait_until_idle(at_most: float = 0.1, timeout: float = 120.0) -> float:
    """Wait until the processors are idle (at most ``at_most`` of their time busy over a second),
    so that a measure does not share them with the servers' start (a gunicorn worker warms itself
    up after the first one answers); the last share read."""
    deadline = time.monotonic() + timeout
    share = busy_share()
    while share > at_most and time.monotonic() < deadline:
        share = busy_share()
    return share


WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_paths.lua"


def wrk(
    base: str, paths: list[str], workdir: Path, clients: int = 8, headers: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Every path asked once, under ``base``, by ``clients`` connections at once (fewer for a
    shorter list), with wrk (a C client: a Python one would take the processors it measures);
    see wrk_paths.lua. ``per_s``: the requests answered per second."""
    clients = min(clients, len(paths))
    listing = workdir / "paths.txt"
    for old in workdir.glob("paths.txt.done.*"):
        old.unlink()
    listing.write_text("\n".join(paths) + "\n")
    cmd = ["wrk", "-t", str(clients), "-c", str(clients), "-d", "3600s", "--timeout", "120s"]
    cmd += ["-s", str(WRK_SCRIPT), base, "--", str(listing), str(clients), *headers]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # The threads' marks, looked for one at a time (a stat every 2 ms): listing the folder as
    # often took a few percent of a processor from the servers measured.
    pending = [workdir / f"paths.txt.done.{thread}" for thread in range(clients)]
    try:
        while pending and proc.poll() is None:
            if pending[-1].exists():
                pending.pop()
            else:
                time.sleep(0.002)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()  # never left running after a failure
    match = re.search(r"^WRK_RESULT (.*)$", out, re.M)
    if not match:
        raise RuntimeError(f"wrk printed no result:\n{out}\n{err}")
    result: dict[str, Any] = json.loads(match.group(1))
    result["per_s"] = round(result["requests"] / result["seconds"], 1)
    if result["requests"] != len(paths):
        raise RuntimeError(f"wrk answered {result} for {len(paths)} requests")
    return result
