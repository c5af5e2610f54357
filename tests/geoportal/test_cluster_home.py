"""The private cluster comes up from a clone in any folder: root's home, a ``mktemp -d`` folder
(both mode 0700, which the ``postgres`` OS user cannot enter), or a user's own folder."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import REPO_ROOT, free_port

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (runuser, the postgres user)")


def server_process_user(datadir: Path) -> str:
    """The OS user running the postmaster whose pid file is in ``datadir``."""
    pid = (datadir / "postmaster.pid").read_text().splitlines()[0]
    uid = Path(f"/proc/{pid}").stat().st_uid
    return pwd.getpwuid(uid).pw_name


def private_folder(where: str) -> Path:
    """A new folder only its owner may enter, where a user would put a clone."""
    base = {"home": Path.home(), "tmp": None}[where]
    folder = Path(tempfile.mkdtemp(prefix="casa-clone-", dir=base))
    assert folder.stat().st_mode & 0o777 == 0o700
    return folder


@pytest.fixture(params=["home", "tmp"])
def private_clone(request) -> Iterator[Path]:
    folder = private_folder(request.param)
    clone = folder / "casa"
    subprocess.run(
        ["git", "clone", "--quiet", "--local", str(REPO_ROOT), str(clone)],
        check=True,
        capture_output=True,
    )
    # The clone is run with this checkout's virtual environment (building another would take
    # minutes and is not under test): its pyproject.toml is made older than that environment's
    # stamp, so make does not reinstall the environment from the clone.
    os.utime(clone / "pyproject.toml", (0, 0))
    yield clone
    subprocess.run(
        [sys.executable, "-m", "geoportal.cluster", "destroy"],
        cwd=clone,
        env=clone_env(clone, port=0),
        capture_output=True,
    )
    shutil.rmtree(folder, ignore_errors=True)


def clone_env(clone: Path, port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST", "GEOPORTAL_", "DJANGO_")) and k != "DATABASE_URL"
    }
    if port:
        env["GEOPORTAL_DB_PORT"] = str(port)
    return env


@as_root
def test_make_db_brings_the_cluster_up_from_a_clone_in_a_private_folder(private_clone):
    clone = private_clone
    port = free_port()
    proc = subprocess.run(
        ["make", "db", f"VENV={Path(sys.executable).parent.parent}"],
        cwd=clone,
        env=clone_env(clone, port),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ready" in proc.stdout

    # The postgres user cannot enter the clone: its files live in that user's home, and
    # var/pgdata of the clone leads to them.
    link = clone / "var" / "pgdata"
    assert link.is_symlink()
    datadir = link.resolve()
    server_home = Path(pwd.getpwnam("postgres").pw_dir)
    assert datadir.is_relative_to(server_home / "geoportal")
    assert datadir.name == "pgdata"
    assert server_process_user(datadir) == "postgres"

    password = (clone / "var" / "db-password").read_text().strip()
    url = f"postgresql://geoportal:{password}@127.0.0.1:{port}/geoportal"
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT postgis_lib_version()").fetchone()[0].startswith("3.")
        port_line = (datadir / "postmaster.pid").read_text().splitlines()[3]
        assert int(port_line) == port  # the server answering is the one of that data folder

    # A second `make db` finds the running cluster through the link.
    again = subprocess.run(
        ["make", "db", f"VENV={Path(sys.executable).parent.parent}"],
        cwd=clone,
        env=clone_env(clone, port),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stdout + again.stderr

    # `destroy` (what `make clean` calls) removes the data outside the clone too.
    destroyed = subprocess.run(
        [sys.executable, "-m", "geoportal.cluster", "destroy"],
        cwd=clone,
        env=clone_env(clone, port),
        capture_output=True,
        text=True,
    )
    assert destroyed.returncode == 0, destroyed.stderr
    assert not datadir.parent.exists()
    assert not link.exists() and not link.is_symlink()


@as_root
def test_a_non_root_users_cluster_runs_as_that_user_in_its_own_folder():
    user = "nobody"
    folder = Path(tempfile.mkdtemp(prefix="casa-user-"))
    shutil.chown(folder, user)
    # The module uses the standard library only; a copy in the user's folder runs with Debian's
    # Python, which any user may execute (this checkout and its venv may be in root's home).
    shutil.copy(REPO_ROOT / "geoportal" / "cluster.py", folder / "cluster.py")
    var = folder / "var"
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "GEOPORTAL_VAR_DIR": str(var), "GEOPORTAL_DB_PORT": str(port)}
    run = ["/usr/sbin/runuser", "-u", user, "--", "/usr/bin/python3", str(folder / "cluster.py")]
    try:
        proc = subprocess.run([*run, "ensure"], env=env, capture_output=True, text=True, cwd="/")
        assert proc.returncode == 0, proc.stderr
        datadir = var / "pgdata"
        assert datadir.is_dir() and not datadir.is_symlink()
        assert datadir.stat().st_uid == pwd.getpwnam(user).pw_uid
        assert server_process_user(datadir) == user
        password = (var / "db-password").read_text().strip()
        url = f"postgresql://geoportal:{password}@127.0.0.1:{port}/geoportal"
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            assert row.fetchone() == (False,)
            owner = conn.execute(
                "SELECT r.rolname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba "
                "WHERE d.datname = 'template1'"
            ).fetchone()[0]
            assert owner == user  # the cluster's superuser is the OS user who made it
    finally:
        subprocess.run([*run, "stop"], env=env, capture_output=True, cwd="/")
        shutil.rmtree(folder, ignore_errors=True)
