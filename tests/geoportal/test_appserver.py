"""The app server of ``make run`` / ``make serve`` (gunicorn, in the foreground) leaves a pid file,
and ``python -m geoportal.appserver stop`` (which ``make stop`` runs first) stops it: the
Makefile's own ``gunicorn`` target is run here, against the test database."""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT, free_port, live_database_url, run_module, wait_for_http

pytestmark = pytest.mark.django_db(transaction=True)


def appserver(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_module(env, "geoportal.appserver", *args)


def server_env(manage_env: dict[str, str], var: Path) -> dict[str, str]:
    """The environment of the Makefile's ``gunicorn`` target against the test database, its
    files under ``var``, a home of its own beside it (where gunicorn would put its control socket
    by default); no ``GEOPORTAL_PUBLIC_URL`` (the Makefile's own default applies)."""
    home = var.parent / "home"
    home.mkdir(parents=True, exist_ok=True)
    drop = ("GEOPORTAL_PUBLIC_URL", "XDG_RUNTIME_DIR")
    env = {k: v for k, v in manage_env.items() if k not in drop}
    return env | {
        "DATABASE_URL": live_database_url(),
        "GEOPORTAL_VAR_DIR": str(var),
        "GEOPORTAL_SECRET_KEY": secrets.token_urlsafe(50),
        "HOME": str(home),
    }


def control(socket_path: Path, command: str) -> Any:
    """gunicorn's answer to ``command`` on its control socket, as JSON (``gunicornc``)."""
    gunicornc = str(Path(sys.executable).parent / "gunicornc")
    done = subprocess.run(
        [gunicornc, "-s", str(socket_path), "-c", command, "-j"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(done.stdout)


def make_gunicorn(env: dict[str, str], port: int, output: Any, *args: str) -> subprocess.Popen:
    """``make gunicorn`` on ``port`` with one worker, in the foreground, its output to
    ``output``: the server of ``make app`` and ``make serve`` without their collectstatic (30 s
    of compression; the pages asked here need no static file)."""
    command = ["make", "--no-print-directory", "gunicorn", f"BIND=127.0.0.1:{port}"]
    return subprocess.Popen(
        [*command, "WORKERS=1", *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )


@contextmanager
def serving(env: dict[str, str], port: int, *args: str) -> Iterator[None]:
    """``make gunicorn`` on ``port``, answering, for the block; then stopped as ``make stop``
    does."""
    make = make_gunicorn(env, port, subprocess.DEVNULL, *args)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", timeout=300)
        yield
    finally:
        appserver(env, "stop")
        try:
            make.wait(timeout=60)
        finally:
            if make.poll() is None:
                make.kill()


def test_make_stop_stops_the_foreground_gunicorn(manage_env, tmp_path):
    var = tmp_path / "var"
    env = server_env(manage_env, var)
    port = free_port()
    log = (tmp_path / "make.log").open("wb")
    make = make_gunicorn(env, port, log)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", timeout=300)
        pid_file = var / "app" / "gunicorn.pid"
        assert appserver(env, "pidfile").stdout.strip() == str(pid_file)
        pid = int(pid_file.read_text())
        assert b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()
        # gunicorn's control socket is this server's, in var/, not the user's home: its one
        # worker is the master's child.
        control_socket = var / "app" / "gunicorn.ctl"
        assert appserver(env, "controlsocket").stdout.strip() == str(control_socket)
        workers = control(control_socket, "show workers")["workers"]
        assert len(workers) == 1
        status = Path(f"/proc/{workers[0]['pid']}/status").read_text()
        assert f"\nPPid:\t{pid}\n" in status
        assert not (Path(env["HOME"]) / ".gunicorn").exists()
        stopped = appserver(env, "stop")
        assert "stopped" in stopped.stdout
        # The foreground make ends with its server, which stopped gracefully.
        assert make.wait(timeout=60) == 0
        assert not Path(f"/proc/{pid}").exists() and not pid_file.exists()
        assert not control_socket.exists()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        # Nothing to stop: nothing said, nothing done.
        assert appserver(env, "stop").stdout == ""
    finally:
        if make.poll() is None:
            make.kill()
        log.close()


def test_a_var_folder_too_deep_for_a_socket_runs_without_a_control_socket(manage_env, tmp_path):
    """A Unix socket's path holds at most 107 bytes: under a deeper ``var/``, the server starts
    without a control socket rather than failing, and puts none in the home either."""
    var = tmp_path / ("v" * (108 - len(str(tmp_path)))) / "var"
    env = server_env(manage_env, var)
    assert appserver(env, "controlsocket").stdout == ""
    with serving(env, free_port()):
        assert not (var / "app" / "gunicorn.ctl").exists()
        assert not (Path(env["HOME"]) / ".gunicorn").exists()


def test_a_pid_file_naming_another_process_leaves_it_alone(manage_env, tmp_path):
    """A server killed without cleaning up leaves its pid file; the number may since belong to
    another process, which ``stop`` must not signal."""
    var = tmp_path / "var"
    env = {**manage_env, "GEOPORTAL_VAR_DIR": str(var)}
    other = subprocess.Popen(["sleep", "60"])
    try:
        pid_file = Path(appserver(env, "pidfile").stdout.strip())
        pid_file.write_text(f"{other.pid}\n")
        assert appserver(env, "stop").stdout == ""
        time.sleep(0.2)
        assert other.poll() is None and not pid_file.exists()
    finally:
        other.kill()
        other.wait()


@pytest.mark.parametrize("public_url", [None, "https://sig.example.ma"], ids=["unset", "set"])
def test_links_name_the_port_make_serves_on_unless_a_public_url_is_set(
    manage_env, tmp_path, public_url
):
    """``PORT=... make run`` writes links (the OGC landing page's, and so every next page's) on
    the port it serves, not on :8000; a ``GEOPORTAL_PUBLIC_URL`` that is set is kept."""
    env = server_env(manage_env, tmp_path / "var")
    if public_url is not None:
        env["GEOPORTAL_PUBLIC_URL"] = public_url
    port = free_port()
    landing = f"http://127.0.0.1:{port}/ogc?f=json"
    with serving(env, port, f"PORT={port}"), urllib.request.urlopen(landing, timeout=30) as answer:
        links = [link["href"] for link in json.load(answer)["links"]]
    expected = public_url or f"http://127.0.0.1:{port}"
    assert f"{expected}/ogc?f=json" in links, links
    assert all(href == expected or href.startswith(f"{expected}/") for href in links), links


def test_make_static_collects_again_only_when_a_static_file_changed(manage_env, tmp_path):
    """``make static`` (before the tile server and the app) compresses every file: a restart
    skips it when nothing changed. Asked with ``make -n``, which says what it would run, and
    ``-W``, which takes a file as just changed without touching it."""
    venv = Path(sys.executable).parent.parent
    env = manage_env | {"GEOPORTAL_VAR_DIR": str(tmp_path)}

    def planned(*args: str) -> str:
        command = ["make", "-n", "--no-print-directory", "static", f"VENV={venv}", *args]
        done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "collectstatic" in planned()  # nothing collected in this var/ yet
    stamp = tmp_path / "static" / ".collected"
    stamp.parent.mkdir()
    stamp.touch()  # collected after every source was last written
    assert "collectstatic" not in planned()
    assert "collectstatic" in planned("-W", "ingest/static/ingest/ingest.js")
    assert "collectstatic" in planned("-W", "layers/common/static/layers/basemap.js")
    assert "collectstatic" in planned("-W", str(venv / ".installed"))
