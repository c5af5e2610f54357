"""The secret key: generated once into var/ for a local run, required from the environment in
production (several servers must share it), where a missing key stops start-up."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.conf import settings

from geoportal.settings.env import is_production

PUBLIC_HOSTS = "geoportail.example.ma,127.0.0.1"


@pytest.mark.parametrize(
    ("debug", "hosts", "expected"),
    [
        (False, ["127.0.0.1", "localhost"], False),  # make run
        (False, ["::1", "[::1]", "testserver"], False),
        (False, [], False),
        (False, ["geoportail.example.ma", "127.0.0.1"], True),
        (False, ["*"], True),
        (True, ["geoportail.example.ma"], False),  # debug is never production
    ],
)
def test_production_is_debug_off_with_a_public_host(debug, hosts, expected):
    assert is_production(debug, hosts) is expected


def check_env(var: Path, **extra: str) -> dict[str, str]:
    """A var/ of its own (where a generated key would go), the same database, no key given."""
    return {
        "GEOPORTAL_VAR_DIR": str(var),
        "DATABASE_URL": settings.DATABASE_URL,
        "GEOPORTAL_SECRET_KEY": "",
        **extra,
    }


def test_production_without_a_key_stops_with_a_clear_message(run_manage, tmp_path):
    env = check_env(tmp_path, GEOPORTAL_DEBUG="false", GEOPORTAL_ALLOWED_HOSTS=PUBLIC_HOSTS)
    proc = run_manage("check", env=env, check=False)
    assert proc.returncode != 0
    assert "ImproperlyConfigured" in proc.stderr
    assert "GEOPORTAL_SECRET_KEY is not set" in proc.stderr
    assert "secrets.token_urlsafe(50)" in proc.stderr  # how to make one
    assert not (tmp_path / "secret_key").exists()  # no key of its own was made


def test_production_with_a_key_starts_and_writes_none(run_manage, tmp_path):
    env = check_env(
        tmp_path,
        GEOPORTAL_DEBUG="false",
        GEOPORTAL_ALLOWED_HOSTS=PUBLIC_HOSTS,
        GEOPORTAL_SECRET_KEY="k" * 50,
    )
    proc = run_manage(
        "shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", env=env
    )
    assert proc.stdout.strip().splitlines()[-1] == "k" * 50
    assert not (tmp_path / "secret_key").exists()


def test_local_run_generates_one_key_and_keeps_it(run_manage, tmp_path):
    env = check_env(
        tmp_path, GEOPORTAL_DEBUG="false", GEOPORTAL_ALLOWED_HOSTS="127.0.0.1,localhost"
    )
    assert run_manage("check", env=env, check=False).returncode == 0
    key_file = tmp_path / "secret_key"
    key = key_file.read_text().strip()
    assert len(key) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    proc = run_manage(
        "shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", env=env
    )
    assert proc.stdout.strip().splitlines()[-1] == key  # the same key on the next start


def test_processes_starting_at_once_agree_on_one_key(tmp_path):
    """gunicorn's workers and a command beside them may all find no key file: each must end with
    the same key, the one in the file, and leave no half-written file behind."""
    import subprocess
    import sys
    import time

    env = {
        **check_env(tmp_path, GEOPORTAL_DEBUG="false", GEOPORTAL_ALLOWED_HOSTS="127.0.0.1"),
        "PATH": "/usr/bin:/bin",
    }
    # every process waits for the same instant, then reads its settings
    start = time.time() + 3
    code = (
        f"import time; time.sleep(max(0, {start} - time.time())); import importlib; "
        "print(importlib.import_module('geoportal.settings.env').SECRET_KEY)"
    )
    root = Path(__file__).resolve().parents[2]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], cwd=root, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(16)
    ]
    keys = {proc.communicate(timeout=120)[0].strip() for proc in procs}
    assert all(proc.returncode == 0 for proc in procs)
    assert keys == {(tmp_path / "secret_key").read_text().strip()}
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]
