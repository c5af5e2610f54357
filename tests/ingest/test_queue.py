"""Web ingests in the job queue. Real worker processes (``manage.py ingest_worker``) on the test
database run a job to its end; one is killed (SIGKILL) in the middle of a run, whose job is then
reported failed with its reason, the layer as it was, and runs again; another is stopped
(SIGTERM) with the same outcome. A queued job is cancelled at once, a running one at its next
step, with nothing written. ``make worker``'s launcher starts and stops a worker. In-process:
which running jobs have lost their worker.

A run is held in the middle deterministically: the workers' settings (``tests/queue_settings.py``)
name a hold file, and a run waits after its writes, before its commit, while it exists; the tests
wait for conditions (the job's stage, its status), never for a fixed time."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import connection

from geoportal.cluster import drop_database
from ingest.jobs import QUEUE, queue_manager
from ingest.models import IngestJob
from layers.common.models import HistoryEntry
from layers.parcels.models import Parcel
from tests.conftest import REPO_ROOT, live_database_url
from tests.factories import ParcelFactory
from tests.ingest.conftest import parcels_frame, run_queued_jobs, table_rows, write

pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name")


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 180.0) -> Any:
    """Poll ``condition`` until it is true (a machine busy with other runs is slow)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError(f"waited {timeout:.0f} s for {what}")


def queue_status(job: IngestJob) -> str:
    from procrastinate.contrib.django.models import ProcrastinateJob

    job.refresh_from_db()
    return ProcrastinateJob.objects.get(id=job.queue_job_id).status


def queue_run(client, planner, tmp_path, n: int = 3, **options) -> IngestJob:
    """Upload ``n`` parcels as ``planner`` and queue their load with ``options``."""
    path = write(parcels_frame(n), tmp_path / f"p{n}.gpkg")
    client.force_login(planner)
    with path.open("rb") as fh:
        job_url = client.post("/ingest/", {"layer": "parcels", "file": fh})["Location"]
    assert client.post(job_url, {"action": "run", "mode": "append", **options}).status_code == 302
    job = IngestJob.objects.get(pk=job_url.strip("/").split("/")[-1])
    assert (job.status, job.stage) == ("running", "queued")
    return job


def run_again(client, job: IngestJob, **options) -> None:
    client.post(f"/ingest/{job.pk}/", {"action": "run", "mode": "append", **options})


def final_status(client, job: IngestJob) -> dict:
    """The job's status as the page sees it, once it is no longer running."""

    def ended() -> dict | None:
        status = client.get(f"/ingest/{job.pk}/status.json").json()
        return status if status["status"] != "running" else None

    return wait_until(ended, f"the end of ingest {job.pk}")


def held_in_the_middle(job: IngestJob) -> None:
    """Wait until the run holds after its writes, its transaction open."""

    def at_write() -> bool:  # the write's last report, which the run makes, then holds
        job.refresh_from_db()
        return job.stage == "write" and job.total > 0 and job.done == job.total

    wait_until(at_write, "the run to reach its hold")
    with connection.cursor() as cur:  # the run's transaction: it has written, not committed
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'idle in transaction' AND backend_xid IS NOT NULL"
        )
        assert cur.fetchone()[0] >= 1


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.slow
def test_a_job_runs_through_a_worker(client, planner, media, tmp_path, queue_worker):
    job = queue_run(client, planner, tmp_path, 3)
    queue_worker()
    status = final_status(client, job)
    assert status["status"] == "done", status
    assert (status["report"]["read"], status["report"]["created"]) == (3, 3)
    assert Parcel.objects.count() == 3
    assert set(HistoryEntry.objects.values_list("actor", flat=True)) == {"planner"}
    # The queue records its own end of the job just after the task returns, which is after the
    # task committed the job's report: wait for it rather than race it.
    wait_until(lambda: queue_status(job) == "succeeded", "the queue's record of the job's end")


