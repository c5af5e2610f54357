"""``make loadtest``: a load and fault test of the platform on this machine, loopback only.

gunicorn serves the app (reads routed to the hot standby of ``make replica``) while Locust, headless,
plays 50 users for 60 s (``bench/locustfile.py``): tiles, OGC items, search, note previews, a few
issued notes and a planner's edits. During the run:

- ``worker``: one gunicorn worker is killed (SIGKILL, as the kernel's out-of-memory killer does);
- ``replica``: the standby is stopped for 10 s, then started again;
- ``primary``: the primary is restarted once.

Afterwards, in SQL on the primary: every edit answered 2xx is in the parcel and in the history,
every note answered 2xx exists and no number was issued twice, and every failed request falls in
a fault's window (the primary's restart; the killed worker's requests in flight). The figures
(requests/s, p50/p95/p99 per kind) and the checks go to ``bench/results/loadtest.md`` and
``loadtest.json``.

``--users 10 --duration 10 --faults worker`` is the short version the test suite runs
(``tests/geoportal/test_loadtest.py``) against its own database and standby; the exit status is
0 only when every check holds.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
RESULTS = REPO_ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
KILL_WINDOW_S = 1.0  # a killed worker's request fails as it dies
RESTART_GRACE_S = 2.0  # requests that were in flight when the primary stopped end a little later


@dataclass
class Fault:
    name: str
    started: float
    ended: float = 0.0
    detail: str = ""

    def window(self) -> tuple[float, float] | None:
        """The span in which failed requests are this fault's, or None when it allows none."""
        if self.name == "worker":
            return self.started, self.started + KILL_WINDOW_S
        if self.name == "primary":
            return self.started, self.ended + RESTART_GRACE_S
        return None  # a replica that stops must cost no request


@dataclass
class Run:
    base: str
    started: float = 0.0
    faults: list[Fault] = field(default_factory=list)


