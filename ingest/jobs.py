"""Web ingests run in the job queue (procrastinate, in the platform's database), one at a time
by the queue's worker (``make worker``, ``manage.py ingest_worker``). ``start_job`` queues a
job, the worker runs it with ``run_job``, ``cancel_job`` stops it, ``fail_stalled_jobs`` reports
failed the jobs a dead worker left. Progress and the report are stored on the
:class:`IngestJob` row, which the page polls through a JSON endpoint.

A run writes the layer and its job's final state in one transaction: when a run is stopped
(cancelled, its worker stopped or killed, its machine restarted), the layer is as it was, and
the job says so and can be run again."""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    close_old_connections,
    connections,
    transaction,
)
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from procrastinate import JobContext
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector
from procrastinate.exceptions import JobAborted
from procrastinate.job_context import AbortReason
from procrastinate.jobs import Status as QueueStatus
from procrastinate.manager import JobManager
from psycopg import sql

from layers.common.errors import GisError, IngestError

from .actions import ingest_file
from .conf import option
from .models import RASTER, IngestJob
from .options import IngestOptions

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

log = logging.getLogger(__name__)

QUEUE = "ingest"
TASK = "ingest.run_job"

WORKER_STOPPED = gettext_noop(
    "the worker running it stopped (%(why)s); nothing was written: run it again"
)


class _Stopped(Exception):
    """A run stopped before its end; its transaction is rolled back. ``status`` and ``error``
    are what its job reports (``error`` None: the job already says what happened)."""

    def __init__(self, status: IngestJob.Status, error: str | None) -> None:
        super().__init__(error or status)
        self.status = status
        self.error = error


def queue_manager() -> JobManager:
    """The queue, through Django's connection of this thread: its reads and writes are part of
    the caller's transaction (the worker's own connections are its pool's)."""
    return JobManager(DjangoConnector(alias=DEFAULT_DB_ALIAS))


@app.task(name=TASK, queue=QUEUE, pass_context=True)
def run_ingest_job(context: JobContext, job_id: str) -> None:
    run_job(uuid.UUID(job_id), context.abort_reason)


def start_job(job: IngestJob) -> int | None:
    """Mark the job running and queue it; the queue's job id, or ``None`` when it is already
    running (a second click does not start a second load). The job is queued by the caller's
    transaction: it runs once that transaction is committed, never when it is rolled back."""
    with transaction.atomic():
        started = (
            IngestJob.objects.filter(pk=job.pk)
            .exclude(status=IngestJob.Status.RUNNING)
            .update(
                status=IngestJob.Status.RUNNING,
                stage="queued",
                done=0,
                total=0,
                error="",
                report=None,
                cancelled_by="",
            )
        )
        if not started:
            return None
        queue_job_id = run_ingest_job.defer(job_id=str(job.pk))
        IngestJob.objects.filter(pk=job.pk).update(queue_job_id=queue_job_id)
    job.refresh_from_db()
    return queue_job_id


def run_job(
    job_id: uuid.UUID, abort_reason: Callable[[], AbortReason | None] = lambda: None
) -> None:
    """Run one queued job (:func:`_run_job`) in the language of the planner who uploaded it, so
    that its reasons and errors are in that language."""
    lang = IngestJob.objects.filter(pk=job_id).values_list("lang", flat=True).first()
    try:
        with translation.override(lang or settings.LANGUAGE_CODE):
            _run_job(job_id, abort_reason)
    finally:
        _give_back_memory()


def _give_back_memory() -> None:
    """Give the memory a run freed back to the system. The worker lives on after a large
    ingest, whose many small objects leave the C heap mostly free but still held: after a
    million parcels, about 970 MB resident (270 MB before the run), 350-400 MB once glibc's
    ``malloc_trim`` has run. Elsewhere than glibc, nothing is done."""
    gc.collect()
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


