"""The ``OGC`` settings are checked at start-up."""

from __future__ import annotations

from ogc.checks import check_ogc_settings


def test_default_settings_pass():
    assert check_ogc_settings() == []


def test_bad_settings_are_reported(settings):
    settings.OGC = {**settings.OGC, "DEFAULT_LIMIT": 50000, "CRS": ("EPSG/0/999999",)}
    assert {e.id for e in check_ogc_settings()} == {"ogc.E003", "ogc.E005"}
    settings.OGC = {**settings.OGC, "COUNT_CAP": "many"}
    assert [e.id for e in check_ogc_settings()] == ["ogc.E002"]


def test_basic_auth_localhost_is_none_or_a_boolean(settings):
    for value in (None, True, False):
        settings.OGC = {**settings.OGC, "BASIC_AUTH_LOCALHOST": value}
        assert check_ogc_settings() == []
    for value in ("yes", 1):
        settings.OGC = {**settings.OGC, "BASIC_AUTH_LOCALHOST": value}
        assert [e.id for e in check_ogc_settings()] == ["ogc.E002"]


def test_next_limit_growth_is_a_factor_of_at_least_one(settings):
    settings.OGC = {**settings.OGC, "NEXT_LIMIT_GROWTH": 1}
    assert check_ogc_settings() == []
    settings.OGC = {**settings.OGC, "NEXT_LIMIT_GROWTH": 0}
    assert [e.id for e in check_ogc_settings()] == ["ogc.E003"]
    settings.OGC = {**settings.OGC, "NEXT_LIMIT_GROWTH": 2.5}
    assert [e.id for e in check_ogc_settings()] == ["ogc.E002"]