def planner_token(database_url: str) -> str:
    """A planner who may change parcels, and their API token (created once)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["GEOPORTAL_READ_REPLICAS"] = "none"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
    import django

    django.setup()
    from django.contrib.auth.models import Permission, User
    from rest_framework.authtoken.models import Token

    user, _ = User.objects.get_or_create(username="loadtest-planner")
    user.user_permissions.add(Permission.objects.get(codename="change_parcel"))
    token, _ = Token.objects.get_or_create(user=user)
    return str(token.key)


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True, check=False
    )
    return [int(p) for p in out.stdout.split()]


def wait_for(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer in {timeout} s")


def inject_faults(run: Run, master: int, kinds: list[str], duration: float) -> None:
    """The faults, spread over the run: worker at 1/6, replica at 2/6 (for 10 s), primary at
    4/6 of the duration."""
    from geoportal.cluster import Cluster

    primary = Cluster.from_env()
    standby = primary.replica()

    def at(fraction: float) -> None:
        delay = run.started + duration * fraction - time.time()
        if delay > 0:
            time.sleep(delay)

    if "worker" in kinds:
        at(1 / 6)
        victim = worker_pids(master)[0]
        fault = Fault("worker", time.time(), detail=f"SIGKILL to worker {victim}")
        os.kill(victim, signal.SIGKILL)
        fault.ended = time.time()
        run.faults.append(fault)
    if "replica" in kinds:
        at(2 / 6)
        fault = Fault("replica", time.time(), detail="standby stopped (pg_ctl stop -m fast)")
        standby.stop()
        time.sleep(10)
        standby.start()
        fault.ended = time.time()
        fault.detail += f", started again after {fault.ended - fault.started:.1f} s"
        run.faults.append(fault)
    if "primary" in kinds:
        at(4 / 6)
        fault = Fault(
            "primary", time.time(), detail="primary restarted (pg_ctl stop -m fast, start)"
        )
        primary.stop()
        primary.start()
        fault.ended = time.time()
        fault.detail += f", accepting connections after {fault.ended - fault.started:.1f} s"
        run.faults.append(fault)


def read_journal(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def check(database_url: str, journal: list[dict[str, Any]], run: Run) -> dict[str, Any]:
    """The after-checks, in SQL on the primary."""
    import psycopg

    edits = [r for r in journal if r["kind"] == "edit"]
    notes = [r for r in journal if r["kind"] == "note"]
    failures = [r for r in journal if r["kind"] == "failure"]
    last_edit: dict[int, str] = {}
    for record in sorted(edits, key=lambda r: r["t"]):
        last_edit[record["id"]] = record["address"]
    with psycopg.connect(database_url) as conn:
        current: dict[int, str] = dict(
            conn.execute(
                "SELECT id, address FROM parcels_parcel WHERE id = ANY(%s)", [list(last_edit)]
            ).fetchall()
        )
        in_history = {
            (row_id, address)
            for row_id, address in conn.execute(
                "SELECT row_id, new->>'address' FROM layers_history "
                "WHERE table_name = 'parcels_parcel' AND op = 'U' AND new->>'address' = ANY(%s)",
                [[r["address"] for r in edits]],
            ).fetchall()
        }
        numbers = [r["number"] for r in notes]
        found_notes = {
            n for (n,) in conn.execute(
                "SELECT number FROM renseignement_note WHERE number = ANY(%s)", [numbers]
            ).fetchall()
        }  # fmt: skip
        (duplicates,) = conn.execute(
            "SELECT count(*) FROM (SELECT number FROM renseignement_note GROUP BY number "
            "HAVING count(*) > 1) AS twice"
        ).fetchone() or (0,)
    lost_edits = [i for i, address in last_edit.items() if current.get(i) != address]
    unrecorded = [r for r in edits if (r["id"], r["address"]) not in in_history]
    created = [r["number"] for r in notes if r["status"] == 201]
    windows = [(f.name, f.window()) for f in run.faults]
    by_fault: dict[str, int] = {}
    outside = []
    for failure in failures:
        for name, window in windows:
            if window and window[0] <= failure["t"] <= window[1]:
                by_fault[name] = by_fault.get(name, 0) + 1
                break
        else:
            outside.append(failure)
    checks = {
        "edits answered 2xx": len(edits),
        "edits missing from the database": len(lost_edits),
        "edits missing from the history": len(unrecorded),
        "notes answered 2xx": len(notes),
        "notes missing from the database": len(set(numbers) - found_notes),
        "note numbers issued twice (201 answers)": len(created) - len(set(created)),
        "note numbers twice in the database": duplicates,
        "failed requests": len(failures),
        "failed requests by kind": {
            name: sum(1 for f in failures if f["name"] == name)
            for name in sorted({f["name"] for f in failures})
        },
        "failed requests by fault window": by_fault,
        "failed requests outside every fault window": len(outside),
    }
    kill_failures = by_fault.get("worker", 0)
    checks["passed"] = (
        not lost_edits
        and not unrecorded
        and set(numbers) <= found_notes
        and len(created) == len(set(created))
        and duplicates == 0
        and not outside
        and kill_failures <= sum(1 for f in run.faults if f.name == "worker")
        and len(edits) > 0
    )
    checks["examples of failures outside the windows"] = outside[:5]
    return checks


def report(out: Path, meta: dict[str, Any], rows: list[dict[str, Any]], run: Run,
           checks: dict[str, Any]) -> None:  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    data = {**meta, "figures": rows, "checks": checks,
            "faults": [{"fault": f.name, "at_s": round(f.started - run.started, 1),
                        "detail": f.detail} for f in run.faults]}  # fmt: skip
    (out / "loadtest.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    lines = [
        f"# Load and fault test, {meta['date']}",
        "",
        f"{meta['users']} users for {meta['duration_s']} s on {meta['host']} "
        f"({meta['workers']} gunicorn workers, {meta['cpus']} processors), reads routed to "
        f"{meta['replicas']} replica(s). Locust {meta['locust']}, loopback only.",
        "",
        "| kind | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['kind']} | {r['requests']} | {r['failures']} | {r['requests_per_s']} | "
            + " | ".join("–" if r[p] is None else str(r[p]) for p in ("p50_ms", "p95_ms", "p99_ms"))
            + " |"
        )
    lines += ["", "## Faults", ""]
    lines += [f"- at {f.started - run.started:.1f} s: {f.name}: {f.detail}" for f in run.faults]
    lines += ["", "## Checks", ""]
    lines += [
        f"- {k}: {v}" for k, v in checks.items() if k != "examples of failures outside the windows"
    ]
    if checks["examples of failures outside the windows"]:
        lines += ["", "Failures outside the windows (first five):", ""]
        lines += [
            f"- `{json.dumps(f)}`" for f in checks["examples of failures outside the windows"]
        ]
    (out / "loadtest.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--faults", default="worker,replica,primary")
    parser.add_argument("--database-url", help="the primary (default: the private cluster)")
    parser.add_argument("--replicas", help="GEOPORTAL_READ_REPLICAS for the server")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    kinds = [k for k in args.faults.split(",") if k]

    from geoportal.cluster import Cluster

    database_url = (
        args.database_url or os.environ.get("DATABASE_URL") or Cluster.from_env().database_url()
    )
    if args.replicas is None:
        standby = Cluster.from_env().replica()
        if not standby.running():
            print("error: no hot standby running: `make replica` first", file=sys.stderr)
            return 2
        args.replicas = standby.database_url()
    token = planner_token(database_url)
    args.out.mkdir(parents=True, exist_ok=True)
    work = args.out / "loadtest-run"
    work.mkdir(exist_ok=True)
    journal_path = work / "journal.jsonl"
    journal_path.unlink(missing_ok=True)

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    run = Run(base=f"http://127.0.0.1:{port}")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DJANGO_SETTINGS_MODULE": "geoportal.settings",
        "DATABASE_URL": database_url,
        "GEOPORTAL_READ_REPLICAS": args.replicas,
        "GEOPORTAL_TRUSTED_PROXIES": "1",
        "GEOPORTAL_VAR_DIR": str(work / "var"),
        "PYTHONUNBUFFERED": "1",
    }
    env.setdefault("GEOPORTAL_SECRET_KEY", "loadtest-" + os.urandom(16).hex())
    log = (work / "gunicorn.log").open("wb")
    with listener:
        fd = listener.fileno()
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "geoportal.wsgi", "--bind", f"fd://{fd}",
             "--workers", str(args.workers), "--timeout", "60", "--no-control-socket"],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, pass_fds=[fd],
        )  # fmt: skip
    try:
        wait_for(run.base + "/healthz", timeout=120)
        csv_prefix = work / "locust"
        figures_path = work / "figures.json"  # written by the locustfile once the run stopped
        locust_env = {
            **env,
            "LOADTEST_JOURNAL": str(journal_path),
            "LOADTEST_TOKEN": token,
            "LOADTEST_FIGURES": str(figures_path),
        }
        command = [
            str(BIN / "locust"), "-f", str(REPO_ROOT / "bench" / "locustfile.py"), "--headless",
            "--host", run.base, "-u", str(args.users), "-r", str(args.users),
            "-t", f"{args.duration}s", "--stop-timeout", "10", "--csv", str(csv_prefix),
            "--only-summary", "--loglevel", "WARNING",
        ]  # fmt: skip
        run.started = time.time()
        locust = subprocess.Popen(
            command, cwd=REPO_ROOT, env=locust_env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        faults = threading.Thread(
            target=inject_faults, args=(run, server.pid, kinds, args.duration), daemon=True
        )
        faults.start()
        output, _ = locust.communicate(timeout=args.duration + 120)
        faults.join(timeout=60)
        (work / "locust.log").write_text(output)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
    from importlib.metadata import version

    from geoportal.cpus import usable_cpus

    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(run.started)),
        "users": args.users,
        "duration_s": args.duration,
        "workers": args.workers,
        "host": socket.gethostname(),
        "cpus": usable_cpus(),
        "replicas": len(args.replicas.replace(",", " ").split()),
        "locust": version("locust"),
    }
    checks = check(database_url, read_journal(journal_path), run)
    report(args.out, meta, json.loads(figures_path.read_text()), run, checks)
    print((args.out / "loadtest.md").read_text())
    return 0 if checks["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