def _run_job(
    job_id: uuid.UUID, abort_reason: Callable[[], AbortReason | None] = lambda: None
) -> None:
    """Run one queued job to its end (the worker calls it in a thread of its own). Progress goes
    through a second connection, outside the ingest's transaction, so the page sees it while it
    runs. ``abort_reason`` is the queue's word on stopping: it is read at every progress step.
    A stopped run is recorded on the job, then raises ``JobAborted`` (the queue records it
    aborted); an unexpected error is recorded as an internal error and raised for the log."""
    job = IngestJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status != IngestJob.Status.RUNNING:
        return  # cancelled, failed or deleted while it waited
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    hold = option("HOLD_FILE")
    try:
        last = [0.0]
        table = sql.Identifier(IngestJob._meta.db_table)
        update = sql.SQL(
            "UPDATE {} SET stage = %s, done = %s, total = %s, updated_at = now() "
            "WHERE id = %s AND status = %s"
        ).format(table)

        def stop_if_asked() -> None:
            reason = abort_reason()
            if reason == AbortReason.USER_REQUEST:
                raise _Stopped(IngestJob.Status.CANCELLED, None)
            if reason is not None:
                raise _Stopped(IngestJob.Status.FAILED, _(WORKER_STOPPED) % {"why": _("shut down")})

        def progress(stage: str, done: int, total: int) -> None:
            stop_if_asked()
            now = time.monotonic()
            if now - last[0] >= 0.3 or done >= total:
                last[0] = now
                with side.cursor() as cur:
                    cur.execute(update, [stage, done, total, job.pk, IngestJob.Status.RUNNING])
            if hold and stage == "write" and done >= total:
                while Path(hold).exists():  # tests: a run held after its writes
                    stop_if_asked()
                    time.sleep(0.05)

        try:
            options = IngestOptions.from_dict(job.options)
            target = options.raster_name if job.layer == RASTER else job.layer
            if not target:
                raise IngestError(_("a GeoTIFF needs the name of the raster layer it becomes"))
            with transaction.atomic():
                report = ingest_file(
                    Path(job.path),
                    target,
                    options,
                    actor=job.user.get_username() if job.user else "",
                    user=job.user,
                    report_dir=Path(job.path).parent,
                    progress=progress,
                )
                stop_if_asked()  # a raster load has no progress steps: it is stopped here
                finished = IngestJob.objects.filter(
                    pk=job.pk, status=IngestJob.Status.RUNNING
                ).update(
                    status=report.status,
                    report=report.as_dict(),
                    stage="",
                    done=report.read,
                    total=report.read,
                )
                if not finished:  # reported failed meanwhile (fail_stalled_jobs): keep that
                    raise _Stopped(IngestJob.Status.FAILED, None)
        except _Stopped as stop:
            _end(job, stop.status, stop.error)
            raise JobAborted(str(stop)) from None
        except GisError as exc:
            _end(job, IngestJob.Status.FAILED, str(exc))
        except Exception:
            _end(job, IngestJob.Status.FAILED, _("internal error: see the worker's log"))
            raise
    finally:
        side.close()


def _in_language(lang: str, message: str, **values: object) -> str:
    """``message`` (a source text) translated into the job's language ``lang`` and filled."""
    with translation.override(lang or settings.LANGUAGE_CODE):
        return _(message) % values


def _end(job: IngestJob, status: IngestJob.Status, error: str | None) -> None:
    """Record how a run ended, unless its job already says it ended."""
    running = IngestJob.objects.filter(pk=job.pk, status=IngestJob.Status.RUNNING)
    if error is None and status == IngestJob.Status.CANCELLED:
        by = running.values_list("cancelled_by", flat=True).first() or _("a user")
        error = _("cancelled by %(user)s; nothing was written") % {"user": by}
    if error is not None:
        running.update(status=status, stage="", error=error)


def cancel_job(job: IngestJob, user: AbstractBaseUser | AnonymousUser) -> bool:
    """Cancel a job for ``user``: a queued one is cancelled at once; a running one is asked to
    stop, and its run rolls back at its next progress step and reports itself cancelled. False
    when there is nothing to cancel (the job is not running, or the queue has just ended it)."""
    by = user.get_username()
    with transaction.atomic():
        locked = (
            IngestJob.objects.select_for_update()
            .filter(pk=job.pk, status=IngestJob.Status.RUNNING)
            .first()
        )
        if locked is None or locked.queue_job_id is None:
            return False
        jobs = queue_manager()
        if not jobs.cancel_job_by_id(locked.queue_job_id, abort=True):
            return False
        (queued,) = jobs.list_jobs(id=locked.queue_job_id)
        if queued.status == QueueStatus.CANCELLED.value:  # it had not started
            IngestJob.objects.filter(pk=job.pk).update(
                status=IngestJob.Status.CANCELLED,
                stage="",
                cancelled_by=by,
                error=_in_language(
                    locked.lang,
                    gettext_noop("cancelled by %(user)s; nothing was written"),
                    user=by,
                ),
            )
        else:  # the worker stops it
            IngestJob.objects.filter(pk=job.pk).update(cancelled_by=by)
    job.refresh_from_db()
    return True


