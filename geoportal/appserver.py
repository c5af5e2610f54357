"""The app server that ``make run`` and ``make serve`` keep in the foreground (gunicorn), with a pid
file so that ``make stop``, from another terminal, stops it with the rest.

``python -m geoportal.appserver pidfile`` prints the pid file's path, ``var/app/gunicorn.pid``
(its folder made), which the Makefile gives gunicorn's ``--pid``; gunicorn removes the file when it
exits. ``controlsocket`` prints the path of gunicorn's control socket, ``var/app/gunicorn.ctl``
(``gunicornc -s var/app/gunicorn.ctl -c "show workers"``), or nothing when that path is too long
for a Unix socket, and the Makefile then starts gunicorn without one. Left to its default,
gunicorn puts that socket in the user's home (``~/.gunicorn/gunicorn.ctl``), where every gunicorn
the user starts (another clone's, the tests') removes it and takes it over. ``stop`` sends
gunicorn's graceful shutdown (SIGTERM: each worker finishes its request within gunicorn's
``graceful_timeout``, 30 s), then SIGKILL if it still runs after that. It is safe
to run when no server runs, and leaves alone a process that is not gunicorn (a pid file left by a
killed server whose number was taken again)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from geoportal.pidfile import running_pid, runs, terminate
from geoportal.tileserver import SOCKET_PATH_MAX

GRACEFUL_S = 30.0  # gunicorn's graceful_timeout, which the Makefile keeps
KILL_AFTER_S = GRACEFUL_S + 5.0


def app_dir() -> Path:
    """``var/app``: the app server's pid file and control socket."""
    from django.conf import settings

    return Path(settings.VAR_DIR) / "app"


def pid_path() -> Path:
    return app_dir() / "gunicorn.pid"


def control_socket_path() -> Path | None:
    """``var/app/gunicorn.ctl``, or None when it is too long for a Unix socket."""
    path = (app_dir() / "gunicorn.ctl").absolute()
    return path if len(os.fsencode(path)) <= SOCKET_PATH_MAX else None


def stop(quiet: bool = False) -> None:
    """Stop the server of the pid file, if one runs."""
    path = pid_path()
    pid = running_pid(path)
    if pid is not None and runs(pid, "gunicorn"):
        terminate(pid, KILL_AFTER_S)
        if not quiet:
            print("app server (gunicorn) stopped")
    path.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m geoportal.appserver", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("pidfile", help="print the pid file's path for gunicorn's --pid")
    sub.add_parser(
        "controlsocket",
        help="print the path for gunicorn's --control-socket (nothing: too long for a socket)",
    )
    sub.add_parser("stop", help="stop the app server")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
    if args.command == "pidfile":
        path = pid_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        print(path)
    elif args.command == "controlsocket":
        control = control_socket_path()
        if control is not None:
            control.parent.mkdir(parents=True, exist_ok=True)
            print(control)
    else:
        stop()


if __name__ == "__main__":
    main()
