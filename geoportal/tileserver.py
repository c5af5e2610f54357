"""The tile server (``make tileserver``, part of ``make run``): uWSGI serving the platform's WSGI
application to the front server (``geoportal.wsgi.tile_application``: gunicorn's, told that the
front has just looked for each tile's file), which sends it the tile requests its files do not
hold. Everything else still goes to gunicorn.

Why a second server for the same application: a tile the files lack cost the app about 0.3 ms
of Python (0.2 ms since its statement runs on libpq directly, tiles/lean.py), and gunicorn's sync
worker adds as much again to read the request and answer it, in Python. uWSGI parses and answers
HTTP in C: on cold roads tiles at zoom 18 of the ``large`` city,
in the same run, the server's processor time fell from 0.70 to 0.45 ms a tile, and the tiles
served from 1,735 to 2,135 a second (medians). Tiles of internal layers, or any other request
that the lean tile path leaves to Django, are answered by Django inside the tile server, with the
session cookie, as gunicorn would answer them. When the tile server is down, nginx sends its requests to
gunicorn instead (``backup`` in ``var/front/nginx.conf``).

``python -m geoportal.tileserver start`` starts it in the background with ``--workers`` processes
(each loads the application after the fork, with its own connection pools), its pid file and log
in ``var/tileserver/``, and waits until it answers ``/healthz``; ``stop`` stops it (SIGTERM, then
SIGKILL after 30 s), and is safe to run when nothing runs.

It listens on a Unix socket, ``var/tileserver/tiles.sock`` (``--listen unix:PATH``, nginx's
notation, which the front server's ``--tiles`` takes as it is), or on ``--listen HOST:PORT`` for
a front on another machine. On one machine the socket spares each tile a TCP connection on the
loopback (nginx opens one per request: uWSGI closes it after each answer). Cold roads tiles at
zoom 18 of the ``large`` city, through nginx, in alternated runs of 1,000 tiles: 2,225 a second on
a port, 2,497 on the socket (medians of six), nginx's processor time a tile 0.12-0.15 ms against
0.09-0.11 ms."""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from geoportal.cpus import server_workers
from geoportal.pidfile import running_pid, runs, terminate

REPO_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 120.0
KILL_AFTER_S = 30.0
HARAKIRI_S = 120  # a request running longer is stopped, as gunicorn's --timeout 120 of make run
# Connections waiting for a worker. uWSGI's own default, 100, is a map opening on a few screens at
# once (each asks 20 to 60 tiles): past it, the connections nginx opens are refused and those tiles
# go to gunicorn. gunicorn waits for 2,048; the kernel holds a socket to net.core.somaxconn, and
# uWSGI refuses to start above it, so the smaller of the two.
LISTEN_BACKLOG = 1024
SOMAXCONN = Path("/proc/sys/net/core/somaxconn")
UNIX = "unix:"
SOCKET_PATH_MAX = 107  # sun_path's bytes on Linux, less its final NUL


def run_dir() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "tileserver"


def default_listen() -> str:
    return f"{UNIX}{run_dir() / 'tiles.sock'}"


def socket_path(listen: str) -> Path | None:
    """The Unix socket of ``listen`` (``unix:PATH``), None for ``HOST:PORT``."""
    return Path(listen.removeprefix(UNIX)).absolute() if listen.startswith(UNIX) else None


def get(listen: str, path: str, timeout: float = 5.0) -> int:
    """The status of ``GET path`` from the tile server at ``listen`` (``unix:PATH`` or
    ``HOST:PORT``)."""
    sock = socket_path(listen)
    if sock is None:
        connection = http.client.HTTPConnection(listen, timeout=timeout)
    else:
        connection = http.client.HTTPConnection("localhost", timeout=timeout)
        unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        unix.settimeout(timeout)
        try:
            unix.connect(str(sock))
        except OSError:
            unix.close()
            raise
        connection.sock = unix
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()  # all of it: closing before the end breaks the server's write (EPIPE)
        return response.status
    finally:
        connection.close()


