"""Ingest a file into a layer: read, check, stage and write in one transaction, then report.

``ingest_file`` is the single entry point of the command line and of the planners' web page. The
web page's own writes are here too: ``save_upload`` keeps an uploaded file and creates its job,
``set_job_options`` records the chosen options (and queues the run); the queue's side is in
``jobs``."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyogrio
from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from geoportal.language import active_language, number_text
from layers.common.errors import IngestError, PayloadTooLarge
from layers.common.history import set_transaction_actor
from layers.common.registry import get_layer, layers
from layers.common.users import AnyUser

from .conf import upload_max_bytes
from .mappings import resolve_columns
from .models import RASTER, IngestJob
from .options import IngestOptions
from .raster import ingest_raster
from .readers import VectorSource, read_vector
from .selectors import REPORT_LAYERS, may_ingest_into
from .unpack import RASTER_SUFFIXES, UPLOAD_SUFFIXES, prepare_input
from .validate import (
    Reasons,
    check_geometries,
    coerce_attributes,
    require_known_layer_fields,
    required_missing,
    target_fields,
)
from .writers import LoadResult, Progress, Refused, Rows, load_features

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass
class IngestReport:
    """What an ingest did. ``status`` is ``done``, ``dry-run`` (nothing written) or ``refused``
    (features were rejected, nothing written)."""

    layer: str
    file: str
    status: str = "done"
    mode: str = "append"
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    rejected: int = 0
    repaired: int = 0
    seconds: float = 0.0
    source_srs: str = ""
    report_path: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)  # reason (without values) -> count
    stages: dict[str, float] = field(default_factory=dict)  # stage -> seconds, in their order
    examples: list[tuple[int, str]] = field(default_factory=list)  # first rejected features
    raster: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary_lines(self) -> list[str]:
        """The report as an operator reads it at the command line, in the active language."""
        if self.raster:
            r = self.raster
            return [
                gettext(
                    "raster layer %(layer)s: %(file)s, %(bands)d band(s) %(dtype)s, "
                    "%(resolution).2f m, from %(crs)s in %(seconds).1f s"
                )
                % {
                    "layer": self.layer,
                    "file": r.get("file", gettext("(dry run)")),
                    "bands": r["band_count"],
                    "dtype": r["dtype"],
                    "resolution": r["resolution_m"],
                    "crs": r["source_crs"],
                    "seconds": self.seconds,
                }
            ]
        lines = [
            gettext("%(file)s -> %(layer)s (%(mode)s, from %(srs)s): %(status)s")
            % {
                "file": self.file,
                "layer": self.layer,
                "mode": self.mode,
                "srs": self.source_srs,
                "status": STATUS_NAMES.get(self.status, self.status),
            },
            "  "
            + counts_line(vars(self))
            + ", "
            + gettext("%(rate)s entités/s")
            % {"rate": number_text(self.read / max(self.seconds, 1e-6))},
        ]
        for reason, count in sorted(self.reasons.items(), key=lambda kv: -kv[1])[:10]:
            lines.append(
                "  "
                + gettext("rejected %(count)d: %(reason)s") % {"count": count, "reason": reason}
            )
        for fid, why in self.examples[:5]:
            lines.append("    " + gettext("feature %(fid)s: %(why)s") % {"fid": fid, "why": why})
        if self.report_path:
            lines.append(
                "  "
                + gettext("rejected and repaired features: %(path)s") % {"path": self.report_path}
            )
        return lines

    def stages_line(self) -> str:
        """Where the time went, stage by stage (``manage.py ingest -v 2``)."""
        parts = ", ".join(
            f"{stage_name(stage)} {number_text(seconds, 1, grouped=False)} s"
            for stage, seconds in self.stages.items()
        )
        return "  " + gettext("time per stage: %(stages)s") % {"stages": parts}


SUMMARY_COUNTS = ("read", "created", "updated", "unchanged", "deleted", "rejected", "repaired")


def counts_line(report: Mapping[str, Any]) -> str:
    """A load's counts and time as the active language writes them, grouped by thousands
    ("lues 1.234.567, créées 1.234.000, … (82,3 s)"): the job page's summary and the second line
    of the command's report say them in the same words."""
    numbers = {key: number_text(report.get(key, 0)) for key in SUMMARY_COUNTS}
    numbers["seconds"] = number_text(report.get("seconds", 0), 1, grouped=False)
    line = gettext(
        "lues %(read)s, créées %(created)s, modifiées %(updated)s, inchangées %(unchanged)s, "
        "supprimées %(deleted)s, rejetées %(rejected)s, réparées %(repaired)s (%(seconds)s s)"
    )
    return line % numbers


# How a run ended, as the command's summary says it.
STATUS_NAMES = {
    "done": _("done"),
    "dry-run": _("checked, nothing written (dry run)"),
    "refused": _("refused, nothing written"),
}

