"""Planners' pages: upload a file for a layer, preview its first features on a map with the field
mapping, run the ingest in the background and follow it, download the report. Only users with
the layer's ``change`` permission get in; the views stay thin (``actions``, ``jobs``)."""

from __future__ import annotations

import json
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.views.decorators.http import require_GET, require_http_methods

from layers.common.conf import gis_settings
from layers.common.errors import GisError, UnknownLayer
from layers.common.registry import Layer, get_layer, layers
from layers.common.users import AnyUser

from .conf import option, upload_max_bytes
from .forms import RasterForm, RunForm, UploadForm
from .jobs import RASTER, RASTER_PERMISSION, job_mapping, start_job
from .mappings import resolve_columns
from .models import IngestJob
from .raster import describe_raster
from .readers import read_vector
from .unpack import RASTER_SUFFIXES, UPLOAD_SUFFIXES, prepare_input
from .validate import target_fields


def _editable_layers(user: AnyUser) -> list[Layer]:
    return [lyr for lyr in layers() if lyr.user_can_edit(user)]


def _can_load_rasters(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.has_perm(RASTER_PERMISSION))


def _job_for(request: HttpRequest, job_id: uuid.UUID) -> tuple[IngestJob, Layer | None]:
    """The job and its target layer (``None`` for a raster load), for its owner only, while
    they may still change that layer."""
    job = get_object_or_404(IngestJob, pk=job_id)
    if job.layer == RASTER:
        layer = None
        if not _can_load_rasters(request.user):
            raise PermissionDenied
    else:
        try:
            layer = get_layer(job.layer)
        except UnknownLayer:
            raise Http404("unknown layer") from None
        if not layer.user_can_edit(request.user):
            raise PermissionDenied
    if job.user_id != request.user.pk and not request.user.is_superuser:
        raise Http404("no such ingest")
    return job, layer


def _too_large(request: HttpRequest) -> HttpResponse:
    limit = upload_max_bytes() / 2**20
    return HttpResponse(
        f"Fichier trop volumineux : la limite est de {limit:.0f} Mo.",
        status=413,
        content_type="text/plain; charset=utf-8",
    )


@login_required
@require_http_methods(["GET", "POST"])
def job_create(request: HttpRequest) -> HttpResponse:
    assert request.user.is_authenticated  # login_required
    editable = _editable_layers(request.user)
    choices = [(lyr.slug, lyr.title(request.LANGUAGE_CODE)) for lyr in editable]
    if _can_load_rasters(request.user):
        choices.append((RASTER, "Raster (GeoTIFF) : orthophotographie, MNT"))
    if not choices:
        raise PermissionDenied
    if request.method == "POST":
        # Refuse on the announced size before Django reads the body; then on the real size.
        if int(request.META.get("CONTENT_LENGTH") or 0) > upload_max_bytes() + 2**20:
            return _too_large(request)
        form = UploadForm(request.POST, request.FILES, layers=choices)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > upload_max_bytes():
                return _too_large(request)
            if upload.size == 0:
                form.add_error("file", "Le fichier est vide.")
            elif Path(upload.name).suffix.lower() not in UPLOAD_SUFFIXES:
                accepted = ", ".join(UPLOAD_SUFFIXES)
                form.add_error(
                    "file", f"Format non pris en charge (formats acceptés : {accepted})."
                )
            elif (Path(upload.name).suffix.lower() in RASTER_SUFFIXES) != (
                form.cleaned_data["layer"] == RASTER
            ):
                form.add_error("layer", "Un GeoTIFF va dans une couche raster, et seulement lui.")
            else:
                job = IngestJob(
                    user=request.user, layer=form.cleaned_data["layer"], size=upload.size
                )
                folder = Path(settings.MEDIA_ROOT) / "ingest" / str(job.pk)
                folder.mkdir(parents=True, exist_ok=True)
                name = get_valid_filename(Path(upload.name).name) or "upload"
                target = folder / name
                with target.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                job.file_name, job.path = upload.name[:255], str(target)
                job.save()
                return redirect("ingest:job_detail", job_id=job.pk)
    else:
        form = UploadForm(layers=choices)
    jobs = IngestJob.objects.filter(user=request.user)[:20]
    max_mb = round(upload_max_bytes() / 2**20)
    return render(request, "ingest/upload.html", {"form": form, "jobs": jobs, "max_mb": max_mb})