def listen_backlog() -> int:
    """The connections the tile server's socket holds waiting for a worker: ``LISTEN_BACKLOG``,
    or the kernel's ``somaxconn`` when that is smaller."""
    try:
        return min(LISTEN_BACKLOG, int(SOMAXCONN.read_text()))
    except (OSError, ValueError):
        return 128  # the kernel's default before Linux 5.4


def uwsgi_command(listen: str, workers: int) -> list[str]:
    """uWSGI's command line: an HTTP socket for nginx (a Unix socket's path, or HOST:PORT) with a
    backlog of :func:`listen_backlog`, a master and ``workers`` processes, each loading the
    application after the fork (``lazy-apps``) in one interpreter, with threads enabled (the
    connection pools and the tile store use them); no line per request in the log. A request body
    is read whole before the application runs (``post-buffering``), so that ``harakiri`` stops
    only the application's own time (nginx sends it tile requests, which have none)."""
    binary = Path(sys.executable).parent / "uwsgi"
    sock = socket_path(listen)
    return [
        str(binary),
        "--http-socket",
        listen if sock is None else str(sock),
        "--module",
        "geoportal.wsgi:tile_application",
        "--chdir",
        str(REPO_ROOT),
        "--listen",
        str(listen_backlog()),
        "--master",
        "--single-interpreter",
        "--processes",
        str(workers),
        "--lazy-apps",
        "--enable-threads",
        "--need-app",
        "--die-on-term",
        "--disable-logging",
        "--harakiri",
        str(HARAKIRI_S),
        "--post-buffering",
        "65536",
        "--buffer-size",
        "32768",  # request headers (a planner's cookies), as gunicorn accepts them
    ]


def start(listen: str, workers: int) -> None:
    stop(quiet=True)
    run = run_dir()
    run.mkdir(parents=True, exist_ok=True)
    sock = socket_path(listen)
    if sock is not None:
        if len(os.fsencode(sock)) > SOCKET_PATH_MAX:
            raise SystemExit(
                f"the tile server's socket path is longer than a Unix socket's {SOCKET_PATH_MAX} "
                f"bytes: {sock}\nlisten on a port instead (make run TILE_LISTEN=127.0.0.1:8002)"
            )
        sock.parent.mkdir(parents=True, exist_ok=True)
        sock.unlink(missing_ok=True)  # left by a server that was killed
    pid_file, log_path = run / "tileserver.pid", run / "tileserver.log"
    with log_path.open("ab") as log:
        offset = log.tell()
        proc = subprocess.Popen(
            uwsgi_command(listen, workers),
            cwd=REPO_ROOT,
            # Its workers answer tiles: the OGC warm-up (geoportal.warmup) would only slow them.
            env={**os.environ, "PYTHONUNBUFFERED": "1", "GEOPORTAL_WARM_UP": "0"},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pid_file.write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pid_file.unlink(missing_ok=True)
            with log_path.open("rb") as log:
                log.seek(offset)
                tail = log.read().decode(errors="replace").strip().splitlines()[-15:]
            raise SystemExit(
                f"the tile server stopped at once (exit {proc.returncode}); its log "
                f"({log_path}) ends with:\n" + "\n".join(tail)
            )
        try:
            if get(listen, "/healthz") == 200:
                print(f"tile server (uWSGI, {workers} workers) on {listen}; log {log_path}")
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    stop(quiet=True)
    raise SystemExit(f"the tile server did not answer on {listen} within {START_TIMEOUT_S:.0f} s")


def stop(quiet: bool = False) -> None:
    pid_file = run_dir() / "tileserver.pid"
    pid = running_pid(pid_file)
    if pid is not None and runs(pid, "uwsgi"):
        terminate(pid, KILL_AFTER_S, group=True)  # the master and its workers
        if not quiet:
            print("tile server stopped")
    pid_file.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m geoportal.tileserver", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    begin = sub.add_parser("start", help="start the tile server in the background")
    begin.add_argument(
        "--listen",
        help="unix:PATH or HOST:PORT for the front (default: unix:var/tileserver/tiles.sock)",
    )
    begin.add_argument("--workers", type=int, default=server_workers())
    sub.add_parser("stop", help="stop the tile server")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
    if args.command == "start":
        start(args.listen or default_listen(), args.workers)
    else:
        stop()


if __name__ == "__main__":
    main()
