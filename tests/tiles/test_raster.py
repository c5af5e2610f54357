"""Raster tiles from a COG made in the test (rasterio + rio-cogeo): georeferencing checked pixel
by pixel against positions worked out independently, transparency, formats and vetted paths."""

from __future__ import annotations

import io

import numpy as np
import pytest
import rasterio
from django.contrib.gis.geos import Polygon
from PIL import Image
from rasterio.transform import from_origin
from rio_cogeo.cogeo import cog_translate, cog_validate
from rio_cogeo.profiles import cog_profiles

from layers.rasters.models import RasterLayer
from tests.factories import ORIGIN
from tests.tiles.conftest import lonlat, origin_tile, tile_pixel

pytestmark = pytest.mark.django_db

HALF = 1000  # the raster covers ORIGIN +- 1 km
RES = 2.0  # metres per pixel


def make_cog(folder, name: str, data: np.ndarray, nodata=None) -> str:
    """A GeoTIFF in EPSG:26191 centred on ORIGIN, converted to a COG with overviews."""
    raw = folder / f"raw-{name}"
    profile = {
        "driver": "GTiff",
        "width": data.shape[2],
        "height": data.shape[1],
        "count": data.shape[0],
        "dtype": data.dtype.name,
        "crs": "EPSG:26191",
        "transform": from_origin(ORIGIN[0] - HALF, ORIGIN[1] + HALF, RES, RES),
        "nodata": nodata,
    }
    with rasterio.open(raw, "w", **profile) as dst:
        dst.write(data)
    cog_translate(raw, folder / name, cog_profiles.get("deflate"), quiet=True, overview_level=3)
    raw.unlink()
    assert cog_validate(folder / name)[0]
    return name


def footprint() -> Polygon:
    x0, y0, x1, y1 = ORIGIN[0] - HALF, ORIGIN[1] - HALF, ORIGIN[0] + HALF, ORIGIN[1] + HALF
    return Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)), srid=26191)


