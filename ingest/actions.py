"""Ingest a file into a layer: read, check, stage and write in one transaction, then report.

``ingest_file`` is the single entry point of the command line and of the planners' web page."""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
from django.db import DatabaseError, connection, transaction

from layers.common.errors import IngestError
from layers.common.history import set_transaction_actor
from layers.common.registry import get_layer, layers

from .mappings import Mapping, resolve_columns
from .raster import ingest_raster
from .readers import read_vector
from .unpack import RASTER_SUFFIXES, prepare_input
from .validate import (
    Reasons,
    check_geometries,
    coerce_attributes,
    require_known_layer_fields,
    required_missing,
    target_fields,
)
from .writers import LoadResult, Progress, Refused, load_features

MODES = ("append", "replace", "upsert")


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
    examples: list[tuple[int, str]] = field(default_factory=list)  # first rejected features
    raster: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary_lines(self) -> list[str]:
        if self.raster:
            r = self.raster
            return [
                f"raster layer {self.layer}: {r.get('file', '(dry run)')}, {r['band_count']} "
                f"band(s) {r['dtype']}, {r['resolution_m']:.2f} m, from {r['source_crs']} "
                f"in {self.seconds:.1f} s"
            ]
        lines = [
            f"{self.file} -> {self.layer} ({self.mode}, from {self.source_srs}): {self.status}",
            f"  read {self.read}, created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, deleted {self.deleted}, rejected {self.rejected}, "
            f"repaired {self.repaired}, in {self.seconds:.1f} s "
            f"({self.read / max(self.seconds, 1e-6):,.0f} features/s)",
        ]
        for reason, count in sorted(self.reasons.items(), key=lambda kv: -kv[1])[:10]:
            lines.append(f"  rejected {count}: {reason}")
        for fid, why in self.examples[:5]:
            lines.append(f"    feature {fid}: {why}")
        if self.report_path:
            lines.append(f"  rejected and repaired features: {self.report_path}")
        return lines


def _reason_kind(reason: str) -> str:
    """A reason without its values, to count reasons of the same kind."""
    head = reason.split(";")[0]
    for sep in (": '", " '", " ("):
        if sep in head:
            head = head.split(sep)[0]
    return head.strip()


def write_report_file(frame: gpd.GeoDataFrame, result: LoadResult, path: Path) -> Path | None:
    """A GeoPackage with the rejected features (layer ``rejected``) and the repaired ones (layer
    ``repaired``) with their original attributes and geometry and an ``ingest_reason`` column, so
    the planner can fix them and load the file again."""
    if not result.rejected and not result.repaired:
        return None
    path.unlink(missing_ok=True)
    for name, rows in (("rejected", result.rejected), ("repaired", result.repaired)):
        if not rows:
            continue
        idx = [fid - 1 for fid, _ in rows]
        part = frame.iloc[idx].copy()
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
    *,
    source_layer: str | None = None,
    srs: str | None = None,
    mapping: Mapping | None = None,
    mode: str = "append",
    key: str | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    accept_partial: bool = False,
    actor: str = "",
    report_dir: Path | str | None = None,
    progress: Progress | None = None,
    raster_kind: str = "other",
    raster_title: str | None = None,
    max_bytes: int | None = None,
) -> IngestReport:
    """Load ``path`` into the layer ``layer_slug``. Whole-file problems raise
    :class:`IngestError`; rejected features are listed in the report file, and unless
    ``accept_partial`` is true nothing is written when any feature is rejected."""
    started = time.monotonic()
    path = Path(path)
    mapping = mapping or Mapping()
    progress = progress or (lambda stage, done, total: None)
    if mode not in MODES:
        raise IngestError(f"unknown mode {mode!r}: one of {', '.join(MODES)}")
    key = key or mapping.key
    if mode == "upsert" and not key:
        raise IngestError(
            "--mode upsert needs --key FIELD (the attribute that identifies a feature)"
        )
    with tempfile.TemporaryDirectory(prefix="ingest-") as tmp:
        dataset = prepare_input(path, Path(tmp), source_layer or mapping.source_layer, max_bytes)
        if dataset.suffix.lower() in RASTER_SUFFIXES:
            if layer_slug in {lyr.slug for lyr in layers()}:
                raise IngestError(
                    f"{layer_slug} is a vector layer: a GeoTIFF is loaded as a raster layer of "
                    "its own name (--layer orthophoto-2024, --raster-kind orthophoto)"
                )
            info = ingest_raster(
                dataset,
                layer_slug,
                title=raster_title,
                kind=raster_kind,
                srs=srs or mapping.srs,
                dry_run=dry_run,
            )
            return IngestReport(
                layer=layer_slug,
                file=path.name,
                status="dry-run" if dry_run else "done",
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
            dataset,
            source_layer=source_layer or mapping.source_layer,
            srs=srs or mapping.srs,
            encoding=encoding or mapping.encoding,
        )
        frame = source.frame
        n = len(frame)
        progress("read", n, n)
        fields = target_fields(layer.model)
        by_name = {f.name: f for f in fields}
        if key and key not in by_name:
            raise IngestError(f"--key {key}: the layer {layer.slug} has no such attribute")
        columns = resolve_columns(list(by_name), source.columns, mapping)
        require_known_layer_fields(required_missing(fields, columns, mapping))
        reasons = Reasons(n)
        wkb = check_geometries(frame.geometry.to_numpy(), source.geographic, reasons)
        attrs = coerce_attributes(frame, fields, columns, mapping, reasons)
        report = IngestReport(
            layer=layer.slug,
            file=path.name,
            mode=mode,
            read=n,
            source_srs=f"EPSG:{source.srid} ({source.crs_name})",
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
                    attrs,
                    wkb,
                    reasons.joined(),
                    source.srid,
                    mode=mode,
                    key=key_column,
                    accept_partial=accept_partial,
                    progress=progress,
                )
                if dry_run:
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
                f"the layer refused the data, nothing was written: {message}"
            ) from None
        if report.status != "refused":  # a dry run reports what would have been written
            report.created, report.updated = result.created, result.updated
            report.unchanged, report.deleted = result.unchanged, result.deleted
        report.rejected = len(result.rejected)
        report.repaired = len(result.repaired)
        report.reasons = dict(Counter(_reason_kind(r) for _, r in result.rejected))
        report.examples = result.rejected[:20]
        if report_dir is not None:
            out = Path(report_dir) / f"{path.stem}.{layer.slug}.report.gpkg"
            written = write_report_file(frame, result, out)
            report.report_path = str(written) if written else None
    report.seconds = time.monotonic() - started
    return report


class _DryRun(Exception):
    def __init__(self, result: LoadResult) -> None:
        super().__init__("dry run")
        self.result = result