# The stages of an ingest, in the order they run, as people read them: the command's progress
# bar and its time per stage, the job page's progress.
STAGE_NAMES = {
    "queued": _("waiting in the queue"),
    "read": _("reading"),
    "check": _("checking the file"),
    "copy": _("staging"),
    "validate": _("checking the layer's rules"),
    "write": _("writing"),
    "history": _("history"),
    "indexes": _("indexing"),
}


def stage_name(stage: str) -> str:
    """``stage`` in the active language (an unknown one as it is)."""
    return str(STAGE_NAMES.get(stage, stage))


class StageClock:
    """A progress callback that also adds up the time spent in each stage it is told of, from
    the first report of a stage to the first report of the next (a stage reported again later
    adds to its own time)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.seconds: dict[str, float] = {}
        self._stage: str | None = None
        self._since = time.monotonic()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            self.stop()
            self._stage = stage
        self.progress(stage, done, total)

    def stop(self) -> None:
        """End the current stage's time."""
        now = time.monotonic()
        if self._stage is not None:
            self.seconds[self._stage] = self.seconds.get(self._stage, 0.0) + now - self._since
        self._stage, self._since = None, now


def _reason_kind(reason: str) -> str:
    """A reason without its values, to count reasons of the same kind."""
    head = reason.split(";")[0]
    for sep in (": '", " '", " ("):
        if sep in head:
            head = head.split(sep)[0]
    return head.strip()


def write_report_file(source: VectorSource, result: LoadResult, path: Path) -> Path | None:
    """A GeoPackage with the rejected features (layer ``rejected``) and the repaired ones (layer
    ``repaired``) with their original attributes and geometry and an ``ingest_reason`` column, so
    the planner can fix them and load the file again."""
    if not result.rejected and not result.repaired:
        return None
    path.unlink(missing_ok=True)
    for name, rows in zip(REPORT_LAYERS, (result.rejected, result.repaired), strict=True):
        if not rows:
            continue
        idx = [fid - 1 for fid, _ in rows]
        part = source.frame(idx)
        part.insert(0, "ingest_feature", [fid for fid, _ in rows])
        part.insert(1, "ingest_reason", [why for _, why in rows])
        for col in part.columns:
            if col != part.geometry.name and part[col].dtype == object:
                part[col] = part[col].map(lambda v: v if v is None else str(v))
        pyogrio.write_dataframe(
            part, path, layer=name, driver="GPKG", geometry_type="Unknown", append=path.exists()
        )
    return path


def ingest_file(
    path: Path | str,
    layer_slug: str,
    options: IngestOptions | None = None,
    *,
    actor: str = "",
    user: AnyUser | None = None,
    report_dir: Path | str | None = None,
    progress: Progress | None = None,
    max_bytes: int | None = None,
) -> IngestReport:
    """Load ``path`` into the layer ``layer_slug`` (a GeoTIFF: into the raster layer of that
    name) as ``options`` say. Whole-file problems raise :class:`IngestError`; rejected features
    are listed in the report file, and unless ``options.accept_partial`` nothing is written when
    any feature is rejected. ``user``: who loads it through the portal, whose edit scope applies
    (None: an operator's command)."""
    started = time.monotonic()
    path = Path(path)
    opts = options or IngestOptions()
    mapping = opts.mapping
    clock = StageClock(progress or (lambda stage, done, total: None))
    progress = clock
    key = opts.key
    with tempfile.TemporaryDirectory(prefix="ingest-") as tmp:
        dataset = prepare_input(path, Path(tmp), opts.source_layer, max_bytes)
        if dataset.suffix.lower() in RASTER_SUFFIXES:
            if layer_slug in {lyr.slug for lyr in layers()}:
                raise IngestError(
                    gettext(
                        "%(layer)s is a vector layer: a GeoTIFF is loaded as a raster layer of "
                        "its own name (--layer orthophoto-2024, --raster-kind orthophoto)"
                    )
                    % {"layer": layer_slug}
                )
            info = ingest_raster(
                dataset,
                layer_slug,
                title=opts.raster_title,
                kind=opts.raster_kind,
                srs=opts.srs,
                dry_run=opts.dry_run,
            )
            return IngestReport(
                layer=layer_slug,
                file=path.name,
                status="dry-run" if opts.dry_run else "done",
                mode="replace",
                read=1,
                created=1,
                source_srs=info["source_crs"],
                seconds=time.monotonic() - started,
                raster=info,
            )
        layer = get_layer(layer_slug)
        progress("read", 0, 1)
        source = read_vector(
            dataset, source_layer=opts.source_layer, srs=opts.srs, encoding=opts.encoding
        )
        n = len(source.attributes)
        progress("read", n, n)
        fields = target_fields(layer.model)
        by_name = {f.name: f for f in fields}
        if key and key not in by_name:
            raise IngestError(
                gettext("--key %(key)s: the layer %(layer)s has no such attribute")
                % {"key": key, "layer": layer.slug}
            )
        columns = resolve_columns(list(by_name), source.columns, mapping)
        require_known_layer_fields(required_missing(fields, columns, mapping))
        progress("check", 0, n)
        reasons = Reasons(n)
        wkb = check_geometries(source.wkb, source.geographic, reasons)
        attrs = coerce_attributes(source.attributes, fields, columns, mapping, reasons)
        rows = Rows(attrs, wkb, reasons.joined())
        del attrs, wkb, reasons
        source_crs, source_srs = source.crs_definition, source.crs_label
        report = IngestReport(
            layer=layer.slug,
            file=path.name,
            mode=opts.mode,
            read=n,
            source_srs=source_srs,
        )
        key_column = by_name[key].column if key else None
        try:
            with transaction.atomic():
                with connection.cursor() as cur:
                    set_transaction_actor(cur, actor)
                    # Foreign keys are checked now, so a violation rolls this ingest back here.
                    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                result = load_features(
                    layer,
                    rows,
                    source_crs,
                    mode=opts.mode,
                    key=key_column,
                    accept_partial=opts.accept_partial,
                    progress=progress,
                    user=user,
                )
                if opts.dry_run:
                    raise _DryRun(result)
        except Refused as refused:
            result = refused.result
            report.status = "refused"
        except _DryRun as done:
            result = done.result
            report.status = "dry-run"
        except DatabaseError as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise IngestError(
                gettext("the layer refused the data, nothing was written: %(reason)s")
                % {"reason": message}
            ) from None
        clock.stop()  # the last stage's time includes the commit
        report.stages = dict(clock.seconds)
        if report.status != "refused":  # a dry run reports what would have been written
            report.created, report.updated = result.created, result.updated
            report.unchanged, report.deleted = result.unchanged, result.deleted
        report.rejected = len(result.rejected)
        report.repaired = len(result.repaired)
        report.reasons = dict(Counter(_reason_kind(r) for _, r in result.rejected))
        report.examples = result.rejected[:20]
        if report_dir is not None:
            out = Path(report_dir) / f"{path.stem}.{layer.slug}.report.gpkg"
            written = write_report_file(source, result, out)
            report.report_path = str(written) if written else None
    report.seconds = time.monotonic() - started
    return report


