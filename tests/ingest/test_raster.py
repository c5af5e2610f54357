"""GeoTIFF -> Cloud-Optimized GeoTIFF under RASTER_ROOT, registered as a raster layer."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from rio_cogeo.cogeo import cog_validate

from ingest.actions import ingest_file
from ingest.options import IngestOptions
from layers.common.errors import IngestError
from layers.rasters.models import RasterLayer
from tests.factories import ORIGIN, SRID

pytestmark = pytest.mark.django_db


def write_dem(path, crs=SRID, size=512, pixel=2.0):
    """A ``size`` x ``size`` elevation grid of ``pixel`` m cells whose north-west corner is
    ORIGIN; heights rise 1 m per column from 10 m, so min 10 and max 10 + size - 1."""
    data = np.tile(np.arange(size, dtype="float32") + 10, (size, 1))
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": 1,
        "dtype": "float32",
        "transform": from_origin(ORIGIN[0], ORIGIN[1], pixel, pixel),
        "nodata": -9999.0,
    }
    if crs:
        profile["crs"] = f"EPSG:{crs}"
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return path


@pytest.fixture
def raster_root(tmp_path, settings):
    settings.RASTER_ROOT = tmp_path / "rasters"
    return settings.RASTER_ROOT


def test_geotiff_becomes_a_registered_cog(tmp_path, raster_root):
    src = write_dem(tmp_path / "mnt.tif")
    report = ingest_file(
        src, "mnt-casa", IngestOptions(raster_kind="elevation", raster_title="MNT 2 m")
    )
    layer = RasterLayer.objects.get(slug="mnt-casa")
    assert layer.path.parent == raster_root.resolve()
    assert layer.path.exists()
    assert cog_validate(str(layer.path))[0]
    expected = ("elevation", "MNT 2 m", 1, "float32")
    assert (layer.kind, layer.title_fr, layer.band_count, layer.dtype) == expected
    assert layer.resolution_m == pytest.approx(2.0)
    assert (layer.value_min, layer.value_max) == (10.0, 521.0)
    # 512 cells of 2 m: 1,024 m east and south of ORIGIN.
    x, y = ORIGIN
    assert layer.footprint.extent == pytest.approx((x, y - 1024, x + 1024, y), abs=0.01)
    assert layer.footprint.srid == SRID
    assert report.raster["file"] == layer.file_name


def test_reloading_replaces_the_file(tmp_path, raster_root):
    src = write_dem(tmp_path / "mnt.tif")
    ingest_file(src, "mnt")
    first = RasterLayer.objects.get(slug="mnt").path
    ingest_file(src, "mnt")
    second = RasterLayer.objects.get(slug="mnt").path
    assert first != second
    assert second.exists()
    assert RasterLayer.objects.count() == 1


def test_geotiff_in_wgs84_gets_a_footprint_in_storage_srid(tmp_path, raster_root):
    path = tmp_path / "ortho.tif"
    data = np.zeros((3, 64, 64), dtype="uint8")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=64,
        height=64,
        count=3,
        dtype="uint8",
        crs="EPSG:4326",
        transform=from_origin(-7.62, 33.60, 0.0001, 0.0001),
    ) as dst:
        dst.write(data)
    ingest_file(path, "ortho", IngestOptions(raster_kind="orthophoto"))
    layer = RasterLayer.objects.get(slug="ortho")
    xmin, ymin, xmax, ymax = layer.footprint.extent
    # 64 x 0.0001 degrees is 0.0064 x 111.32 km x cos(33.6) = 594 m east-west and about 710 m
    # north-south. The Lambert grid is turned by the meridian convergence, (7.62 - 5.4) degrees
    # x sin(33.3) = 1.22 degrees, so the footprint (a bounding box) is 594 cos + 710 sin = 609 m
    # wide and 710 cos + 594 sin = 722 m high.
    assert xmax - xmin == pytest.approx(609, rel=0.01)
    assert ymax - ymin == pytest.approx(722, rel=0.01)


def test_raster_without_crs_is_refused(tmp_path, raster_root):
    src = write_dem(tmp_path / "scan.tif", crs=None)
    with pytest.raises(IngestError, match="--srs"):
        ingest_file(src, "scan")
    assert not RasterLayer.objects.exists()
    ingest_file(src, "scan", IngestOptions(srs="EPSG:26191"))
    assert RasterLayer.objects.get().source_crs == "EPSG:26191"


def test_corrupt_geotiff_is_refused(tmp_path, raster_root):
    src = write_dem(tmp_path / "mnt.tif")
    src.write_bytes(src.read_bytes()[:2000])
    with pytest.raises(IngestError, match="raster"):
        ingest_file(src, "mnt")
    assert not RasterLayer.objects.exists()
    assert not any(p.suffix == ".tif" for p in raster_root.rglob("*"))


@pytest.mark.usefixtures("english")
def test_geotiff_into_a_vector_layer_is_refused(tmp_path, raster_root):
    with pytest.raises(IngestError, match="parcels is a vector layer"):
        ingest_file(write_dem(tmp_path / "mnt.tif"), "parcels")
    assert not RasterLayer.objects.exists()


def test_files_that_no_layer_names_are_removed_once_old(tmp_path, raster_root):
    """A load whose transaction is rolled back after its COG was put in place (cancelled at its
    end, a worker killed before the commit) leaves the file behind: the next sweep removes it once
    it is ORPHAN_AFTER_S old, with conversion folders a killed process left; the files layers name,
    and young files (a load about to commit), stay."""
    import os
    import time

    from django.db import transaction

    from ingest import raster

    src = write_dem(tmp_path / "mnt.tif", size=64)
    ingest_file(src, "kept")
    kept = RasterLayer.objects.get(slug="kept").path
    with pytest.raises(RuntimeError), transaction.atomic():
        ingest_file(src, "rolled-back")
        raise RuntimeError("cancelled after the file was put in place")
    assert not RasterLayer.objects.filter(slug="rolled-back").exists()
    left = [p for p in raster_root.glob("*.tif") if p != kept]
    assert len(left) == 1 and left[0].name.startswith("rolled-back-")
    folder = raster_root / (raster.TEMP_PREFIX + "killed")
    folder.mkdir()
    (folder / "cog.tif").write_bytes(b"half a file")
    young = raster_root / "young-0123abcd.tif"
    young.write_bytes(b"a load about to commit")

    now = time.time()
    old = now - raster.ORPHAN_AFTER_S - 60
    for path in (kept, left[0], folder):
        os.utime(path, (old, old))
    assert raster.remove_unreferenced_files(now=now) == sorted([left[0].name, folder.name])
    assert kept.exists() and young.exists()
    assert not left[0].exists() and not folder.exists()
    assert raster.remove_unreferenced_files(now=now + raster.ORPHAN_AFTER_S + 60) == [young.name]
    assert kept.exists()
