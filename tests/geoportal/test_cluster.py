"""The private PostgreSQL cluster: created, started, stopped and restarted with its data."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from geoportal.cluster import Cluster, ClusterError, check_database_url
from tests.conftest import REPO_ROOT, free_port


@pytest.fixture
def scratch_cluster():
    # Not under pytest's tmp_path: the postgres OS user must be able to reach the folder.
    root = Path(tempfile.mkdtemp(prefix="geoportal-cluster-"))
    root.chmod(0o755)
    cluster = Cluster(root=root, port=free_port())
    yield cluster
    cluster.stop()
    shutil.rmtree(root, ignore_errors=True)


def test_lifecycle_start_stop_restart_keeps_data(scratch_cluster):
    cluster = scratch_cluster
    assert not cluster.initialized()
    cluster.ensure()
    assert cluster.running()
    url = cluster.database_url()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT postgis_lib_version()").fetchone()[0].startswith("3.")
        conn.execute("CREATE TABLE kept (id int primary key, label text)")
        conn.execute("INSERT INTO kept VALUES (1, 'Anfa'), (2, 'Maârif')")

    cluster.stop()
    assert not cluster.running()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)

    cluster.ensure()  # a second ensure restarts and skips what is done
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT label FROM kept ORDER BY id").fetchall()
    assert rows == [("Anfa",), ("Maârif",)]
    # template1 carries PostGIS, so databases created by the app role (tests) get it.
    with psycopg.connect(url) as conn:
        conn.autocommit = True
        conn.execute("CREATE DATABASE child")
    with psycopg.connect(cluster.database_url("child")) as conn:
        assert (
            conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'").fetchone()[
                0
            ]
            == 1
        )


def test_the_app_role_is_not_a_superuser(scratch_cluster):
    scratch_cluster.ensure()
    with psycopg.connect(scratch_cluster.database_url()) as conn:
        assert conn.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone() == (False,)


def test_a_taken_port_is_refused_with_a_clear_message(scratch_cluster):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", scratch_cluster.port))
        squatter.listen()
        with pytest.raises(ClusterError, match=r"port \d+ is already taken.*GEOPORTAL_DB_PORT"):
            scratch_cluster.ensure()
    assert not scratch_cluster.running()


def test_the_command_line_prints_an_error_not_a_traceback(scratch_cluster):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", scratch_cluster.port))
        squatter.listen()
        proc = subprocess.run(
            [sys.executable, "-m", "geoportal.cluster", "ensure"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            env={
                **os.environ,
                "GEOPORTAL_VAR_DIR": str(scratch_cluster.root),
                "GEOPORTAL_DB_PORT": str(scratch_cluster.port),
            },
        )
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: port")
    assert "Traceback" not in proc.stderr


def test_a_bad_port_setting_is_refused(monkeypatch):
    monkeypatch.setenv("GEOPORTAL_DB_PORT", "eighty")
    with pytest.raises(ClusterError, match="GEOPORTAL_DB_PORT"):
        Cluster.from_env()


def test_database_url_without_postgis_gets_a_clear_error(scratch_cluster):
    scratch_cluster.ensure()
    with psycopg.connect(scratch_cluster.database_url()) as conn:
        conn.autocommit = True
        conn.execute("CREATE DATABASE bare TEMPLATE template0")
    with pytest.raises(ClusterError, match="no PostGIS"):
        check_database_url(scratch_cluster.database_url("bare"))
    with pytest.raises(ClusterError, match="cannot connect"):
        check_database_url(f"postgresql://nobody@127.0.0.1:{free_port()}/none")
