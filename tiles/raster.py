"""Raster tiles from the Cloud-Optimized GeoTIFFs of ``RasterLayer``.

A request names a raster layer by slug; the file is the layer's vetted ``.path`` inside
``RASTER_ROOT``, never a path or URL from the request (STYLE.md, rule 10). Each tile is a
256-pixel window of a warped VRT in EPSG:3857 at the source's own resolution, read with
``out_shape`` so that GDAL takes the COG's overviews at low zooms."""

from __future__ import annotations

import hashlib
import io
import math

import numpy as np
from django.utils.translation import gettext
from PIL import Image

from layers.common.conf import gis_settings
from layers.common.errors import NotFound, UnknownLayer
from layers.common.users import AnyUser
from layers.rasters.models import RasterLayer
from tiles.cache import tile_store
from tiles.conf import tile_settings
from tiles.grid import check_tile, tile_bounds
from tiles.vector import Tile

FORMATS = {"png": ("PNG", "image/png"), "webp": ("WEBP", "image/webp")}


def get_raster_layer(slug: str, user: AnyUser) -> RasterLayer:
    raster = RasterLayer.objects.filter(slug=slug).first()
    if raster is None or not (
        raster.public
        or (user and user.is_authenticated and user.has_perm("rasters.view_rasterlayer"))
    ):
        raise UnknownLayer(gettext("unknown raster layer %(slug)r") % {"slug": slug})
    return raster


def raster_etag(raster: RasterLayer, z: int, x: int, y: int, fmt: str) -> str:
    """Changes with the layer's row (``updated_at``, display range) and with the file itself."""
    check_tile(z, x, y)
    if fmt not in FORMATS:
        raise NotFound(gettext("unknown raster tile format %(format)r") % {"format": fmt})
    try:
        stat = raster.path.stat()
    except (OSError, ValueError) as exc:
        raise NotFound(
            gettext("raster layer %(slug)r has no readable file") % {"slug": raster.slug}
        ) from exc
    row = [raster.slug, raster.updated_at.isoformat(), raster.value_min, raster.value_max]
    tiles = tile_settings()
    encoding = [tiles["RASTER_SIZE"], tiles["RASTER_WEBP_QUALITY"] if fmt == "webp" else None]
    key = [*row, stat.st_mtime_ns, stat.st_size, *encoding, z, x, y, fmt]
    return hashlib.sha256(repr(key).encode()).hexdigest()[:32]


def _to_rgba(data: np.ndarray, mask: np.ndarray, raster: RasterLayer) -> np.ndarray:
    """Bands (first three, or one stretched to grey) and the validity mask as RGBA bytes."""
    bands = data[:3] if data.shape[0] >= 3 else data[:1]
    if bands.dtype != np.uint8 or raster.value_min is not None or raster.value_max is not None:
        lo = raster.value_min if raster.value_min is not None else float(np.iinfo(np.uint8).min)
        hi = raster.value_max if raster.value_max is not None else float(np.iinfo(np.uint8).max)
        scaled = (bands.astype("float64") - lo) / ((hi - lo) or 1.0) * 255.0
        bands = np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    if bands.shape[0] == 1:
        bands = np.repeat(bands, 3, axis=0)
    return np.concatenate([bands, mask[np.newaxis].astype(np.uint8)], axis=0)


def render_raster_tile(raster: RasterLayer, z: int, x: int, y: int, fmt: str) -> bytes:
    """The encoded tile, or ``b""`` when the tile holds no valid pixel (or lies outside the
    layer's zoom range)."""
    import rasterio.errors

    if not raster.min_zoom <= z <= raster.max_zoom:
        return b""
    try:
        return _render(raster, z, x, y, fmt)
    except rasterio.errors.RasterioError as exc:
        raise NotFound(
            gettext("raster layer %(slug)r: its file cannot be read") % {"slug": raster.slug}
        ) from exc


def _render(raster: RasterLayer, z: int, x: int, y: int, fmt: str) -> bytes:
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.transform import from_bounds
    from rasterio.vrt import WarpedVRT
    from rasterio.warp import calculate_default_transform, transform_bounds

    size = tile_settings()["RASTER_SIZE"]
    bounds = tile_bounds(z, x, y)
    tile_crs = f"EPSG:{gis_settings()['TILE_SRID']}"
    with rasterio.Env(**tile_settings()["GDAL_ENV"]), rasterio.open(raster.path) as src:
        left, bottom, right, top = transform_bounds(tile_crs, src.crs, *bounds, densify_pts=21)
        sb = src.bounds
        if left >= sb.right or right <= sb.left or bottom >= sb.top or top <= sb.bottom:
            return b""
        native, _, _ = calculate_default_transform(
            src.crs, tile_crs, src.width, src.height, *src.bounds
        )
        tile_res = (bounds[2] - bounds[0]) / size
        res = min(abs(native.a), tile_res)  # the source's own detail, at most the tile's
        side = max(size, min(math.ceil((bounds[2] - bounds[0]) / res), size * 64))
        has_alpha = any(ci.name == "alpha" for ci in src.colorinterp)
        with WarpedVRT(
            src,
            crs=tile_crs,
            transform=from_bounds(*bounds, side, side),
            width=side,
            height=side,
            resampling=Resampling.bilinear,
            add_alpha=src.nodata is None and not has_alpha,
        ) as vrt:
            indexes = [i for i, ci in enumerate(vrt.colorinterp, 1) if ci.name != "alpha"]
            data = vrt.read(indexes=indexes, out_shape=(len(indexes), size, size))
            mask = vrt.dataset_mask(out_shape=(size, size))
    if not mask.any():
        return b""
    image = Image.fromarray(np.moveaxis(_to_rgba(data, mask, raster), 0, -1), "RGBA")
    out = io.BytesIO()
    image.save(out, FORMATS[fmt][0], **encoder_options(fmt))
    return out.getvalue()


def encoder_options(fmt: str) -> dict[str, object]:
    """Pillow's options for ``fmt``: WebP is lossless unless ``TILES["RASTER_WEBP_QUALITY"]`` sets
    a quality (1-100), which makes it lossy: an orthophoto tile about a fifth of its lossless
    size at 80 (bench/bench_raster.py), for values a colour step or two away."""
    if fmt != "webp":
        return {}
    quality = tile_settings()["RASTER_WEBP_QUALITY"]
    if quality is None:
        return {"lossless": True}
    return {"lossless": False, "quality": quality, "method": 4}


def get_raster_tile(raster: RasterLayer, z: int, x: int, y: int, fmt: str, etag: str) -> Tile:
    store = tile_store()
    key = f"raster/{raster.slug}/{z}/{x}/{y}/{etag}.{fmt}"
    content = store.get(key)
    if content is None:
        content = render_raster_tile(raster, z, x, y, fmt)
        store.put(key, content)
    return Tile(content=content, etag=etag, public=raster.public)
