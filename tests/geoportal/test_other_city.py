"""Another city is settings alone: the core of the suite (models and history, the e-renseignement
overlay on hand-made geometries, OGC API reads, vector tiles, and what the portal shows of its
city) runs again in a subprocess with ``tests/othercity_settings.py`` (Marrakech, EPSG:26192), on
a test database of its own, built by the same migrations."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

OTHER_SETTINGS = "tests.othercity_settings"
CORE = [
    "tests/geoportal/test_city_settings.py",
    "tests/layers/test_models.py",
    "tests/layers/test_history.py",
    "tests/renseignement/test_selectors.py",
    "tests/ogc/test_read.py",
    "tests/tiles/test_mvt.py",
    "tests/tiles/test_vector.py",
]
# Its expected extent and width are worked out for Casablanca's latitude and meridian convergence.
CASABLANCA_ONLY = [
    "tests/layers/test_history.py::test_the_as_of_command_writes_the_past_layer_as_geojson",
]


def other_city_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    own = env.get("GEOPORTAL_TEST_DB", "test_geoportal").removeprefix("test_")
    env["GEOPORTAL_TEST_DB"] = f"test_othercity_{own}"
    env["DJANGO_SETTINGS_MODULE"] = OTHER_SETTINGS
    return env


def test_the_other_city_passes_the_checks_and_needs_no_new_migration(run_manage):
    env = {"DJANGO_SETTINGS_MODULE": OTHER_SETTINGS}
    assert "no issues" in run_manage("check", env=env).stdout  # derived values follow its GIS
    proc = run_manage("makemigrations", "--check", "--dry-run", env=env)
    assert "No changes detected" in proc.stdout  # the migrations read the SRID from settings


@pytest.mark.slow
def test_the_core_of_the_suite_passes_in_another_city():
    deselect = [arg for test in CASABLANCA_ONLY for arg in ("--deselect", test)]
    command = [sys.executable, "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider"]
    command += ["--ds", OTHER_SETTINGS, "--create-db", "-q", "-ra", *deselect, *CORE]
    proc = subprocess.run(
        command, cwd=REPO_ROOT, env=other_city_env(), capture_output=True, text=True, timeout=1800
    )
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) >= 80, summary
    assert "failed" not in summary and "error" not in summary, summary
