"""The tile server (uWSGI, geoportal/tileserver.py) behind the front server, as ``make run`` starts
them (on a Unix socket; on a port as well), against the test database: the tiles nginx's files
lack are answered by it (not gunicorn), as Django answers them, then sent from the files; an
internal layer is refused to an anonymous user and given to a planner's session; when it is down,
gunicorn answers in its place."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission, User

from tests.conftest import REPO_ROOT, free_port, live_database_url, run_module, wait_for_http
from tests.factories import CitizenReportFactory, ParcelFactory, rect
from tests.tiles.conftest import decode
from tests.tiles.test_front import NGINX, from_files, get, wait_until
from tests.tiles.test_lean import path_of, tile_at

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        NGINX is None, reason="nginx is not installed (bin/setup-system installs it)"
    ),
]


@pytest.fixture(params=["unix"])
def served(request, live_gunicorn, manage_env, tmp_path):
    """The tile server and the front (nginx, the tile listener) sharing one var/, with the live
    gunicorn as the app; the tile server signs sessions with the tests' key. It listens on its
    Unix socket under var/ as ``make run`` starts it, or on a port (``tcp``)."""
    var = tmp_path / "var"
    env = {
        **manage_env,
        "DATABASE_URL": live_database_url(),
        "GEOPORTAL_VAR_DIR": str(var),
        "GEOPORTAL_SECRET_KEY": settings.SECRET_KEY,
    }
    port = free_port()
    app = live_gunicorn.removeprefix("http://")
    if request.param == "tcp":
        tiles = f"127.0.0.1:{free_port()}"
        listen_at = ["--listen", tiles]
    else:  # its default, as make run starts it
        tiles, listen_at = f"unix:{var / 'tileserver' / 'tiles.sock'}", []
    started = run_module(env, "geoportal.tileserver", "start", *listen_at, "--workers", "2")
    if request.param == "unix":
        assert (var / "tileserver" / "tiles.sock").is_socket()
    assert f"on {tiles}" in started.stdout
    try:
        listen = ["--listen", f"127.0.0.1:{port}", "--app", app, "--tiles", tiles]
        run_module(env, "geoportal.frontserver", "start", *listen)
        base = f"http://127.0.0.1:{port}"
        wait_for_http(base + "/healthz", timeout=60)
        live = var / "cache" / "tiles" / "live"
        wait_until(lambda: (live / "parcels").is_symlink(), what="the listener's first links")
        yield {"base": base, "env": env, "var": var, "app_log": request.node.gunicorn_log}
    finally:
        run_module(env, "geoportal.frontserver", "stop")
        run_module(env, "geoportal.tileserver", "stop")


def reached_gunicorn(log: Path, path: str) -> bool:
    return f"GET {path} " in log.read_text()


@pytest.mark.parametrize("served", ["unix", "tcp"], indirect=True)
def test_tiles_the_files_lack_are_answered_by_the_tile_server(served, client):
    # Its workers answer tiles, so they skip the OGC warm-up (geoportal.warmup).
    pid = int((served["var"] / "tileserver" / "tileserver.pid").read_text())
    assert b"GEOPORTAL_WARM_UP=0\0" in Path(f"/proc/{pid}/environ").read_bytes()
    ParcelFactory(reference="TF 40/C", geom=rect(0, 0, 100, 100))
    ParcelFactory(reference="TF 41/C", geom=rect(3000, 0, 100, 100))
    first, second = path_of(tile_at(50, 50)), path_of(tile_at(3050, 50))
    status, headers, body = get(served["base"] + first)
    assert status == 200 and not from_files(headers)
    assert decode(body)["parcels"]["features"][0]["properties"]["reference"] == "TF 40/C"
    assert body == client.get(first).content
    assert not reached_gunicorn(served["app_log"], first)
    status, headers, again = get(served["base"] + first)
    assert status == 200 and from_files(headers) and again == body
    # The tile server down, gunicorn answers the tiles the files lack.
    run_module(served["env"], "geoportal.tileserver", "stop")
    status, headers, body = get(served["base"] + second)
    assert status == 200 and not from_files(headers)
    assert decode(body)["parcels"]["features"][0]["properties"]["reference"] == "TF 41/C"
    # gunicorn writes its access log line after the answer has left
    wait_until(lambda: reached_gunicorn(served["app_log"], second), what="gunicorn's log line")
    assert reached_gunicorn(served["app_log"], second)
    # Nothing to stop: nothing said.
    assert run_module(served["env"], "geoportal.tileserver", "stop").stdout == ""


def test_an_internal_layer_needs_a_planners_session_on_the_tile_server(served, client):
    CitizenReportFactory()
    path = path_of(tile_at(60, -20), "citizen-reports")  # the report's place
    status, headers, body = get(served["base"] + path)
    assert status == 404 and headers["content-type"] == "application/problem+json"
    user = User.objects.create_user("agent", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="view_citizenreport"))
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    status, headers, body = get(served["base"] + path, {"Cookie": cookie})
    assert status == 200 and headers["cache-control"] == "private, no-cache"
    assert len(decode(body)["citizen-reports"]["features"]) == 1
    assert not from_files(headers)
    assert not reached_gunicorn(served["app_log"], path)


def test_every_tile_the_files_lack_reaches_the_tile_server_at_the_first_try(served):
    # uWSGI closes its connection after each answer without saying so: a connection the front
    # kept for the next tile failed, and that tile went to gunicorn.
    for i in range(12):
        ParcelFactory(reference=f"TF 5{i}/C", geom=rect(3000 * i, 0, 100, 100))
    paths = [path_of(tile_at(3000 * i + 50, 50)) for i in range(12)]
    for path in paths:
        status, headers, body = get(served["base"] + path)
        assert status == 200 and not from_files(headers)
    assert not any(reached_gunicorn(served["app_log"], path) for path in paths)
    assert "upstream" not in (served["var"] / "front" / "error.log").read_text()


def test_a_burst_of_connections_waits_for_a_worker_instead_of_being_refused(served):
    """nginx opens one connection to the tile server per cold tile, without blocking. Beyond the
    socket's backlog (uWSGI's default: 100) such a connection is refused at once, and its tile
    goes to gunicorn. 300 connections opened together, as a few maps opening at once ask, are all
    taken while the 2 workers are busy with the first ones."""
    ParcelFactory(reference="TF 60/C", geom=rect(0, 0, 100, 100))
    address = str(served["var"] / "tileserver" / "tiles.sock")
    held: list[socket.socket] = []
    refused = 0
    try:
        for _ in range(300):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.setblocking(False)
            try:
                sock.connect(address)
            except BlockingIOError:  # EAGAIN: the backlog is full
                refused += 1
                sock.close()
            else:
                held.append(sock)
    finally:
        for sock in held:
            sock.close()
    assert refused == 0
    path = path_of(tile_at(50, 50))
    status, headers, body = get(served["base"] + path)
    assert status == 200 and not from_files(headers)
    assert decode(body)["parcels"]["features"][0]["properties"]["reference"] == "TF 60/C"
    assert not reached_gunicorn(served["app_log"], path)
    log = (served["var"] / "tileserver" / "tileserver.log").read_text()
    assert "without post buffering" not in log and "multiple interpreter mode" not in log


def test_a_socket_path_longer_than_a_unix_socket_takes_is_refused_with_the_way_out(
    manage_env, tmp_path
):
    sock = tmp_path / ("d" * 100) / "tiles.sock"  # over the 107 bytes of a socket's address
    var = tmp_path / "var"
    done = subprocess.run(
        [sys.executable, "-m", "geoportal.tileserver", "start", "--listen", f"unix:{sock}"],
        cwd=REPO_ROOT,
        env={**manage_env, "GEOPORTAL_VAR_DIR": str(var)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert f"longer than a Unix socket's 107 bytes: {sock}" in done.stderr
    assert "TILE_LISTEN=127.0.0.1:" in done.stderr
    assert not sock.parent.exists() and not (var / "tileserver" / "tileserver.pid").exists()
