"""Fixtures of the e-renseignement tests: a planning document in force over a 3 km square around
ORIGIN, an arrondissement over the same square, and helpers to build zones of a regulation.

Geometries are hand-made rectangles (``tests.factories.rect``) so every area is known by hand."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.factories import (
    ArrondissementFactory,
    PlanningDocumentFactory,
    ZoneFactory,
    ZoneRegulationFactory,
    rect,
)


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    """Most tests send many requests from one client; the rate-limit tests set their own."""
    settings.RENSEIGNEMENT = {
        **settings.RENSEIGNEMENT,
        "RATE_LIMITS": {"note": (10_000, 60), "issue": (10_000, 60)},
    }


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Rendered PDFs are kept under MEDIA_ROOT, and signed with a key made under var/signing/:
    neither is the project's var/ in tests."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RENSEIGNEMENT = {
        **settings.RENSEIGNEMENT,
        "SIGNING_KEY": str(tmp_path / "signing" / "key.pem"),
        "SIGNING_CERT": str(tmp_path / "signing" / "cert.pem"),
    }


@pytest.fixture
def document(db):
    # Covers x, y from -1000 to 2000 m around ORIGIN.
    return PlanningDocumentFactory(reference="PA-CASA-2020", name="Plan d'aménagement Anfa")


@pytest.fixture
def arrondissement(db):
    return ArrondissementFactory(code="141010101", name_fr="Anfa", name_ar="أنفا")


@pytest.fixture
def make_zone(document):
    def make(code: str, geom, **reg_fields):
        regulation = ZoneRegulationFactory(document=document, code=code, **reg_fields)
        return ZoneFactory(regulation=regulation, geom=geom)

    return make


@pytest.fixture
def split_70_30(make_zone):
    """Zone R+4 west of x = 70 m, zone VE east of it: a 100 m square parcel at ORIGIN is 70/30."""
    west = make_zone("R+4", rect(-500, -500, 570, 1000), max_height_m=15.5, max_floors=4)
    east = make_zone(
        "VE",
        rect(70, -500, 500, 1000),
        label_fr="Zone verte",
        category="green",
        max_height_m=None,
        max_floors=None,
        cos=0.05,
        ces=0.02,
    )
    return west, east


@pytest.fixture
def storage_srid() -> int:
    return settings.GIS["STORAGE_SRID"]
