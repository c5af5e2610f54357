"""The short load test (``bench/loadtest.py``): 10 users for 10 s against gunicorn, reads on a real
standby, one worker killed; then every write answered 2xx is in the database and its history, no
note number was issued twice, and no request failed outside the killed worker's moment."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT, live_database_url
from tests.factories import ParcelFactory, ZoneFactory, rect

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, databases=["default", "replica_1"]),
]


def test_short_load_test_with_a_worker_killed(test_standby, manage_env, tmp_path):
    ZoneFactory(geom=rect(-500, -500, 4000, 1000))
    for n in range(30):  # side by side, 100 m apart, in the zone
        ParcelFactory(reference=f"TF {500 + n}/C", geom=rect(n * 110, 0, 100, 100))
    test_standby.catch_up()
    out = tmp_path / "results"
    command = [
        sys.executable, str(REPO_ROOT / "bench" / "loadtest.py"),
        "--users", "10", "--duration", "10", "--faults", "worker", "--workers", "3",
        "--database-url", live_database_url(), "--replicas", test_standby.url, "--out", str(out),
    ]  # fmt: skip
    env = {**manage_env, "GEOPORTAL_DB_CONN_MAX_AGE": "0"}
    result = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    report = json.loads((out / "loadtest.json").read_text())
    checks = report["checks"]
    assert checks["passed"] is True
    assert checks["edits answered 2xx"] > 0
    assert checks["edits missing from the database"] == 0
    assert checks["edits missing from the history"] == 0
    assert checks["note numbers issued twice (201 answers)"] == 0
    assert checks["failed requests outside every fault window"] == 0
    assert [f["fault"] for f in report["faults"]] == ["worker"]
    requests = {row["kind"]: row["requests"] for row in report["figures"]}
    assert {"tile", "ogc items", "search", "note preview", "planner edit"} <= set(requests)
    # The figures are the run's final ones: every edit the journal holds is counted there too,
    # the last second's among them.
    assert requests["planner edit"] >= checks["edits answered 2xx"]
    assert requests["Aggregated"] == sum(n for kind, n in requests.items() if kind != "Aggregated")
    assert (out / "loadtest.md").read_text().startswith("# Load and fault test")
