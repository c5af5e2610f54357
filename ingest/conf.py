"""Ingest options: ``settings.INGEST`` (a namespaced dict, optional) over these defaults."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Unpacking uploaded archives.
    "MAX_UNPACKED_BYTES": 2 * 2**30,  # total size a zip may expand to
    "MAX_COMPRESSION_RATIO": 200,  # uncompressed / compressed, per member and overall
    "MAX_ZIP_MEMBERS": 1000,
    # Validation.
    "REPAIR_TOLERANCE_M": 0.5,  # a repaired geometry may move at most this far (Hausdorff distance)
    "MAX_ABS_COORDINATE": 1e8,  # coordinates beyond this (in any projected CRS) are absurd
    # Web.
    "PREVIEW_FEATURES": 200,  # features drawn on the web preview map
    "TEMP_BUFFERS": "256MB",  # memory for the staging tables (PostgreSQL temp_buffers)
    "WORK_MEM": "64MB",  # memory for the checks' sorts and hashes (PostgreSQL work_mem)
    "COPY_CHUNK_ROWS": 20000,  # rows per COPY chunk (one progress step)
    "PROGRESS_INTERVAL_S": 0.25,  # how often the final write's progress is read
    # A write of at least this many features into an empty layer table builds the table's
    # indexes after it, from all the rows at once (ingest.writers._first_fill).
    "BULK_INDEX_MIN_ROWS": 10000,
    # The queue's worker, which runs the web ingests.
    "WORKER_HEARTBEAT_S": 10.0,  # a worker says it is alive this often
    "WORKER_STALLED_AFTER_S": 30.0,  # silent this long, it is dead: its job is failed
    "WORKER_GRACE_S": 10.0,  # a stopping worker lets its running ingest finish this long, then
    # stops it (rolled back, reported failed)
    # Tests: while this file exists, a web run waits after its writes, before its commit, and a
    # cancel still stops it there. None (the default) never waits.
    "HOLD_FILE": None,
}


def option(name: str) -> Any:
    """One ingest option, from ``settings.INGEST`` if set there, else the default."""
    return {**DEFAULTS, **getattr(settings, "INGEST", {})}[name]


def upload_max_bytes() -> int:
    return int(settings.UPLOAD_MAX_BYTES)
