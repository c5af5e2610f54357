"""The web page's writes, called directly: an upload kept in its own folder with its job row and
typed options, the size limit, refused uploads leaving nothing behind, options recorded only
while the job is not running, and a run queued with its options."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from ingest.actions import (
    UploadRefused,
    UploadTooLarge,
    save_upload,
    set_job_options,
)
from ingest.mappings import Mapping
from ingest.models import RASTER, IngestJob
from ingest.options import IngestOptions
from tests.ingest.conftest import parcels_frame, write

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:Normalized/laundered field name"),
]


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def uploaded(path: Path, name: str | None = None) -> TemporaryUploadedFile:
    """The file as Django hands a large upload to a view: written to a temporary file."""
    data = path.read_bytes()
    upload = TemporaryUploadedFile(name or path.name, "application/octet-stream", len(data), None)
    upload.write(data)
    upload.seek(0)
    return upload


def test_an_upload_is_kept_with_its_job_and_default_options(media, planner, tmp_path):
    path = write(parcels_frame(3), tmp_path / "parcelles.gpkg")
    job = save_upload(planner, "parcels", uploaded(path))
    row = IngestJob.objects.get(pk=job.pk)
    kept = Path(row.path)
    assert kept == media / "ingest" / str(job.pk) / "parcelles.gpkg"
    assert kept.read_bytes() == path.read_bytes()  # the same bytes, not a partial copy
    assert (row.user, row.layer, row.file_name, row.size) == (
        planner,
        "parcels",
        "parcelles.gpkg",
        path.stat().st_size,
    )
    assert row.status == IngestJob.Status.UPLOADED
    assert IngestOptions.from_dict(row.options) == IngestOptions()


def test_the_stored_name_cannot_leave_the_jobs_folder(media, planner, tmp_path):
    path = write(parcels_frame(1), tmp_path / "p.geojson", driver="GeoJSON")
    job = save_upload(planner, "parcels", uploaded(path, name="../../../etc/plan (v2) &1.geojson"))
    assert Path(job.path) == media / "ingest" / str(job.pk) / "plan_v2_1.geojson"
    assert job.file_name == "plan (v2) &1.geojson"  # shown as sent, without the folders


def test_the_size_limit_is_the_files_size(media, planner, tmp_path, settings):
    path = write(parcels_frame(3), tmp_path / "p.gpkg")
    size = path.stat().st_size
    settings.UPLOAD_MAX_BYTES = size - 1
    with pytest.raises(UploadTooLarge) as caught:
        save_upload(planner, "parcels", uploaded(path))
    assert (caught.value.http_status, caught.value.field) == (413, "file")
    assert not IngestJob.objects.exists()
    assert not (media / "ingest").exists()
    settings.UPLOAD_MAX_BYTES = size  # a file exactly at the limit is accepted
    assert Path(save_upload(planner, "parcels", uploaded(path)).path).stat().st_size == size


@pytest.mark.parametrize(
    ("name", "data", "target", "field", "message"),
    [
        (
            "notes.docx",
            b"PK\x03\x04 not a GIS file",
            "parcels",
            "file",
            "Format non pris en charge",
        ),
        ("p.gpkg", b"", "parcels", "file", "vide"),
        ("mnt.tif", b"II*\x00", "parcels", "layer", "seulement lui"),
        ("p.gpkg", b"SQLite format 3\x00", RASTER, "layer", "seulement lui"),
    ],
)
def test_refused_uploads_leave_nothing(
    media, planner, name, data, target, field, message, django_user_model
):
    planner.user_permissions.add(Permission.objects.get(codename="change_rasterlayer"))
    planner = django_user_model.objects.get(pk=planner.pk)  # permissions read again
    with pytest.raises(UploadRefused, match=message) as caught:
        save_upload(planner, target, SimpleUploadedFile(name, data))
    assert caught.value.field == field
    assert not IngestJob.objects.exists()
    assert not (media / "ingest").exists()


def test_only_into_a_layer_the_user_may_change(media, planner, tmp_path):
    path = write(parcels_frame(1), tmp_path / "p.gpkg")
    for target in ("roads", RASTER, "no-such-layer"):
        with pytest.raises(PermissionDenied):
            save_upload(planner, target, uploaded(path))
    assert not IngestJob.objects.exists()


def make_job(user, **fields) -> IngestJob:
    return IngestJob.objects.create(
        user=user, layer="parcels", file_name="p.gpkg", path="/nowhere/p.gpkg", **fields
    )


def test_options_are_stored_typed(planner):
    job = make_job(planner)
    options = IngestOptions(
        mode="upsert", key="reference", mapping=Mapping(fields={"reference": "NUM"})
    )
    assert set_job_options(job, options) is True
    stored = IngestJob.objects.get(pk=job.pk).options
    assert IngestOptions.from_dict(stored) == options
    assert stored["mode"] == "upsert" and stored["fields"] == {"reference": "NUM"}


def test_options_of_a_running_job_are_not_changed(planner):
    job = make_job(planner, status=IngestJob.Status.RUNNING, options={"mode": "append"})
    assert set_job_options(job, IngestOptions(mode="replace"), run=True) is False
    row = IngestJob.objects.get(pk=job.pk)
    assert row.options == {"mode": "append"} and row.stage == ""


def test_a_run_is_queued_with_its_options_or_not_at_all(planner):
    from django.db import transaction
    from procrastinate.contrib.django.models import ProcrastinateJob

    job = make_job(planner)
    assert set_job_options(job, IngestOptions(mode="replace"), run=True) is True
    row = IngestJob.objects.get(pk=job.pk)
    assert (row.status, row.stage, row.options["mode"]) == ("running", "queued", "replace")
    queued = ProcrastinateJob.objects.get(id=row.queue_job_id)
    assert (queued.status, queued.queue_name, queued.args) == (
        "todo",
        "ingest",
        {"job_id": str(job.pk)},
    )
    # Queued by the same transaction as the options: a rollback leaves neither.
    other = make_job(planner)
    with pytest.raises(RuntimeError), transaction.atomic():
        set_job_options(other, IngestOptions(mode="replace"), run=True)
        raise RuntimeError
    assert IngestJob.objects.get(pk=other.pk).status == IngestJob.Status.UPLOADED
    assert not ProcrastinateJob.objects.filter(args__job_id=str(other.pk)).exists()


def test_stage_clock_adds_up_each_stage_until_the_next_begins(monkeypatch):
    from ingest import actions

    now = [100.0]
    monkeypatch.setattr(actions.time, "monotonic", lambda: now[0])
    told = []
    clock = actions.StageClock(lambda stage, done, total: told.append((stage, done, total)))
    clock("copy", 0, 10)
    now[0] = 102.0
    clock("copy", 10, 10)  # the same stage goes on
    now[0] = 103.5
    clock("validate", 0, 10)
    now[0] = 107.0
    clock("copy", 0, 1)  # a stage told again adds to its time
    now[0] = 107.25
    clock.stop()
    now[0] = 200.0
    clock.stop()  # nothing runs: nothing added
    assert clock.seconds == {"copy": 3.5 + 0.25, "validate": 3.5}
    assert told == [("copy", 0, 10), ("copy", 10, 10), ("validate", 0, 10), ("copy", 0, 1)]
