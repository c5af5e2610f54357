"""The tests write to their own database only, also when the tests selected declare none."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.db import connection

from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def database_name(django_db_setup, django_db_blocker) -> str:
    """The database a module fixture reaches by itself, as the demo city's does."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        return str(cursor.fetchone()[0])


def test_a_module_fixture_reaches_the_test_database(database_name):
    """Not marked ``django_db``: run alone (below), no selected test declares a database."""
    assert database_name == connection.settings_dict["TEST"]["NAME"]
    assert database_name != "geoportal"  # the development database's name


@pytest.mark.slow
def test_so_it_does_when_it_is_the_only_test_selected(manage_env):
    """As ``pytest -k`` or a node id would run it. Before the guard in ``tests/conftest.py``, the
    connection stayed on the development database: a run of the demo's two command tests alone
    emptied a developer's demo city."""
    env = dict(manage_env)
    del env["DJANGO_SETTINGS_MODULE"]  # the test settings, from pyproject.toml
    node = f"{__file__}::test_a_module_fixture_reaches_the_test_database"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", node],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "1 passed" in run.stdout
