"""Web ingests run in a background thread; progress and the report are stored on the
:class:`IngestJob` row, which the page polls through a JSON endpoint."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, close_old_connections, connection, connections
from psycopg import sql

from layers.common.errors import GisError, IngestError

from .actions import ingest_file
from .models import RASTER, IngestJob
from .options import IngestOptions

log = logging.getLogger(__name__)


def run_job(job_id: Any) -> None:
    """Run one job to its end (in whatever thread calls it); never raises. Progress goes through
    a second connection, outside the ingest's transaction, so the page sees it while it runs."""
    close_old_connections()
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        job = IngestJob.objects.get(pk=job_id)
        last = [0.0]
        table = sql.Identifier(IngestJob._meta.db_table)
        update = sql.SQL(
            "UPDATE {} SET stage = %s, done = %s, total = %s, updated_at = now() WHERE id = %s"
        )

        def progress(stage: str, done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] < 0.3 and done < total:
                return
            last[0] = now
            with side.cursor() as cur:
                cur.execute(update.format(table), [stage, done, total, job.pk])

        try:
            options = IngestOptions.from_dict(job.options)
            target = options.raster_name if job.layer == RASTER else job.layer
            if not target:
                raise IngestError("a GeoTIFF needs the name of the raster layer it becomes")
            report = ingest_file(
                Path(job.path),
                target,
                options,
                actor=job.user.get_username() if job.user else "",
                report_dir=Path(job.path).parent,
                progress=progress,
            )
        except GisError as exc:
            IngestJob.objects.filter(pk=job.pk).update(
                status=IngestJob.Status.FAILED, error=str(exc)
            )
            return
        except Exception:
            log.exception("ingest job %s failed", job.pk)
            IngestJob.objects.filter(pk=job.pk).update(
                status=IngestJob.Status.FAILED, error="internal error: see the server log"
            )
            return
        IngestJob.objects.filter(pk=job.pk).update(
            status=report.status,
            report=report.as_dict(),
            stage="",
            done=report.read,
            total=report.read,
        )
    finally:
        side.close()
        connection.close()


def start_job(job: IngestJob) -> threading.Thread | None:
    """Mark the job running and run it in a background thread; ``None`` when it is already
    running (a second click does not start a second load)."""
    started = (
        IngestJob.objects.filter(pk=job.pk)
        .exclude(status=IngestJob.Status.RUNNING)
        .update(
            status=IngestJob.Status.RUNNING, stage="queued", done=0, total=0, error="", report=None
        )
    )
    if not started:
        return None
    thread = threading.Thread(target=run_job, args=(job.pk,), name=f"ingest-{job.pk}", daemon=True)
    thread.start()
    return thread
