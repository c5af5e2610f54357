"""Reads behind the planners' ingest pages: where a user may load files, and the preview of an
uploaded file (its first features, its columns and the proposed field mapping)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
from django.utils.translation import gettext as _

from geoportal.language import number_text
from layers.common.conf import gis_settings
from layers.common.errors import GisError, UnknownLayer
from layers.common.registry import Layer, get_layer, layers
from layers.common.users import AnyUser

from .conf import option
from .mappings import resolve_columns
from .models import RASTER, RASTER_PERMISSION, IngestJob
from .options import IngestOptions
from .raster import describe_raster
from .readers import layer_outline, read_vector
from .unpack import RASTER_SUFFIXES, prepare_input
from .validate import target_fields


def editable_layers(user: AnyUser) -> list[Layer]:
    """The layers ``user`` may load features into (their ``change`` permission)."""
    return [lyr for lyr in layers() if lyr.user_can_edit(user)]


def can_load_rasters(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.has_perm(RASTER_PERMISSION))


def may_ingest_into(user: AnyUser, target: str) -> bool:
    """May ``user`` load a file into ``target`` (a layer slug, or ``RASTER``)?"""
    if target == RASTER:
        return can_load_rasters(user)
    try:
        return get_layer(target).user_can_edit(user)
    except UnknownLayer:
        return False


def job_preview(job: IngestJob, layer: Layer) -> dict[str, Any]:
    """First features in WGS 84 for the map, the file's columns and the proposed mapping."""
    opts = IngestOptions.from_dict(job.options)
    with tempfile.TemporaryDirectory(prefix="ingest-preview-") as tmp:
        dataset = prepare_input(Path(job.path), Path(tmp), opts.source_layer)
        if dataset.suffix.lower() in RASTER_SUFFIXES:
            raise GisError(_("un raster se charge avec manage.py ingest"))
        source = read_vector(
            dataset,
            source_layer=opts.source_layer,
            srs=opts.srs,
            encoding=opts.encoding,
            max_features=option("PREVIEW_FEATURES"),
        )
        outline = layer_outline(dataset, source.layer_name, opts.srs)
    count = outline.features
    if count is None and len(source.attributes) < option("PREVIEW_FEATURES"):
        count = len(source.attributes)  # read whole
    frame = source.frame().to_crs(epsg=gis_settings()["API_SRID"])
    for col in source.columns:
        frame[col] = frame[col].map(lambda v: None if v is None else str(v))
    fields = target_fields(layer.model)
    mapping = opts.mapping
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
        # the whole layer: its count (known too when the map shows every feature) and, from the
        # file's header, its extent, drawn dashed
        "feature_count": None if count is None else number_text(count),
        "extent": outline.bounds,
    }


# The layers of a run's report GeoPackage (``actions.write_report_file``), in their order.
REPORT_LAYERS = ("rejected", "repaired")


def feature_line(fid: int, why: str) -> str:
    """A refused or repaired feature as the job page writes it, in the active language."""
    return _("entité %(fid)s : %(why)s") % {"fid": fid, "why": why}


def report_geojson(report_path: Path) -> dict[str, Any]:
    """The first features of a run's report (the rejected, then the repaired), in WGS 84 for
    the job page's map: each with its feature number, its reason, which of the two it is and
    the line the page shows for it (in the active language).
    A geometry that cannot be drawn (none, or coordinates too absurd to reproject) is left out;
    the report file holds them all."""
    limit = option("PREVIEW_FEATURES")
    features: list[dict[str, Any]] = []
    present = {str(name) for name, _geometry_type in pyogrio.list_layers(report_path)}
    for kind in REPORT_LAYERS:
        if kind not in present:
            continue
        frame = pyogrio.read_dataframe(
            report_path, layer=kind, columns=["ingest_feature", "ingest_reason"], max_features=limit
        )
        if frame.crs is None:  # a file without a CRS, read with --srs: not placed on a map
            continue
        frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
        frame = frame.to_crs(epsg=gis_settings()["API_SRID"])
        frame = frame[np.isfinite(frame.geometry.bounds).all(axis=1)]
        frame["kind"] = kind
        frame["label"] = [
            feature_line(fid, why)
            for fid, why in zip(frame["ingest_feature"], frame["ingest_reason"], strict=True)
        ]
        features += json.loads(frame.to_json(drop_id=True))["features"]
    return {"type": "FeatureCollection", "features": features}


def job_raster(job: IngestJob) -> dict[str, Any]:
    """What the uploaded GeoTIFF is: size, bands, CRS and footprint for the map."""
    return describe_raster(Path(job.path), IngestOptions.from_dict(job.options).srs)