@pytest.mark.slow
def test_a_worker_killed_in_the_middle_of_a_job(client, planner, media, tmp_path, queue_worker):
    ParcelFactory.create_batch(2)
    before = table_rows(Parcel)
    hold = tmp_path / "hold"
    hold.touch()
    job = queue_run(client, planner, tmp_path, 4, mode="replace")
    worker = queue_worker(hold_file=hold)
    held_in_the_middle(job)  # the two parcels deleted, the four written, not committed
    worker.kill()
    assert table_rows(Parcel) == before
    # The next worker finds the job of the dead one (no heartbeat for 5 s) and reports it failed.
    hold.unlink()
    queue_worker()
    wait_until(lambda: IngestJob.objects.get(pk=job.pk).status == "failed", "the job's failure")
    status = client.get(f"/ingest/{job.pk}/status.json").json()
    assert status["error"] == (
        "le processus qui l'exécutait s'est arrêté (aucun signe de vie depuis 5 s) ; rien n'a été écrit : "
        "relancez-le"  # in the upload's language, French by default
    )
    assert table_rows(Parcel) == before
    assert queue_status(job) == "failed"
    # Run again: it goes through.
    run_again(client, job, mode="replace")
    status = final_status(client, job)
    assert status["status"] == "done", status
    assert status["error"] == ""
    assert sorted(Parcel.objects.values_list("reference", flat=True)) == [
        "TF 1000/C",
        "TF 1001/C",
        "TF 1002/C",
        "TF 1003/C",
    ]


@pytest.mark.slow
def test_a_worker_stopped_in_the_middle_of_a_job(client, planner, media, tmp_path, queue_worker):
    ParcelFactory.create_batch(2)
    before = table_rows(Parcel)
    hold = tmp_path / "hold"
    hold.touch()
    job = queue_run(client, planner, tmp_path, 4, mode="replace")
    worker = queue_worker(hold_file=hold)
    held_in_the_middle(job)
    worker.stop()  # SIGTERM, as `make stop`: the run has WORKER_GRACE_S, then is stopped
    assert worker.proc.returncode == 0
    job.refresh_from_db()
    assert job.status == IngestJob.Status.FAILED
    assert job.error == (
        "le processus qui l'exécutait s'est arrêté (arrêt) ; rien n'a été écrit : relancez-le"
    )
    assert table_rows(Parcel) == before
    assert queue_status(job) == "aborted"


@pytest.mark.django_db(transaction=True)
def test_cancel_a_queued_job(client, planner, media, tmp_path, django_user_model):
    from django.contrib.auth.models import Permission

    job = queue_run(client, planner, tmp_path, 2)
    # Only the owner (or a superuser) cancels, by POST.
    other = django_user_model.objects.create_user("other", password="pw")
    other.user_permissions.add(Permission.objects.get(codename="change_parcel"))
    client.force_login(other)
    assert client.post(f"/ingest/{job.pk}/cancel/").status_code == 404
    client.force_login(planner)
    assert client.get(f"/ingest/{job.pk}/cancel/").status_code == 405
    page = client.get(f"/ingest/{job.pk}/").content.decode()
    assert f'action="/ingest/{job.pk}/cancel/"' in page  # the cancel button
    response = client.post(f"/ingest/{job.pk}/cancel/")
    assert response.status_code == 302 and response["Location"] == f"/ingest/{job.pk}/"
    status = client.get(f"/ingest/{job.pk}/status.json").json()
    assert status["status"] == "cancelled" and status["status_display"] == "annulé"
    assert status["error"] == "annulé par planner ; rien n'a été écrit"  # the upload's language
    assert queue_status(job) == "cancelled"
    run_queued_jobs()  # nothing to run
    assert not Parcel.objects.exists()
    assert client.post(f"/ingest/{job.pk}/cancel/").status_code == 302  # nothing to cancel
    # A cancelled job can be run again.
    run_again(client, job)
    run_queued_jobs()
    assert client.get(f"/ingest/{job.pk}/status.json").json()["status"] == "done"
    assert Parcel.objects.count() == 2


@pytest.mark.slow
def test_cancel_a_running_job(client, planner, media, tmp_path, queue_worker):
    ParcelFactory.create_batch(2)
    before = table_rows(Parcel)
    hold = tmp_path / "hold"
    hold.touch()
    job = queue_run(client, planner, tmp_path, 4, mode="replace")
    queue_worker(hold_file=hold)
    held_in_the_middle(job)
    client.post(f"/ingest/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.cancelled_by == "planner"
    status = final_status(client, job)
    assert status["status"] == "cancelled"
    assert status["error"] == "annulé par planner ; rien n'a été écrit"  # the upload's language
    assert table_rows(Parcel) == before
    wait_until(lambda: queue_status(job) == "aborted", "the queue's record of the job's end")
    # The worker goes on: the job runs again, to its end.
    hold.unlink()
    run_again(client, job, mode="replace")
    assert final_status(client, job)["status"] == "done"
    assert Parcel.objects.count() == 4


def stall(job: IngestJob, silent_for_s: int = 3600) -> None:
    """Make the queued ``job`` the running job of a worker silent for ``silent_for_s``: a
    worker registered and fetching the job as a worker does, whose heartbeat then stopped."""
    jobs = queue_manager()
    worker_id = async_to_sync(jobs.register_worker)()
    fetched = async_to_sync(jobs.fetch_job)(queues=[QUEUE], worker_id=worker_id)
    assert fetched is not None and fetched.id == job.queue_job_id
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE procrastinate_workers SET last_heartbeat = now() - make_interval(secs => %s) "
            "WHERE id = %s",
            [silent_for_s, worker_id],
        )


