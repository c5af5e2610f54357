"""The queue's worker in the background (``make worker``, part of ``make run``).

``python -m geoportal.worker start`` starts ``manage.py ingest_worker``, which runs the planners'
web ingests queued in the database, with its pid file and its log in ``var/worker/``
(``worker.pid``, ``worker.log``); ``stop`` stops it, and is safe to run when nothing runs. On a
stop (SIGTERM), a running ingest has ``INGEST["WORKER_GRACE_S"]`` to finish, then is stopped,
rolled back and reported failed; a worker still there 30 s later is killed, and its ingest,
rolled back by the database with its connection, is reported failed by the next worker or by
the job's page."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from geoportal.pidfile import running_pid

REPO_ROOT = Path(__file__).resolve().parent.parent
KILL_AFTER_GRACE_S = 30.0


def run_dir() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "worker"


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):  # reap it if it is our child
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (ended, not yet reaped by its parent) is not alive
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def start() -> None:
    stop(quiet=True)
    run = run_dir()
    run.mkdir(parents=True, exist_ok=True)
    log_path = run / "worker.log"
    with log_path.open("ab") as log:
        worker = subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "manage.py"), "ingest_worker"],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    (run / "worker.pid").write_text(f"{worker.pid}\n")
    print(f"queue worker (web ingests) pid {worker.pid}, log {log_path}")


def stop(quiet: bool = False) -> None:
    from ingest.conf import option

    pid_file = run_dir() / "worker.pid"
    pid = running_pid(pid_file)
    if pid:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + float(option("WORKER_GRACE_S")) + KILL_AFTER_GRACE_S
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    if not quiet and pid:
        print("queue worker stopped")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m geoportal.worker", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("start", help="start the queue's worker in the background")
    sub.add_parser("stop", help="stop the queue's worker")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
    import django

    django.setup()
    if args.command == "start":
        start()
    else:
        stop()


if __name__ == "__main__":
    main()
