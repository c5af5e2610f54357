"""The TILES settings are checked at start-up."""

from __future__ import annotations

from tiles.checks import check_tiles_settings


def test_default_settings_pass():
    assert check_tiles_settings() == []


def test_bad_values_are_reported(settings):
    settings.TILES = {**settings.TILES, "EXTENT": "4096", "CACHE": "redis-that-is-not-there"}
    settings.GIS = {**settings.GIS, "TILE_SRID": 4326}
    ids = sorted(e.id for e in check_tiles_settings())
    assert ids == ["tiles.E002", "tiles.E003", "tiles.E004"]
    settings.TILES = ["not", "a", "dict"]
    assert [e.id for e in check_tiles_settings()] == ["tiles.E001"]


def test_the_webp_quality_is_none_or_1_to_100(settings):
    for bad in (0, 101, "80", True):
        settings.TILES = {**settings.TILES, "RASTER_WEBP_QUALITY": bad}
        assert [e.id for e in check_tiles_settings()] == ["tiles.E002"], bad
    for good in (None, 1, 80, 100):
        settings.TILES = {**settings.TILES, "RASTER_WEBP_QUALITY": good}
        assert check_tiles_settings() == [], good


def test_the_gdal_block_cache_is_given_in_bytes(settings):
    # rasterio.Env passes GDAL_CACHEMAX to GDALSetCacheMax64 in bytes: 128 would be 128 bytes.
    for bad in (128, "128MB", 99_999):
        settings.TILES = {**settings.TILES, "GDAL_ENV": {"GDAL_CACHEMAX": bad}}
        assert [e.id for e in check_tiles_settings()] == ["tiles.E002"], bad
    settings.TILES = {**settings.TILES, "GDAL_ENV": {"GDAL_CACHEMAX": 128 * 2**20}}
    assert check_tiles_settings() == []