@pytest.mark.django_db
def test_which_running_jobs_have_lost_their_worker(planner, settings):
    from ingest.jobs import fail_stalled_jobs, start_job

    settings.INGEST = {"WORKER_STALLED_AFTER_S": 60}

    def make_job() -> IngestJob:
        job = IngestJob.objects.create(user=planner, layer="parcels", path="/nowhere/p.gpkg")
        start_job(job)
        return job

    with connection.cursor() as cur:  # jobs other tests left in the queue wait behind these
        cur.execute("UPDATE procrastinate_jobs SET status = 'cancelled' WHERE status = 'todo'")
    dead, silent, alive, queued = make_job(), make_job(), make_job(), make_job()
    stall(dead, silent_for_s=61)
    stall(silent, silent_for_s=30)  # not yet taken for dead
    stall(alive, silent_for_s=0)
    legacy = IngestJob.objects.create(user=planner, layer="parcels", status="running")
    assert fail_stalled_jobs(queued) == 0
    assert fail_stalled_jobs() == 2  # dead, and legacy (started before the queue)
    statuses = dict(IngestJob.objects.values_list("pk", "status"))
    assert statuses == {
        dead.pk: "failed",
        silent.pk: "running",
        alive.pk: "running",
        queued.pk: "running",
        legacy.pk: "failed",
    }
    dead.refresh_from_db()
    assert dead.error.startswith(
        "le processus qui l'exécutait s'est arrêté (aucun signe de vie depuis 60 s)"
    )
    assert queue_status(dead) == "failed"
    assert fail_stalled_jobs() == 0


@pytest.mark.slow
def test_make_worker_starts_and_stops_the_worker(transactional_db, manage_env, tmp_path):
    var = tmp_path / "var"
    env = {**manage_env, "DATABASE_URL": live_database_url(), "GEOPORTAL_VAR_DIR": str(var)}
    env["GEOPORTAL_SECRET_KEY"] = "a-key-for-this-test-only"

    def launcher(command: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "geoportal.worker", command],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=180,
        )
        return done.stdout

    assert "queue worker (web ingests) pid" in launcher("start")
    pid = int((var / "worker" / "worker.pid").read_text())
    log = var / "worker" / "worker.log"
    try:
        wait_until(
            lambda: "Starting worker on queues ingest" in log.read_text(), "the worker's start"
        )
    finally:
        assert launcher("stop") == "queue worker stopped\n"
    assert not (var / "worker" / "worker.pid").exists()
    stat = Path(f"/proc/{pid}/stat")
    assert not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"
    assert "Stopped worker on queues ingest" in log.read_text()


@pytest.mark.slow
def test_a_worker_that_cannot_start_is_an_error_of_make_worker(manage_env, tmp_path):
    """A worker that stops at once (here: a database without the queue's tables) makes
    ``make worker`` fail with the reason, instead of a start message and a line in a log."""
    import psycopg
    from psycopg import sql

    base, _, name = live_database_url().rpartition("/")
    empty = f"{name}_no_queue"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(empty)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(empty)))
    var = tmp_path / "var"
    env = {**manage_env, "DATABASE_URL": f"{base}/{empty}", "GEOPORTAL_VAR_DIR": str(var)}
    env["GEOPORTAL_SECRET_KEY"] = "a-key-for-this-test-only"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "geoportal.worker", "start"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        drop_database(f"{base}/postgres", empty)
    assert done.returncode == 1
    assert "the queue worker stopped at once" in done.stderr
    assert "procrastinate_" in done.stderr and "does not exist" in done.stderr
    assert "pid" not in done.stdout
    assert not (var / "worker" / "worker.pid").exists()