def fail_stalled_jobs(job: IngestJob | None = None) -> int:
    """Report failed the running jobs that no worker will finish: those of a worker that stopped
    without a word (killed, crashed, its machine restarted: no heartbeat for
    ``WORKER_STALLED_AFTER_S``), whose transaction was rolled back with its connection, so the
    layer is as it was; and those the queue has ended or lost without their report. ``job``:
    that one only (the page's polling), read again when marked. The number of jobs marked."""
    running = IngestJob.objects.filter(status=IngestJob.Status.RUNNING)
    if job is not None:
        if job.status != IngestJob.Status.RUNNING:
            return 0
        running = running.filter(pk=job.pk)
    jobs = queue_manager()
    stalled_after = float(option("WORKER_STALLED_AFTER_S"))
    stalled: set[int] | None = None
    marked = 0
    # each job's error in its own language; the caller's language back afterwards
    with translation.override(translation.get_language()):
        for pk, queue_job_id, lang in running.values_list("pk", "queue_job_id", "lang"):
            translation.activate(lang or settings.LANGUAGE_CODE)  # the error in the job's language
            if queue_job_id is None:  # started before the queue: its server thread is gone
                error = _("the ingest stopped without finishing; nothing was written: run it again")
            else:
                found = jobs.list_jobs(id=queue_job_id)
                status = found[0].status if found else None
                if status == QueueStatus.TODO.value:
                    continue
                if status == QueueStatus.DOING.value:
                    if stalled is None:
                        stalled_jobs = async_to_sync(jobs.get_stalled_jobs)(
                            task_name=TASK, seconds_since_heartbeat=stalled_after
                        )
                        stalled = {j.id for j in stalled_jobs if j.id is not None}
                    if queue_job_id not in stalled:
                        continue
                    why = _("no sign of life for %(seconds).0f s") % {"seconds": stalled_after}
                    error = _(WORKER_STOPPED) % {"why": why}
                else:
                    ended = status or _("no longer queued")
                    why = _("%(status)s, see the worker's log") % {"status": ended}
                    error = _(WORKER_STOPPED) % {"why": why}
            with transaction.atomic():
                if not running.filter(pk=pk, queue_job_id=queue_job_id).update(
                    status=IngestJob.Status.FAILED, stage="", error=error
                ):
                    continue  # it ended meanwhile
                if stalled and queue_job_id in stalled:
                    async_to_sync(jobs.finish_job_by_id_async)(
                        queue_job_id, QueueStatus.FAILED, delete_job=False
                    )
            marked += 1
        if marked and job is not None:
            job.refresh_from_db()
    return marked


# --- the worker ---------------------------------------------------------------------------------


def serve_worker() -> None:
    """The queue's worker for web ingests, until SIGTERM or SIGINT: it runs the queued ingests
    one at a time and reports failed the jobs of dead workers (at start, then every
    ``WORKER_STALLED_AFTER_S``). On a stop, a running ingest has ``WORKER_GRACE_S`` to finish,
    then is stopped (rolled back, reported failed)."""
    asyncio.run(_serve())


async def _serve() -> None:
    worker_connector = DjangoConnector(alias=DEFAULT_DB_ALIAS).get_worker_connector()
    with app.replace_connector(worker_connector):
        async with app.open_async():
            sweeper = asyncio.create_task(_sweep_stalled_jobs(), name="sweep stalled ingests")
            try:
                await app.run_worker_async(
                    queues=[QUEUE],
                    name="ingest",
                    concurrency=1,
                    update_heartbeat_interval=float(option("WORKER_HEARTBEAT_S")),
                    stalled_worker_timeout=float(option("WORKER_STALLED_AFTER_S")),
                    shutdown_graceful_timeout=float(option("WORKER_GRACE_S")),
                )
            finally:
                sweeper.cancel()


def _sweep() -> int:
    """Report the jobs whose worker died, and remove the raster files their loads left."""
    from ingest.raster import remove_unreferenced_files

    close_old_connections()
    try:
        marked = fail_stalled_jobs()
        remove_unreferenced_files()
        return marked
    finally:
        connections[DEFAULT_DB_ALIAS].close()


async def _sweep_stalled_jobs() -> None:
    while True:
        try:
            marked = await sync_to_async(_sweep)()
        except Exception:  # a database restart does not stop the worker
            log.exception("could not look for stalled ingests")
        else:
            if marked:
                log.warning("%d ingest(s) of a stopped worker reported failed", marked)
        await asyncio.sleep(float(option("WORKER_STALLED_AFTER_S")))
