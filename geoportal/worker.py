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
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from geoportal.pidfile import running_pid, terminate

REPO_ROOT = Path(__file__).resolve().parent.parent
KILL_AFTER_GRACE_S = 30.0
START_TIMEOUT_S = 30.0  # for the worker to log that it listens
STARTED_LINE = "Starting worker on queues"  # what procrastinate logs once it listens
# The last line of a traceback: ``psycopg.errors.UndefinedFunction: …``, ``ValueError: …``.
EXCEPTION_LINE = r"(?:[a-z_]\w*\.)+[A-Z]\w*: \S|\w+(?:Error|Exception): \S"


def run_dir() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "worker"


def start() -> None:
    stop(quiet=True)
    run = run_dir()
    run.mkdir(parents=True, exist_ok=True)
    log_path = run / "worker.log"
    with log_path.open("ab") as log:
        offset = log.tell()
        worker = subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "manage.py"), "ingest_worker"],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    (run / "worker.pid").write_text(f"{worker.pid}\n")
    # Wait for the worker to say it listens, so that one stopping at once (a database without
    # the queue's tables, a wrong setting) is an error here and not a line in a log.
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            (run / "worker.pid").unlink(missing_ok=True)
            lines = _read_from(log_path, offset).strip().splitlines()
            # The exceptions' own lines say why (a missing queue table: run `make migrate`).
            errors = [line for line in lines if re.match(EXCEPTION_LINE, line)]
            shown = list(dict.fromkeys(errors)) or lines[-15:]
            sys.exit(
                f"error: the queue worker stopped at once (its log: {log_path}):\n"
                + "\n".join(shown)
            )
        if STARTED_LINE in _read_from(log_path, offset):
            break
        time.sleep(0.1)
    print(f"queue worker (web ingests) pid {worker.pid}, log {log_path}")


def _read_from(path: Path, offset: int) -> str:
    with path.open("rb") as log:
        log.seek(offset)
        return log.read().decode("utf-8", errors="replace")


def stop(quiet: bool = False) -> None:
    from ingest.conf import option

    pid_file = run_dir() / "worker.pid"
    pid = running_pid(pid_file)
    if pid:
        terminate(pid, float(option("WORKER_GRACE_S")) + KILL_AFTER_GRACE_S)
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
