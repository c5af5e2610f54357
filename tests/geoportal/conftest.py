"""A real hot standby of the test cluster, for the tests of read routing and of the load test."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from geoportal.cluster import Cluster
from tests.conftest import free_port

ALIAS = "replica_1"


@dataclass
class Standby:
    """The standby's Django alias, its cluster (for pg_ctl and superuser SQL) and its URL."""

    alias: str
    cluster: Cluster
    primary: Cluster
    url: str

    def sql(self, statement: str) -> str:
        return self.cluster.psql(statement)

    def pause(self) -> None:
        self.sql("SELECT pg_wal_replay_pause();")

    def resume(self) -> None:
        self.sql("SELECT pg_wal_replay_resume();")

    def catch_up(self, timeout: float = 30.0) -> None:
        """Wait until the standby has replayed everything the primary has written so far."""
        target = self.primary.psql("SELECT pg_current_wal_lsn();")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn;")
            if done == "t":
                return
            time.sleep(0.05)
        raise TimeoutError(f"the standby did not replay up to {target} in {timeout} s")


@pytest.fixture(scope="session")
def test_standby(django_db_setup, django_db_blocker) -> Iterator[Standby]:
    """A hot standby of the test cluster, made with ``pg_basebackup`` once the test database
    exists (a physical standby streams every database), declared to Django as ``replica_1``.
    Nothing reads from it unless a test lists it in ``settings.REPLICAS["ALIASES"]``: the other
    tests' data is not committed, so not on the standby.

    With ``DATABASE_URL`` there is no private cluster to copy: the tests that need a standby are
    then skipped with that reason (listed by ``-ra``), never run without one. The copy is of the
    whole cluster: a few seconds for the test databases, longer beside a large demo city."""
    from django.conf import settings
    from django.db import connections

    if os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL: the standby is made with pg_basebackup of the private cluster")
    primary = Cluster.from_env()
    test_db = connections["default"].settings_dict["NAME"]
    name = "replica-" + re.sub(r"[^a-z0-9_]", "_", test_db.lower())
    slot = "test_" + re.sub(r"[^a-z0-9_]", "_", test_db.lower())
    standby = primary.replica(port=free_port(), name=name)
    standby.drop_standby(primary, slot)  # one left by a run that was killed
    standby.create_standby(primary, slot)
    standby.start()
    # The standby's Django alias: the test database's settings on the standby's port. A test
    # mirror for Django's test cases, so that they never flush it (it is read-only; the
    # primary's flush reaches it by replication).
    replica = {**connections["default"].settings_dict, "PORT": str(standby.port)}
    replica["TEST"] = {**replica.get("TEST", {}), "MIRROR": "default"}
    replica["OPTIONS"] = {**replica.get("OPTIONS", {}), "connect_timeout": 2}
    settings.DATABASES[ALIAS] = replica
    connections.settings[ALIAS] = replica
    s = replica
    url = f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{standby.port}/{s['NAME']}"
    try:
        yield Standby(ALIAS, standby, primary, url)
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
        connections.settings.pop(ALIAS, None)  # Django's handler may hold settings.DATABASES
        settings.DATABASES.pop(ALIAS, None)
        standby.drop_standby(primary, slot)
