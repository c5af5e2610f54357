"""Settings of the queue's workers that the tests start (``queue_worker`` in ``conftest.py``):
the production settings, with a worker that says it is alive twice a second and is taken for
dead after five seconds of silence, and the hold file of ``tests/ingest/test_queue.py`` (a run
waits after its writes, before its commit, while that file exists), named by the environment."""

from __future__ import annotations

import os

from geoportal.settings import *  # noqa: F403

INGEST = {
    "WORKER_HEARTBEAT_S": 0.5,
    "WORKER_STALLED_AFTER_S": 5.0,
    "WORKER_GRACE_S": 1.0,
    "HOLD_FILE": os.environ.get("GEOPORTAL_TEST_HOLD_FILE") or None,
}
