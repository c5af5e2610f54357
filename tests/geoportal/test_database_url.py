"""DATABASE_URL points the whole project at another PostGIS; then no private cluster is made."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from geoportal.cluster import drop_database
from tests.conftest import REPO_ROOT, live_database_url


@pytest.mark.django_db
def test_database_url_is_honoured_by_django(run_manage):
    # A database of its own on the same server stands in for "any other PostGIS".
    s = connection.settings_dict
    base = f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}"
    with psycopg.connect(f"{base}/{s['NAME']}", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS elsewhere_gis")
        conn.execute("CREATE DATABASE elsewhere_gis")
    try:
        var = Path(tempfile.mkdtemp(prefix="geoportal-var-"))
        env = {"DATABASE_URL": f"{base}/elsewhere_gis", "GEOPORTAL_VAR_DIR": str(var)}
        code = (
            "from django.db import connection as c; c.ensure_connection(); "
            "print(c.cursor().connection.execute('select current_database()').fetchone()[0])"
        )
        proc = run_manage("shell", "-c", code, env=env)
        assert proc.stdout.strip().splitlines()[-1] == "elsewhere_gis"
        # The set-up step only checks the outside server; it creates no private cluster.
        ensure = subprocess.run(
            [sys.executable, "-m", "geoportal.cluster", "ensure"],
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
        )
        assert ensure.returncode == 0, ensure.stderr
        assert "no private cluster" in ensure.stdout
        assert not (var / "pgdata").exists()
    finally:
        drop_database(f"{base}/{s['NAME']}", "elsewhere_gis")


@pytest.mark.django_db
def test_a_database_is_dropped_with_a_session_still_in_it():
    """``geoportal.cluster.drop_database`` (the benches' scratch databases, the tests' own): a
    session of the role left in the database is ended, and the database is gone."""
    from psycopg import sql

    base, _, name = live_database_url().rpartition("/")
    scratch = f"{name}_dropped"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(scratch)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    left_open = psycopg.connect(f"{base}/{scratch}", autocommit=True)
    assert left_open.execute("SELECT current_database()").fetchone() == (scratch,)
    try:
        drop_database(f"{base}/postgres", scratch)
        drop_database(f"{base}/postgres", scratch)  # gone already: nothing to do
    finally:
        left_open.close()
    with psycopg.connect(f"{base}/postgres") as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [scratch]).fetchall()
    assert found == []
