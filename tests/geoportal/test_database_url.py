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

from tests.conftest import REPO_ROOT


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
        with psycopg.connect(f"{base}/{s['NAME']}", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS elsewhere_gis WITH (FORCE)")
