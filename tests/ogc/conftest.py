"""Fixtures of the OGC API tests: pygeoapi's own connections reset around each test, users with
and without the layers' permissions, and the production server with links to itself."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token

from ogc.api import reset_apis
from ogc.provider import ENGINES
from tests.conftest import REPO_ROOT, free_port, wait_for_http


@pytest.fixture(autouse=True)
def fresh_apis() -> Iterator[None]:
    """pygeoapi opens its own SQLAlchemy engine on the test database; build the API objects anew
    for each test and close that engine afterwards, or the test database cannot be dropped."""
    reset_apis()
    yield
    reset_apis()


def _user(django_user_model, name: str, *perms: str):
    user = django_user_model.objects.create_user(name, password="pw")
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def planner(transactional_db, django_user_model):
    """May edit parcels and see and edit citizen reports."""
    return _user(
        django_user_model, "planner", "change_parcel", "view_citizenreport", "change_citizenreport"
    )


@pytest.fixture
def viewer(transactional_db, django_user_model):
    """Signed in, without any layer permission."""
    return _user(django_user_model, "viewer")


@pytest.fixture
def token(planner) -> str:
    return Token.objects.create(user=planner).key


@pytest.fixture
def ogc_server(transactional_db, manage_env, request, tmp_path) -> Iterator[str]:
    """gunicorn on a free port against the test database, with ``GEOPORTAL_PUBLIC_URL`` set to
    it, so the OGC documents' links (next pages) lead back to this server. Its log goes to a
    file, shown when the test fails (a pipe that nobody reads would stop the server once full)."""
    from django.db import connection

    s = connection.settings_dict
    url = f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **manage_env,
        "DATABASE_URL": url,
        "GEOPORTAL_DB_CONN_MAX_AGE": "0",
        "GEOPORTAL_PUBLIC_URL": base,
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "geoportal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    command += ["--no-control-socket"]
    log_path = request.node.gunicorn_log = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log
        )
    try:
        wait_for_http(base + "/healthz")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextlib.contextmanager
def statements_run(marker: str) -> Iterator[list[tuple[str, Any]]]:
    """The statements, with their parameters, that the OGC providers' engines run inside the
    block and whose text holds ``marker`` (in lower case). The engines are those open when the
    block starts: make a request to the collection before it."""
    seen: list[tuple[str, Any]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if marker in statement.lower():
            seen.append((statement, parameters))

    from sqlalchemy import event

    engines = list(ENGINES)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", keep)
