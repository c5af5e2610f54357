"""A small hand-made city for the portal's tests, around ``ORIGIN`` (Place Mohammed V), and
Debian's Chromium for the browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from pyproj import Transformer

from tests.factories import (
    ORIGIN,
    ArrondissementFactory,
    FacilityFactory,
    ParcelFactory,
    RoadSegmentFactory,
    line,
    point,
    rect,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.fixture
def browser() -> Iterator:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make system-test)")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def to_lonlat(x: float, y: float) -> tuple[float, float]:
    """A point given in metres from ORIGIN, in lon/lat (pyproj, independent of the database)."""
    gis = settings.GIS
    tr = Transformer.from_crs(gis["STORAGE_SRID"], gis["API_SRID"], always_xy=True)
    return tr.transform(ORIGIN[0] + x, ORIGIN[1] + y)


def bbox_lonlat(x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
    """West, south, east, north of the rectangle's four corners after reprojection."""
    corners = [to_lonlat(x + dx, y + dy) for dx in (0, w) for dy in (0, h)]
    lons, lats = [c[0] for c in corners], [c[1] for c in corners]
    return min(lons), min(lats), max(lons), max(lats)


@pytest.fixture
def small_city(db):
    """An arrondissement, three parcels, a street in two segments, a school."""
    city = {
        "arrondissement": ArrondissementFactory(
            name_fr="Sidi Belyout Test", name_ar="سيدي بليوط", geom=rect(-1000, -1000, 3000, 3000)
        ),
        # 100 m x 100 m = 10,000 m²; 50 x 40 = 2,000 m²
        "parcel": ParcelFactory(
            reference="TF 4242/C", address="12, rue Tahar Sebti", geom=rect(0, 0, 100, 100)
        ),
        "parcel_b": ParcelFactory(
            reference="TF 4243/C",
            address='Angle "Allal" & <Ibn Batouta>',
            geom=rect(200, 0, 50, 40),
            official_area_m2=1999.5,
        ),
        "parcel_c": ParcelFactory(
            reference="R 77/C", address="Derb Omar", geom=rect(0, 300, 20, 20)
        ),
        # Boulevard Zerktouni: two segments, (0,500)-(300,500) and (300,500)-(300,900)
        "road_1": RoadSegmentFactory(
            name_fr="Boulevard Zerktouni",
            name_ar="شارع الزرقطوني",
            road_class="primary",
            geom=line((0, 500), (300, 500)),
        ),
        "road_2": RoadSegmentFactory(
            name_fr="Boulevard Zerktouni",
            name_ar="شارع الزرقطوني",
            road_class="primary",
            geom=line((300, 500), (300, 900)),
        ),
        "road_3": RoadSegmentFactory(
            name_fr="Rue 50% Test_x", road_class="residential", geom=line((0, 1000), (100, 1000))
        ),
        "school": FacilityFactory(
            kind="school", name_fr="École Al Amal", address="Derb Sultan", geom=point(500, 500)
        ),
    }
    return city
