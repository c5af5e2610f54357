"""Two hand-made square arrondissements with known answers (see ``known_city``)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.factories import (
    ArrondissementFactory,
    CitizenReportFactory,
    FacilityFactory,
    GreenSpaceFactory,
    ParcelFactory,
    ReservedLandFactory,
    RoadSegmentFactory,
    StreetLightFactory,
    TreeFactory,
    line,
    point,
    rect,
)


def make_known_city() -> dict:
    """West: a 2 km square (4 km², 40,000 inhabitants); East: a 1 km square beside it (1 km²,
    5,000 inhabitants). Every figure the tests expect is worked out by hand in their comments."""
    west = ArrondissementFactory(
        name_fr="Ouest", population_2024=40_000, geom=rect(0, 0, 2000, 2000)
    )
    east = ArrondissementFactory(
        name_fr="Est", population_2024=5_000, geom=rect(2000, 0, 1000, 1000)
    )
    # Green spaces: a 100 m square in West's south-west corner (10,000 m²); a 100 m square
    # astride the boundary (5,000 m² each side); a closed garden in East (not counted).
    GreenSpaceFactory(geom=rect(0, 0, 100, 100))
    GreenSpaceFactory(geom=rect(1950, 500, 100, 100))
    GreenSpaceFactory(geom=rect(2300, 100, 100, 100), public_access=False)
    # Trees: three living and a dead one in West, one in East.
    for x in (500, 600, 700):
        TreeFactory(geom=point(x, 50))
    TreeFactory(geom=point(800, 50), condition="dead")
    TreeFactory(geom=point(2500, 50))
    # Roads: 1,000 m graded D (index 30) in West; 1,000 m at y=1500 graded A (index 90), of which
    # 500 m in West and 500 m outside both; 500 m graded C (index 50) across the boundary, 200 m
    # in West and 300 m in East; 100 m never inspected in East.
    RoadSegmentFactory(condition_index=30, geom=line((100, 1000), (1100, 1000)))
    RoadSegmentFactory(condition_index=90, geom=line((1500, 1500), (2500, 1500)))
    RoadSegmentFactory(condition_index=50, geom=line((1800, 200), (2300, 200)))
    RoadSegmentFactory(condition_index=None, geom=line((2500, 800), (2600, 800)))
    # Street lights: 17 in West and a removed one; 2 in East.
    for i in range(17):
        StreetLightFactory(geom=point(100 + 50 * i, 990))
    StreetLightFactory(geom=point(100, 1010), status="removed")
    StreetLightFactory(geom=point(2100, 190))
    StreetLightFactory(geom=point(2200, 190))
    # Parcels: 10,000 m² titled and 2,000 m² public domain in West; a 40 x 20 m titled parcel
    # astride the boundary whose inside point (x 2010) is in East: counted whole in East.
    ParcelFactory(geom=rect(500, 500, 100, 100), land_status="titled")
    ParcelFactory(geom=rect(700, 500, 50, 40), land_status="public_domain")
    ParcelFactory(geom=rect(1990, 50, 40, 20), land_status="titled")
    # Reserved land in West: a school plot of 1 ha, and a planned road of which 100 x 50 m lies
    # in West (the rest in no arrondissement).
    ReservedLandFactory(kind="school", geom=rect(100, 1500, 100, 100))
    ReservedLandFactory(kind="road", geom=rect(1900, 1900, 200, 50))
    # Facilities: two schools and a health centre in West; a market in East.
    FacilityFactory(kind="school", geom=point(300, 300))
    FacilityFactory(kind="school", geom=point(400, 300))
    FacilityFactory(kind="health", geom=point(500, 300))
    FacilityFactory(kind="market", geom=point(2500, 500))
    # Citizen reports in West: two open, one resolved.
    CitizenReportFactory(status="new", geom=point(300, 700))
    CitizenReportFactory(status="in_progress", geom=point(310, 700))
    CitizenReportFactory(status="resolved", geom=point(320, 700))
    return {"west": west, "east": east}


@pytest.fixture
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def known_city(db, empty_cache) -> dict:
    return make_known_city()


@pytest.fixture
def known_city_committed(transactional_db, empty_cache) -> dict:
    """The same rows, committed: a live server reads them on its own connection."""
    return make_known_city()
