"""The front server (Debian's nginx, geoportal/frontserver.py) in front of gunicorn, with the tile
listener, as ``make run`` starts them, against the test database: cached tiles of public layers
come from nginx with the app's headers and ETag, 304s included; a committed write reaches the
next request; internal layers never come from nginx's files; a stopped listener leaves nginx
nothing to send. nginx marks what it sent from its files with ``X-Tile-Cache: hit``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, free_port, wait_for_http
from tests.factories import CitizenReportFactory, ParcelFactory, rect
from tests.tiles.conftest import decode, origin_tile

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        NGINX is None, reason="nginx is not installed (bin/setup-system installs it)"
    ),
]


def wait_until(condition, timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.02)


@pytest.fixture
def front(request, live_gunicorn, manage_env):
    """nginx and the tile listener beside the live gunicorn, sharing its var/ (and tile cache)."""
    var: Path = request.node.gunicorn_var
    app = live_gunicorn.removeprefix("http://")
    # The listener and the configuration read the same settings as gunicorn: its environment.
    env = {**manage_env, "GEOPORTAL_VAR_DIR": str(var)}
    env["DATABASE_URL"] = _database_url()
    port = free_port()
    start = [sys.executable, "-m", "geoportal.frontserver", "start"]
    subprocess.run(
        [*start, "--listen", f"127.0.0.1:{port}", "--app", app], cwd=REPO_ROOT, env=env, check=True
    )
    base = f"http://127.0.0.1:{port}"
    live = var / "cache" / "tiles" / "live"
    try:
        wait_for_http(base + "/healthz", timeout=60)
        wait_until(lambda: (live / "parcels").is_symlink(), what="the listener's first links")
        yield {"base": base, "var": var, "live": live, "env": env, "app": live_gunicorn}
    finally:
        subprocess.run(
            [sys.executable, "-m", "geoportal.frontserver", "stop"],
            cwd=REPO_ROOT,
            env=env,
            check=True,
        )


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    return f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def get(
    url: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    data = b"" if method == "POST" else None
    request = urllib.request.Request(url, headers=headers or {}, method=method, data=data)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def from_files(headers: dict[str, str]) -> bool:
    return headers.get("x-tile-cache") == "hit"


def tile(slug: str, z: int = 16) -> str:
    z, x, y = origin_tile(z)
    return f"/tiles/{slug}/{z}/{x}/{y}.mvt"


def test_a_cached_tile_comes_from_nginx_with_the_apps_headers_and_etag(front):
    ParcelFactory(reference="TF 7/C", geom=rect(0, 0, 100, 100))
    path = tile("parcels")
    status, by_app, body = get(front["base"] + path)
    assert status == 200 and not from_files(by_app)  # computed by the app, through nginx
    status, by_nginx, again = get(front["base"] + path)
    assert status == 200 and again == body and from_files(by_nginx)  # nginx's file
    assert decode(again)["parcels"]["features"][0]["properties"]["reference"] == "TF 7/C"
    same = (
        "etag",
        "cache-control",
        "access-control-allow-origin",
        "content-type",
        "x-frame-options",
        "x-content-type-options",
        "referrer-policy",
        "cross-origin-opener-policy",
    )
    assert {k: by_nginx.get(k) for k in same} == {k: by_app.get(k) for k in same}
    assert "last-modified" not in by_nginx and "vary" not in by_nginx
    # Revalidation by nginx: 304 with the ETag, also in its weak form.
    for tag in (by_nginx["etag"], "W/" + by_nginx["etag"]):
        status, headers, body = get(front["base"] + path, {"If-None-Match": tag})
        assert (status, body, headers["etag"]) == (304, b"", by_nginx["etag"])
        assert from_files(headers)


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("GET", {"Range": "bytes=0-9"}),
        ("GET", {"If-Match": '"another"'}),
        ("GET", {"If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}),
        ("POST", {}),
        ("GET", {"Host": "elsewhere.example"}),
    ],
    ids=["range", "if-match", "if-unmodified-since", "post", "unknown-host"],
)
def test_what_only_the_app_answers_goes_to_the_app(front, method, headers):
    """nginx sends a tile's file only where it answers as the app does: GET or HEAD from an
    allowed host without conditions other than If-None-Match. The rest reaches the app, and the
    answer is the one the app gives directly."""
    ParcelFactory(reference="TF 8/C", geom=rect(0, 0, 100, 100))
    path = tile("parcels")
    get(front["base"] + path)  # computed and stored by the app
    status, cached, _ = get(front["base"] + path)
    assert status == 200 and from_files(cached)
    status, _, _ = get(front["base"] + path, method="HEAD")
    assert status == 200  # HEAD is answered from the file too
    through, through_headers, through_body = get(front["base"] + path, headers, method)
    direct, _, direct_body = get(front["app"] + path, headers, method)
    assert not from_files(through_headers)
    assert through == direct and through_body == direct_body


def test_a_committed_write_reaches_the_next_request_through_nginx(front):
    parcel = ParcelFactory(reference="TF 1/C", geom=rect(0, 0, 100, 100))
    path = tile("parcels")
    get(front["base"] + path)
    status, first, _ = get(front["base"] + path)
    assert status == 200 and from_files(first)
    link = front["live"] / "parcels"
    before = os.readlink(link)
    parcel.reference = "TF 2/C"
    parcel.save()  # committed: the test runs outside a transaction
    wait_until(lambda: os.readlink(link) != before, what="the listener re-pointing the link")
    status, second, body = get(front["base"] + path, {"If-None-Match": first["etag"]})
    assert status == 200 and second["etag"] != first["etag"]
    assert decode(body)["parcels"]["features"][0]["properties"]["reference"] == "TF 2/C"
    assert not from_files(second)  # the new version computed by the app
    status, third, _ = get(front["base"] + path, {"If-None-Match": first["etag"]})
    assert status == 200 and from_files(third)  # the old ETag no longer matches the new file
    status, fourth, _ = get(front["base"] + path, {"If-None-Match": second["etag"]})
    assert status == 304 and from_files(fourth)


def test_internal_layers_and_empty_tiles_are_answered_by_the_app(front):
    CitizenReportFactory()
    path = tile("citizen-reports")
    for _ in range(2):
        status, headers, _ = get(front["base"] + path)
        assert status == 404 and headers["content-type"] == "application/problem+json"
        assert not from_files(headers)
    assert not (front["live"] / "citizen-reports").exists()
    z, x, y = origin_tile(16)
    empty = f"/tiles/parcels/{z}/{x + 3}/{y}.mvt"
    for _ in range(2):
        status, headers, _ = get(front["base"] + empty)
        assert status == 204 and not from_files(headers)


def test_a_stopped_listener_leaves_nginx_nothing_to_send(front):
    ParcelFactory(geom=rect(0, 0, 100, 100))
    path = tile("parcels")
    get(front["base"] + path)
    pid = int((front["var"] / "front" / "listener.pid").read_text())
    os.kill(pid, 15)
    wait_until(lambda: not (front["live"] / "parcels").exists(), what="the links removed")
    status, headers, _ = get(front["base"] + path)
    assert status == 200 and not from_files(headers)  # asked of the app again