@pytest.fixture
def orthophoto(raster_root) -> RasterLayer:
    """West of ORIGIN red, east of it blue."""
    side = int(2 * HALF / RES)
    data = np.zeros((3, side, side), dtype=np.uint8)
    data[0, :, : side // 2] = 255
    data[2, :, side // 2 :] = 255
    name = make_cog(raster_root, "ortho.tif", data)
    return RasterLayer.objects.create(
        slug="ortho-2024",
        title_fr="Orthophoto 2024",
        kind="orthophoto",
        file_name=name,
        band_count=3,
        footprint=footprint(),
        min_zoom=10,
        max_zoom=21,
    )


def image(content: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(content)).convert("RGBA"))


@pytest.mark.parametrize(("fmt", "content_type"), [("png", "image/png"), ("webp", "image/webp")])
def test_orthophoto_tile_is_georeferenced(client, orthophoto, fmt, content_type):
    z, x, y = origin_tile(18)
    response = client.get(f"/tiles/raster/ortho-2024/{z}/{x}/{y}.{fmt}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    pixels = image(response.content)
    assert pixels.shape == (256, 256, 4)
    # ORIGIN, where red turns to blue, in tile pixels (256 per side).
    col, row = (v / 16 for v in tile_pixel(*lonlat(0, 0), z, x, y))
    row = int(row)
    assert 20 < col < 236
    assert tuple(pixels[row, int(col) - 12]) == (255, 0, 0, 255)
    assert tuple(pixels[row, int(col) + 12]) == (0, 0, 255, 255)


def test_outside_the_raster_is_204_and_edges_are_transparent(client, orthophoto):
    z, x, y = origin_tile(18)
    assert client.get(f"/tiles/raster/ortho-2024/{z}/{x + 40}/{y}.png").status_code == 204
    # At zoom 13 (about 4 km tiles) the 2 km raster fills only part of the tile.
    z, x, y = origin_tile(13)
    pixels = image(client.get(f"/tiles/raster/ortho-2024/{z}/{x}/{y}.png").content)
    alpha = pixels[:, :, 3]
    assert (alpha == 0).any() and (alpha == 255).any()
    # The covered share is about the raster's area over the tile's ground area.
    east = tile_pixel(*lonlat(HALF, 0), z, x, y)[0]
    west = tile_pixel(*lonlat(-HALF, 0), z, x, y)[0]
    expected = ((east - west) / 4096) ** 2
    assert (alpha > 0).mean() == pytest.approx(expected, rel=0.1)


def test_zoom_range_of_the_layer(client, orthophoto):
    z, x, y = origin_tile(9)
    assert client.get(f"/tiles/raster/ortho-2024/{z}/{x}/{y}.png").status_code == 204


def test_elevation_is_stretched_to_grey(client, raster_root):
    side = int(2 * HALF / RES)
    data = np.full((1, side, side), 50.0, dtype=np.float32)
    data[0, :, : side // 2] = -9999.0  # the west half has no data
    name = make_cog(raster_root, "dem.tif", data, nodata=-9999.0)
    RasterLayer.objects.create(
        slug="mnt",
        title_fr="MNT",
        kind="elevation",
        file_name=name,
        footprint=footprint(),
        value_min=0.0,
        value_max=100.0,
    )
    z, x, y = origin_tile(18)
    pixels = image(client.get(f"/tiles/raster/mnt/{z}/{x}/{y}.png").content)
    col, row = (v / 16 for v in tile_pixel(*lonlat(0, 0), z, x, y))
    grey = pixels[int(row), int(col) + 12]
    # 50 m on a 0-100 m ramp is half of 255.
    assert grey[0] == grey[1] == grey[2] and abs(int(grey[0]) - 127.5) <= 1 and grey[3] == 255
    assert pixels[int(row), int(col) - 12][3] == 0


def test_cache_headers_and_304(client, orthophoto):
    z, x, y = origin_tile(18)
    first = client.get(f"/tiles/raster/ortho-2024/{z}/{x}/{y}.png")
    assert first["Cache-Control"] == "public, no-cache"
    again = client.get(
        f"/tiles/raster/ortho-2024/{z}/{x}/{y}.png", HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert again.status_code == 304
    orthophoto.value_max = 200.0  # a new display range is a new tile
    orthophoto.save()
    third = client.get(
        f"/tiles/raster/ortho-2024/{z}/{x}/{y}.png", HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert third.status_code == 200


def test_paths_are_vetted_and_private_layers_hidden(client, orthophoto, raster_root):
    z, x, y = origin_tile(18)
    RasterLayer.objects.create(
        slug="escape",
        title_fr="x",
        kind="other",
        file_name="../../etc/passwd",
        footprint=footprint(),
    )
    assert client.get(f"/tiles/raster/escape/{z}/{x}/{y}.png").status_code == 404
    orthophoto.public = False
    orthophoto.save()
    assert client.get(f"/tiles/raster/ortho-2024/{z}/{x}/{y}.png").status_code == 404
    assert client.get("/tiles/raster/ortho-2024.json").status_code == 404
    assert client.get(f"/tiles/raster/nothing/{z}/{x}/{y}.png").status_code == 404
    assert client.get(f"/tiles/raster/ortho-2024/{z}/{x}/{y}.jpg").status_code == 404


def test_raster_tilejson(client, orthophoto):
    doc = client.get("/tiles/raster/ortho-2024.json?format=webp").json()
    assert doc["tiles"] == ["http://testserver/tiles/raster/ortho-2024/{z}/{x}/{y}.webp"]
    assert (doc["minzoom"], doc["maxzoom"]) == (10, 21)
    west, south = lonlat(-HALF, -HALF)
    east, north = lonlat(HALF, HALF)
    w, s, e, n = doc["bounds"]
    assert w == pytest.approx(west, abs=0.005) and e == pytest.approx(east, abs=0.005)
    assert s == pytest.approx(south, abs=0.005) and n == pytest.approx(north, abs=0.005)
    assert client.get("/tiles/raster/ortho-2024.json?format=gif").status_code == 400


def test_an_unreadable_file_is_404_not_500(client, raster_root):
    (raster_root / "broken.tif").write_bytes(b"not a tiff at all")
    RasterLayer.objects.create(
        slug="broken", title_fr="x", kind="other", file_name="broken.tif", footprint=footprint()
    )
    z, x, y = origin_tile(18)
    response = client.get(f"/tiles/raster/broken/{z}/{x}/{y}.png")
    assert response.status_code == 404
    assert "ne peut pas être lu" in response.json()["detail"]  # French by default


def photo_like(side: int, seed: int = 7) -> np.ndarray:
    """Three bands of smooth gradients plus noise, as an aerial photograph has (PNG and lossless
    WebP cannot shrink the noise; a lossy encoder may)."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 200, side)
    base = np.stack(
        [np.add.outer(ramp, ramp) / 2, np.add.outer(ramp, ramp[::-1]) / 2, np.tile(ramp, (side, 1))]
    )
    return np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)


def test_lossy_webp_is_smaller_and_close_to_the_pixels(client, settings, raster_root):
    data = photo_like(1000)
    RasterLayer.objects.create(
        slug="photo",
        title_fr="Photo",
        kind="orthophoto",
        file_name=make_cog(raster_root, "photo.tif", data),
        band_count=3,
        footprint=footprint(),
        min_zoom=10,
        max_zoom=21,
    )
    z, x, y = origin_tile(15)
    lossless = client.get(f"/tiles/raster/photo/{z}/{x}/{y}.webp")
    settings.TILES = {**settings.TILES, "RASTER_WEBP_QUALITY": 80}
    lossy = client.get(f"/tiles/raster/photo/{z}/{x}/{y}.webp")
    assert lossy.status_code == lossless.status_code == 200
    assert lossy["ETag"] != lossless["ETag"]  # another encoding, another validator
    assert len(lossy.content) < len(lossless.content) / 2
    exact, approx = image(lossless.content).astype(int), image(lossy.content).astype(int)
    assert np.array_equal(exact[..., 3], approx[..., 3])  # the same pixels are transparent
    seen = exact[..., 3] == 255
    # Quality 80 keeps colours near: on average within a few levels of 255, rarely far.
    error = np.abs(exact[..., :3] - approx[..., :3])[seen]
    assert error.mean() < 8 and np.percentile(error, 99) < 40


def bytes_read() -> int:
    """Bytes this process has asked of the kernel by read calls (``rchar``): what GDAL reads of a
    file, whether it comes from the disk or the page cache."""
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("rchar:"))


def test_a_low_zoom_tile_reads_the_overviews_not_the_full_resolution(client, raster_root):
    # The same 4,000-pixel image (8 km at 2 m) as a COG with overviews and as a tiled GeoTIFF
    # without: at zoom 12 the whole image fits in about 70 tile pixels, so a reader of the
    # overviews needs the 1/32 level (125 pixels a side), about 1/1000 of the pixels.
    side = 4000
    data = photo_like(side, seed=3)
    half = side * RES / 2
    profile = {
        "driver": "GTiff",
        "width": side,
        "height": side,
        "count": 3,
        "dtype": "uint8",
        "crs": "EPSG:26191",
        "transform": from_origin(ORIGIN[0] - half, ORIGIN[1] + half, RES, RES),
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
    }
    with rasterio.open(raster_root / "flat.tif", "w", **profile) as dst:
        dst.write(data)
    cog_translate(
        raster_root / "flat.tif", raster_root / "cog.tif", cog_profiles.get("deflate"), quiet=True
    )
    with (
        rasterio.open(raster_root / "cog.tif") as cog,
        rasterio.open(raster_root / "flat.tif") as flat,
    ):
        assert len(cog.overviews(1)) >= 3 and flat.overviews(1) == []
    for slug, name in (("with-overviews", "cog.tif"), ("without", "flat.tif")):
        RasterLayer.objects.create(
            slug=slug,
            title_fr=slug,
            kind="orthophoto",
            file_name=name,
            band_count=3,
            footprint=footprint(),
            min_zoom=5,
            max_zoom=21,
        )
    z, x, y = origin_tile(12)
    read = {}
    for slug in ("with-overviews", "without"):
        before = bytes_read()
        assert client.get(f"/tiles/raster/{slug}/{z}/{x}/{y}.png").status_code == 200
        read[slug] = bytes_read() - before
    full = (raster_root / "flat.tif").stat().st_size
    assert read["without"] > full / 8  # the full-resolution blocks under the tile
    assert read["with-overviews"] < read["without"] / 20
