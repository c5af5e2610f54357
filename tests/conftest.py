"""Shared fixtures. Per-area fixture modules are registered here."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup) -> Iterator[None]:
    """pytest-django's test database; before it is dropped, close the connections pygeoapi
    (``/ogc``) opened to it on its own."""
    yield
    from ogc.api import reset_apis

    reset_apis()


@pytest.fixture
def manage_env() -> dict[str, str]:
    """Environment for running ``manage.py`` or gunicorn in a subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["DJANGO_SETTINGS_MODULE"] = "geoportal.settings"
    return env


@pytest.fixture
def run_manage(manage_env):
    def run(*args: str, env: dict[str, str] | None = None, check: bool = True):
        return subprocess.run(
            [sys.executable, str(REPO_ROOT / "manage.py"), *args],
            cwd=REPO_ROOT,
            env={**manage_env, **(env or {})},
            capture_output=True,
            text=True,
            check=check,
            timeout=600,
        )

    return run


@pytest.fixture
def live_gunicorn(transactional_db, manage_env) -> Iterator[str]:
    """The production server (gunicorn) on a free port, against the test database."""
    from django.db import connection

    s = connection.settings_dict
    url = f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    port = free_port()
    # The server's log goes to a file (a pipe nobody reads would stall a talkative server) and is
    # shown when the server does not come up.
    log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "geoportal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "4"]
    env = {**manage_env, "DATABASE_URL": url, "GEOPORTAL_DB_CONN_MAX_AGE": "0"}
    proc = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for_http(base + "/healthz")
        except TimeoutError:
            raise TimeoutError(Path(log.name).read_text()[-5000:]) from None
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        Path(log.name).unlink(missing_ok=True)
