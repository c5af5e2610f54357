"""GeoTIFF -> Cloud-Optimized GeoTIFF under ``settings.RASTER_ROOT``, registered as a
:class:`layers.rasters.models.RasterLayer` (footprint in the storage SRID). The tiles part serves
it; the file name is set here and never comes from a request.

The COG is put in place just before the transaction that records it commits. If that transaction
is rolled back afterwards (a web load cancelled at its end, a worker killed), or a process dies
with its conversion folder, the file stays behind with nothing naming it:
:func:`remove_unreferenced_files` removes such files once they are :data:`ORPHAN_AFTER_S` old. It
runs before each raster load and in the ingest worker's periodic sweep."""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils.translation import gettext
from rasterio.errors import RasterioError
from rasterio.warp import transform_bounds

from layers.common.conf import gis_settings
from layers.common.errors import IngestError
from layers.common.extent import overlaps_municipal_extent
from layers.rasters.models import RasterLayer

from .readers import parse_srs

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
log = logging.getLogger(__name__)
TEMP_PREFIX = ".ingest-"  # conversion folders under RASTER_ROOT
# A file or conversion folder that no layer names is taken for left behind after this long: far
# longer than between a file put in place and its transaction's commit.
ORPHAN_AFTER_S = 15 * 60


def _stretch(src: rasterio.DatasetReader) -> tuple[float | None, float | None]:
    """Min and max of band 1 read at a reduced size (display range for elevation layers)."""
    if src.count != 1:
        return None, None
    scale = max(1, max(src.width, src.height) // 1024)
    data = src.read(
        1, masked=True, out_shape=(max(1, src.height // scale), max(1, src.width // scale))
    )
    if data.count() == 0:
        return None, None
    return float(np.ma.min(data)), float(np.ma.max(data))


def describe_raster(path: Path, srs: str | None = None) -> dict[str, Any]:
    """What the preview shows: size, bands, CRS and the footprint as GeoJSON in WGS 84."""
    try:
        with rasterio.open(path) as src:
            crs = src.crs
            if srs:
                crs = rasterio.crs.CRS.from_wkt(parse_srs(srs).to_wkt())
            if crs is None:
                raise IngestError(
                    gettext(
                        "%(file)s does not say which coordinate system it is in: "
                        "give it with --srs EPSG:N"
                    )
                    % {"file": Path(path).name}
                )
            api = gis_settings()["API_SRID"]
            w, s, e, n = transform_bounds(crs, f"EPSG:{api}", *src.bounds, densify_pts=21)
            return {
                "width": src.width,
                "height": src.height,
                "band_count": src.count,
                "dtype": src.dtypes[0],
                "crs": crs.to_string(),
                "footprint": {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {"bands": src.count, "crs": crs.to_string()},
                            "geometry": {
                                "type": "Polygon",
                                "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]],
                            },
                        }
                    ],
                },
            }
    except RasterioError as exc:
        raise IngestError(
            gettext("%(file)s: cannot read the raster (%(error)s)")
            % {"file": Path(path).name, "error": exc}
        ) from None


def ingest_raster(
    path: Path,
    slug: str,
    *,
    title: str | None = None,
    kind: str = RasterLayer.Kind.OTHER,
    srs: str | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Convert and register; returns what was done. An existing layer with that slug is replaced
    (its previous file is removed once the new one is in place)."""
    # Imported here: rio-cogeo brings morecantile and pydantic (0.2 s), which a vector load,
    # the portal and the worker's other jobs never use.
    from rio_cogeo.cogeo import cog_translate, cog_validate
    from rio_cogeo.profiles import cog_profiles

    if not SLUG.match(slug):
        raise IngestError(
            gettext("raster layer name %(name)r: use lower-case letters, digits and -")
            % {"name": slug}
        )
    if kind not in RasterLayer.Kind.values:
        raise IngestError(
            gettext("raster kind %(kind)r: one of %(kinds)s")
            % {"kind": kind, "kinds": ", ".join(RasterLayer.Kind.values)}
        )
    root = Path(settings.RASTER_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    storage = gis_settings()["STORAGE_SRID"]
    remove_unreferenced_files(root)
    with tempfile.TemporaryDirectory(dir=root, prefix=TEMP_PREFIX) as tmp:
        source = Path(path)
        try:
            with rasterio.open(source) as src:
                crs = src.crs
        except RasterioError as exc:
            raise IngestError(
                gettext("%(file)s: cannot read the raster (%(error)s)")
                % {"file": source.name, "error": exc}
            ) from None
        if srs:
            override = parse_srs(srs)
            copy = Path(tmp) / "source.tif"
            shutil.copyfile(source, copy)
            with rasterio.open(copy, "r+") as dst:
                dst.crs = rasterio.crs.CRS.from_wkt(override.to_wkt())
            source, crs = copy, rasterio.crs.CRS.from_wkt(override.to_wkt())
        if crs is None:
            raise IngestError(
                gettext(
                    "%(file)s does not say which coordinate system it is in: "
                    "give it with --srs EPSG:N"
                )
                % {"file": Path(path).name}
            )
        out = Path(tmp) / "cog.tif"
        try:
            with rasterio.open(source) as src:
                bounds = transform_bounds(src.crs, f"EPSG:{storage}", *src.bounds, densify_pts=21)
                vmin, vmax = _stretch(src)
                res = abs(src.res[0]) * (111_320 if src.crs.is_geographic else 1)
                meta = {
                    "band_count": src.count,
                    "dtype": src.dtypes[0],
                    "nodata": src.nodata,
                    "source_crs": src.crs.to_string(),
                    "resolution_m": res,
                    "value_min": vmin,
                    "value_max": vmax,
                }
                profile = cog_profiles.get("deflate")
                cog_translate(src, str(out), profile, in_memory=False, quiet=True)
        except RasterioError as exc:
            raise IngestError(
                gettext("%(file)s: cannot convert the raster (%(error)s)")
                % {"file": Path(path).name, "error": exc}
            ) from None
        if not cog_validate(str(out))[0]:
            raise IngestError(
                gettext("%(file)s: the converted file is not a valid COG")
                % {"file": Path(path).name}
            )
        footprint = Polygon.from_bbox(bounds)
        footprint.srid = storage
        if not overlaps_municipal_extent(footprint):
            raise IngestError(
                gettext("%(file)s lies outside the municipal extent") % {"file": Path(path).name}
            )
        report = {"slug": slug, "footprint": bounds, **meta, "dry_run": dry_run}
        if dry_run:
            return report
        file_name = f"{slug}-{uuid.uuid4().hex[:8]}.tif"
        final = root / file_name
        with transaction.atomic():
            layer = RasterLayer.objects.select_for_update().filter(slug=slug).first()
            previous = layer.path if layer else None
            layer = layer or RasterLayer(slug=slug, title_fr=title or slug)
            if title:
                layer.title_fr = title
            layer.kind = kind
            layer.file_name = file_name
            layer.footprint = footprint
            for k, v in meta.items():
                setattr(layer, k, v)
            layer.save()
            os.replace(out, final)
            os.utime(final)  # its age counts from here (remove_unreferenced_files)
            if previous:
                transaction.on_commit(functools.partial(previous.unlink, missing_ok=True))
        report["file"] = file_name
        return report


def remove_unreferenced_files(root: Path | None = None, now: float | None = None) -> list[str]:
    """Remove, from ``root`` (``RASTER_ROOT``), the COG files that no raster layer names and the
    conversion folders, once older than :data:`ORPHAN_AFTER_S`; returns their names, sorted."""
    root = Path(settings.RASTER_ROOT) if root is None else root
    if not root.is_dir():
        return []
    now = time.time() if now is None else now
    named = set(RasterLayer.objects.using(DEFAULT_DB_ALIAS).values_list("file_name", flat=True))
    removed = []
    for entry in root.iterdir():
        try:
            old = now - entry.lstat().st_mtime > ORPHAN_AFTER_S
        except FileNotFoundError:  # removed meanwhile by another sweep
            continue
        if not old or entry.is_symlink():
            continue
        if entry.is_dir() and entry.name.startswith(TEMP_PREFIX):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_file() and entry.suffix == ".tif" and entry.name not in named:
            entry.unlink(missing_ok=True)
        else:
            continue
        removed.append(entry.name)
    removed.sort()
    if removed:
        log.warning("removed raster files that no layer names: %s", ", ".join(removed))
    return removed