def _preview(job: IngestJob, layer: Layer) -> dict[str, Any]:
    """First features in WGS 84 for the map, the file's columns and the proposed mapping."""
    opts = job.options
    with tempfile.TemporaryDirectory(prefix="ingest-preview-") as tmp:
        dataset = prepare_input(Path(job.path), Path(tmp), opts.get("source_layer") or None)
        if dataset.suffix.lower() in RASTER_SUFFIXES:
            raise GisError("un raster se charge avec manage.py ingest")
        source = read_vector(
            dataset,
            source_layer=opts.get("source_layer") or None,
            srs=opts.get("srs") or None,
            encoding=opts.get("encoding") or None,
            max_features=option("PREVIEW_FEATURES"),
        )
    frame = source.frame.to_crs(epsg=gis_settings()["API_SRID"])
    for col in source.columns:
        frame[col] = frame[col].map(lambda v: None if v is None else str(v))
    fields = target_fields(layer.model)
    mapping = job_mapping(opts)
    auto = resolve_columns([f.name for f in fields], source.columns, mapping)
    rows = [
        {
            "name": f.name,
            "kind": f.kind,
            "required": not (f.null or f.has_default or f.db_default),
            "source": auto.get(f.name, ""),
            "value": mapping.values.get(f.name, ""),
        }
        for f in fields
    ]
    return {
        "geojson": json.loads(frame.to_json(drop_id=True)),
        "columns": source.columns,
        "rows": rows,
        "srs": source.crs_name,
        "layer_name": source.layer_name,
    }


@login_required
@require_http_methods(["GET", "POST"])
def job_detail(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job, layer = _job_for(request, job_id)
    form_class = RasterForm if layer is None else RunForm
    form = form_class(request.POST or None, initial=job.options)
    if request.method == "POST" and job.status != IngestJob.Status.RUNNING and form.is_valid():
        fields = {
            k.removeprefix("field_"): v for k, v in request.POST.items() if k.startswith("field_")
        }
        values = {
            k.removeprefix("value_"): v for k, v in request.POST.items() if k.startswith("value_")
        }
        job.options = {**form.cleaned_data, "fields": fields, "values": values}
        job.save(update_fields=["options", "updated_at"])
        if request.POST.get("action") == "run":
            start_job(job)
        return redirect("ingest:job_detail", job_id=job.pk)
    context: dict[str, Any] = {
        "job": job,
        "layer": layer,
        "form": form,
        "preview": None,
        "raster": None,
        "error": "",
    }
    if job.status != IngestJob.Status.RUNNING:
        try:
            if layer is None:
                context["raster"] = describe_raster(Path(job.path), job.options.get("srs") or None)
            else:
                context["preview"] = _preview(job, layer)
        except GisError as exc:
            context["error"] = str(exc)
    return render(request, "ingest/job.html", context)


@login_required
@require_GET
def job_status(request: HttpRequest, job_id: uuid.UUID) -> JsonResponse:
    job, _ = _job_for(request, job_id)
    stale = timezone.now() - timedelta(seconds=option("STALE_AFTER_S"))
    if job.status == IngestJob.Status.RUNNING and job.updated_at < stale:
        # No progress for that long: the server running it stopped (restart, worker recycled).
        # Its transaction was rolled back with it, so the layer is as it was.
        IngestJob.objects.filter(pk=job.pk, status=IngestJob.Status.RUNNING).update(
            status=IngestJob.Status.FAILED,
            error="the ingest stopped without finishing; nothing was written: run it again",
        )
        job.refresh_from_db()
    return JsonResponse(
        {
            "status": job.status,
            "status_display": job.get_status_display(),
            "stage": job.stage,
            "done": job.done,
            "total": job.total,
            "error": job.error,
            "report": job.report,
        }
    )


@login_required
@require_GET
def job_report(request: HttpRequest, job_id: uuid.UUID) -> FileResponse:
    job, _ = _job_for(request, job_id)
    path = (job.report or {}).get("report_path")
    folder = Path(job.path).parent.resolve()
    if not path or Path(path).resolve().parent != folder or not Path(path).exists():
        raise Http404("no report for this ingest")
    return FileResponse(open(path, "rb"), as_attachment=True, filename=Path(path).name)
