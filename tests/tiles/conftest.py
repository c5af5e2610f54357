"""Fixtures of the tile tests: a private tile cache and raster folder per test, and the expected
tile positions worked out independently of the server (pyproj and the slippy-map formulas)."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
from pyproj import Transformer

from tests.factories import ORIGIN, SRID

WORLD_HALF = 20037508.342789244


@pytest.fixture(autouse=True)
def tile_cache_dir(settings, tmp_path):
    settings.TILES = {**settings.TILES, "CACHE": "files", "CACHE_DIR": str(tmp_path / "tiles")}
    return tmp_path / "tiles"


@pytest.fixture
def raster_root(settings, tmp_path):
    root = tmp_path / "rasters"
    root.mkdir()
    settings.RASTER_ROOT = root
    return root


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Metres from ORIGIN (storage SRID) to longitude/latitude, by pyproj."""
    transformer = Transformer.from_crs(SRID, 4326, always_xy=True)
    return transformer.transform(ORIGIN[0] + x, ORIGIN[1] + y)


def mercator(lon: float, lat: float) -> tuple[float, float]:
    """Spherical Mercator (EPSG:3857) by its formula."""
    r = 6378137.0
    return math.radians(lon) * r, math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * r


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = (lon + 180) / 360 * n
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int(x), int(y)


def tile_pixel(lon: float, lat: float, z: int, x: int, y: int, extent: int = 4096):
    """Position of a point inside tile z/x/y in MVT units (origin top left, y down)."""
    mx, my = mercator(lon, lat)
    size = 2 * WORLD_HALF / 2**z
    left, top = -WORLD_HALF + x * size, WORLD_HALF - y * size
    return (mx - left) / size * extent, (top - my) / size * extent


def origin_tile(z: int) -> tuple[int, int, int]:
    """The tile holding ORIGIN (in the default city Place Mohammed V, 33.5936 N, 7.6186 W) at
    zoom ``z``."""
    return (z, *tile_of(*lonlat(0, 0), z))


def decode(content: bytes) -> dict:
    return mapbox_vector_tile.decode(content, default_options={"y_coord_down": True})


@pytest.fixture
def manage_env(manage_env, tmp_path):
    """Servers started by the tile tests keep their tile cache in the test's own folder."""
    return {**manage_env, "GEOPORTAL_VAR_DIR": str(tmp_path / "var")}