class _DryRun(Exception):
    def __init__(self, result: LoadResult) -> None:
        super().__init__("dry run")
        self.result = result


# --- the planners' web page ---------------------------------------------------------------------


class UploadRefused(IngestError):
    """An upload that is not kept; ``field`` is the upload form's field at fault."""

    code = "upload-refused"
    title = _("Upload refused")


class UploadTooLarge(PayloadTooLarge):
    """An upload over ``UPLOAD_MAX_BYTES``."""

    def __init__(self, limit: int) -> None:
        message = gettext("Fichier trop volumineux : la limite est de %(mb).0f Mo.") % {
            "mb": limit / 2**20
        }
        super().__init__(message, field="file")


@transaction.atomic
def save_upload(user: User, target: str, upload: UploadedFile[bytes]) -> IngestJob:
    """Keep an uploaded file in its own folder under ``MEDIA_ROOT/ingest/`` and create its job,
    with the default options. ``target`` is a layer slug or ``RASTER`` (a GeoTIFF). Refuses a
    file over the upload limit (:class:`UploadTooLarge`), an empty one, one of a format the
    ingest does not read, a GeoTIFF for a vector layer or the reverse (:class:`UploadRefused`),
    and a target the user may not load into (``PermissionDenied``)."""
    if not may_ingest_into(user, target):
        raise PermissionDenied
    limit = upload_max_bytes()
    size = upload.size or 0
    if size > limit:
        raise UploadTooLarge(limit)
    if size == 0:
        raise UploadRefused(gettext("Le fichier est vide."), field="file")
    name = upload.name or ""
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        accepted = ", ".join(UPLOAD_SUFFIXES)
        message = gettext("Format non pris en charge (formats acceptés : %(accepted)s).") % {
            "accepted": accepted
        }
        raise UploadRefused(message, field="file")
    if (suffix in RASTER_SUFFIXES) != (target == RASTER):
        message = gettext("Un GeoTIFF va dans une couche raster, et seulement lui.")
        raise UploadRefused(message, field="layer")
    job = IngestJob(
        user=user,
        layer=target,
        size=size,
        file_name=name[:255],
        options=IngestOptions().as_dict(),
        lang=active_language(),
    )
    folder = Path(settings.MEDIA_ROOT) / "ingest" / str(job.pk)
    try:
        stored_name = get_valid_filename(Path(name).name)
    except SuspiciousFileOperation:
        stored_name = "upload"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        path = folder / stored_name
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        job.path = str(path)
        job.save(force_insert=True)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return job


@transaction.atomic
def set_job_options(job: IngestJob, options: IngestOptions, *, run: bool = False) -> bool:
    """Record the options of a job that is not running and, with ``run``, queue it (it starts
    once the options are committed). False when the job is running (nothing changed)."""
    stored = options.as_dict()
    changed = (
        IngestJob.objects.filter(pk=job.pk)
        .exclude(status=IngestJob.Status.RUNNING)
        .update(options=stored, updated_at=timezone.now())
    )
    if not changed:
        return False
    job.options = stored
    if run:
        from .jobs import start_job  # jobs runs ingest_file, from this module

        start_job(job)
    return True
