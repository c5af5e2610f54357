"""Planners' pages: upload a file for a layer, preview its first features on a map with the field
mapping, run the ingest in the queue and follow it, cancel it, download the report. Only users with
the layer's ``change`` permission get in. Each view reads the request, calls one action (or
selector) and renders or redirects; the work is in ``actions``, ``selectors`` and ``jobs``."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from geoportal.language import number_text
from layers.common.basemap import basemap, city_bounds, vector_tile_url
from layers.common.errors import GisError, UnknownLayer
from layers.common.registry import Layer, get_layer

from .actions import (
    IngestReport,
    UploadRefused,
    UploadTooLarge,
    counts_line,
    save_upload,
    set_job_options,
    stage_name,
)
from .conf import upload_max_bytes
from .forms import OptionsForm, RasterForm, RunForm, UploadForm
from .jobs import cancel_job, fail_stalled_jobs
from .models import RASTER, IngestJob
from .selectors import (
    can_load_rasters,
    editable_layers,
    feature_line,
    job_preview,
    job_raster,
    report_geojson,
)


def _job_for(request: HttpRequest, job_id: uuid.UUID) -> tuple[IngestJob, Layer | None]:
    """The job and its target layer (``None`` for a raster load), for its owner only, while
    they may still change that layer."""
    job = get_object_or_404(IngestJob, pk=job_id)
    if job.layer == RASTER:
        layer = None
        if not can_load_rasters(request.user):
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


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def job_create(request: HttpRequest) -> HttpResponse:
    assert request.user.is_authenticated  # login_required
    choices = [
        (lyr.slug, lyr.title(request.LANGUAGE_CODE)) for lyr in editable_layers(request.user)
    ]
    if can_load_rasters(request.user):
        choices.append((RASTER, gettext("Raster (GeoTIFF) : orthophotographie, MNT")))
    if not choices:
        raise PermissionDenied
    if request.method == "POST":
        # Refuse on the announced size before Django reads the body; the action checks the
        # real size. Either refusal is answered by the error handler (413).
        if int(request.META.get("CONTENT_LENGTH") or 0) > upload_max_bytes() + 2**20:
            raise UploadTooLarge(upload_max_bytes())
        form = UploadForm(request.POST, request.FILES, layers=choices)
        if form.is_valid():
            try:
                job = save_upload(
                    request.user, form.cleaned_data["layer"], form.cleaned_data["file"]
                )
            except UploadRefused as exc:
                form.add_error(exc.field, str(exc))
            else:
                if request.headers.get("X-Requested-With") == "XMLHttpRequest":
                    # the page's script, which sent the file with a progress bar, goes there
                    # itself: a redirect it would follow would draw the preview twice
                    url = reverse("ingest:job_detail", kwargs={"job_id": job.pk})
                    return JsonResponse({"job": url}, status=201)
                return redirect("ingest:job_detail", job_id=job.pk)
    else:
        form = UploadForm(layers=choices)
    # The planner's latest loads, each with its layer's title in the page's language (the slug
    # of a layer they may no longer load into).
    titles = {**dict(choices), RASTER: gettext("couche raster")}
    jobs = [
        (job, titles.get(job.layer, job.layer))
        for job in IngestJob.objects.filter(user=request.user)[:20]
    ]
    limit = upload_max_bytes()
    context = {
        "form": form,
        "jobs": jobs,
        "max_mb": round(limit / 2**20),
        # for the page's script, which refuses a larger file before sending it
        "max_bytes": limit,
        "too_large": str(UploadTooLarge(limit)),
    }
    return render(request, "ingest/upload.html", context)


def map_base(request: HttpRequest, layer: Layer | None) -> dict[str, Any]:
    """What the job page's maps draw under the file's features: the platform's basemap, then the
    features the layer already holds (its vector tiles, for a planner who may see them); and
    where the maps open when they have nothing else to show."""
    shown = layer if layer is not None and layer.user_can_view(request.user) else None
    return {
        "basemap": basemap(),
        "bounds": city_bounds(),
        "layer": shown.slug if shown else None,
        "layer_tiles": vector_tile_url(shown.slug) if shown else None,
        # The layer's tiles hold features from its min_zoom on: below it, the map says so.
        "layer_min_zoom": shown.options.min_zoom if shown else None,
        "zoom_note": (
            gettext("Les entités de la couche s'affichent en gris à partir du zoom %(zoom)s.")
            % {"zoom": shown.options.min_zoom}
            if shown
            else ""
        ),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def job_detail(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job, layer = _job_for(request, job_id)
    form_class: type[OptionsForm] = RasterForm if layer is None else RunForm
    form = form_class(request.POST or None, initial=job.options)
    if request.method == "POST" and job.status != IngestJob.Status.RUNNING and form.is_valid():
        set_job_options(job, form.options, run=request.POST.get("action") == "run")
        return redirect("ingest:job_detail", job_id=job.pk)
    context: dict[str, Any] = {
        "job": job,
        "layer": layer,
        "layer_title": layer.title(request.LANGUAGE_CODE) if layer else "",
        "form": form,
        "preview": None,
        "raster": None,
        "error": "",
        "map_base": map_base(request, layer),
    }
    if job.status != IngestJob.Status.RUNNING:
        try:
            if layer is None:
                context["raster"] = job_raster(job)
            else:
                context["preview"] = job_preview(job, layer)
        except GisError as exc:
            context["error"] = str(exc)
    return render(request, "ingest/job.html", context)


@login_required
@require_safe
def job_status(request: HttpRequest, job_id: uuid.UUID) -> JsonResponse:
    job, _ = _job_for(request, job_id)
    fail_stalled_jobs(job)
    return JsonResponse(
        {
            "status": job.status,
            "status_display": job.get_status_display(),
            "stage": job.stage,
            "stage_name": stage_name(job.stage) if job.stage else "",  # as status_display
            "done": job.done,
            "total": job.total,
            "error": job.error,
            "report": job.report,
            "cancelled_by": job.cancelled_by,
            # The same, as the page writes them, in the request's language.
            "summary": _summary(job.report),
            "progress": f"{number_text(job.done)}/{number_text(job.total)}",
            "example_lines": [
                feature_line(fid, why) for fid, why in (job.report or {}).get("examples", [])
            ],
            "cancel_note": (
                gettext("annulation demandée par %(user)s") % {"user": job.cancelled_by}
                if job.cancelled_by
                else ""
            ),
        }
    )


def _summary(report: dict[str, Any] | None) -> str:
    """A load's counts and time, as the job page shows them."""
    if not report:
        return ""
    if report.get("raster"):  # as the command writes it
        return IngestReport(**report).summary_lines()[0]
    return counts_line(report)


@login_required
@require_POST
def job_cancel(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """Cancel a queued or running job: a queued one at once, a running one at its next step."""
    job, _ = _job_for(request, job_id)
    cancel_job(job, request.user)
    return redirect("ingest:job_detail", job_id=job.pk)


def _report_path(request: HttpRequest, job_id: uuid.UUID) -> Path:
    """The run's report GeoPackage, for the job's owner, if it is where the run wrote it."""
    job, _ = _job_for(request, job_id)
    path = (job.report or {}).get("report_path")
    folder = Path(job.path).parent.resolve()
    if not path or Path(path).resolve().parent != folder or not Path(path).exists():
        raise Http404("no report for this ingest")
    return Path(path)


@login_required
@require_safe
def job_report(request: HttpRequest, job_id: uuid.UUID) -> FileResponse:
    path = _report_path(request, job_id)
    return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name)


@login_required
@require_safe
def job_report_map(request: HttpRequest, job_id: uuid.UUID) -> JsonResponse:
    """The report's first features in WGS 84, for the job page's map."""
    return JsonResponse(report_geojson(_report_path(request, job_id)))
