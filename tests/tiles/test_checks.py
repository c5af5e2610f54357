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
