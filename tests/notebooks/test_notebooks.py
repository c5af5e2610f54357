"""The analysis notebooks in ``notebooks/`` run, cell by cell, against the test database and a
live server's OGC API (nbclient, a real Jupyter kernel), so they cannot rot; and they are kept
in git without outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, live_database_url
from tests.factories import ZoneFactory, ZoneRegulationFactory, rect
from tests.indicators.conftest import make_known_city
from tests.ogc.conftest import ogc_server  # noqa: F401  (the fixture)

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_the_three_analyses():
    assert {p.stem for p in NOTEBOOKS} >= {"city_overview", "road_condition", "zoning_capacity"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_output_is_committed(path: Path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: strip the outputs before committing"
            assert cell.execution_count is None


@pytest.fixture
def city_with_plan(transactional_db, django_db_blocker) -> None:
    make_known_city()
    # a zone over West's southern half (2,000 x 1,000 m), COS 2.4 and CES 0.6
    ZoneFactory(regulation=ZoneRegulationFactory(cos=2.4, ces=0.6), geom=rect(0, 0, 2000, 1000))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, city_with_plan, ogc_server, manage_env):  # noqa: F811
    notebook = nbformat.read(path, as_version=4)
    env = {
        **manage_env,
        "DATABASE_URL": live_database_url(),
        "GEOPORTAL_URL": ogc_server,
        "GEOPORTAL_PUBLIC_URL": ogc_server,
    }
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute(env=env)  # raises CellExecutionError, with the cell and its traceback
