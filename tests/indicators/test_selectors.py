"""The indicators against hand-made layers whose answers are worked out by hand
(``conftest.make_known_city``)."""

from __future__ import annotations

import math

import pytest

from geoportal.indicators.definitions import INDICATORS
from geoportal.indicators.selectors import city_figures
from tests.factories import TreeFactory, point

# 300 m around a 100 m square, clipped to the quadrant x >= 0, y >= 0 of its corner: the
# 400 x 400 m square less the corner beyond the quarter circle of radius 300 m round (100, 100).
CORNER_NEAR = 400**2 - (300**2 - math.pi * 300**2 / 4)
# 300 m around a 100 m square: the square, four 100 x 300 strips, a circle of radius 300 m;
# the boundary through its middle halves it.
HALF_NEAR = (100 * 100 + 4 * 100 * 300 + math.pi * 300**2) / 2
REL = 2e-3  # the buffer's circles are polygons (16 segments a quarter)


@pytest.fixture
def figures(known_city):
    result = city_figures()
    by_name = {row.name_fr: row.values for row in result.rows}
    return by_name["Ouest"], by_name["Est"], result.city.values


def test_population_area_density(figures):
    west, east, city = figures
    assert west["population"] == 40_000
    assert west["area_km2"] == pytest.approx(4.0)
    assert west["density"] == pytest.approx(10_000)
    assert east["density"] == pytest.approx(5_000)
    assert city["population"] == 45_000
    assert city["density"] == pytest.approx(9_000)


def test_green_space_per_inhabitant(figures):
    west, east, city = figures
    assert west["green_m2_per_inhabitant"] == pytest.approx(15_000 / 40_000)
    assert east["green_m2_per_inhabitant"] == pytest.approx(5_000 / 5_000)  # closed garden out
    assert city["green_m2_per_inhabitant"] == pytest.approx(20_000 / 45_000)


def test_share_within_300_m_of_a_green_space(figures):
    west, east, city = figures
    assert west["green_300m_share"] == pytest.approx(100 * (CORNER_NEAR + HALF_NEAR) / 4e6, rel=REL)
    assert east["green_300m_share"] == pytest.approx(100 * HALF_NEAR / 1e6, rel=REL)
    assert city["green_300m_share"] == pytest.approx(
        100 * (CORNER_NEAR + 2 * HALF_NEAR) / 5e6, rel=REL
    )


def test_trees_per_thousand(figures):
    west, east, city = figures
    assert west["trees_per_1000"] == pytest.approx(3 / 40)  # the dead tree is not counted
    assert east["trees_per_1000"] == pytest.approx(1 / 5)
    assert city["trees_per_1000"] == pytest.approx(4 / 45)


def test_roads_by_grade_and_lights(figures):
    west, east, city = figures
    assert west["road_km"] == pytest.approx(1.7)
    assert (west["road_km_a"], west["road_km_c"], west["road_km_d"]) == pytest.approx(
        (0.5, 0.2, 1.0)
    )
    assert west["road_km_b"] == west["road_km_e"] == 0
    assert west["road_share_de"] == pytest.approx(100 * 1.0 / 1.7)
    assert east["road_km"] == pytest.approx(0.4)  # with the 100 m never inspected
    assert east["road_km_c"] == pytest.approx(0.3)
    assert east["road_share_de"] == 0
    assert city["road_km"] == pytest.approx(2.1)  # 500 m lie in no arrondissement
    assert city["road_share_de"] == pytest.approx(100 * 1.0 / 2.0)  # of the graded 2.0 km
    assert west["lights_per_km"] == pytest.approx(17 / 1.7)  # the removed light is not counted
    assert east["lights_per_km"] == pytest.approx(2 / 0.4)
    assert city["lights_per_km"] == pytest.approx(19 / 2.1)


def test_parcels_by_land_status(figures):
    west, east, city = figures
    assert west["parcels_titled"] == 1
    assert west["parcels_titled_ha"] == pytest.approx(1.0)
    assert west["parcels_public_domain"] == 1
    assert west["parcels_public_domain_ha"] == pytest.approx(0.2)
    assert east["parcels_titled"] == 1  # the parcel astride the boundary, whole
    assert east["parcels_titled_ha"] == pytest.approx(0.08)
    assert city["parcels_titled"] == 2
    assert city["parcels_habous"] == 0


def test_reserved_land_by_use(figures):
    west, east, _city = figures
    assert west["reserved_ha"] == pytest.approx(1.5)
    assert west["reserved_school_ha"] == pytest.approx(1.0)
    assert west["reserved_road_ha"] == pytest.approx(0.5)
    assert east["reserved_ha"] == 0


def test_facilities_and_reports_per_ten_thousand(figures):
    west, east, city = figures
    assert west["facilities_per_10k"] == pytest.approx(3 / 4)
    assert west["facilities_school_per_10k"] == pytest.approx(2 / 4)
    assert west["facilities_health_per_10k"] == pytest.approx(1 / 4)
    assert east["facilities_market_per_10k"] == pytest.approx(2.0)
    assert city["facilities_per_10k"] == pytest.approx(4 / 4.5)
    assert west["open_reports_per_10k"] == pytest.approx(2 / 4)  # the resolved one is not open
    assert east["open_reports_per_10k"] == 0


def test_every_indicator_is_computed(figures):
    west, _east, city = figures
    assert set(west) == set(city) == {ind.key for ind in INDICATORS}


def test_a_write_to_a_source_layer_is_seen_at_the_next_read(known_city):
    first = city_figures()
    assert city_figures().version == first.version  # nothing written: the same figures
    TreeFactory(geom=point(900, 50))
    second = city_figures()
    assert second.version != first.version
    west = next(row for row in second.rows if row.name_fr == "Ouest")
    assert west.values["trees_per_1000"] == pytest.approx(4 / 40)


def test_an_arrondissement_without_population_has_no_ratio(known_city):
    known_city["east"].population_2024 = None
    known_city["east"].save()
    east = next(row for row in city_figures().rows if row.name_fr == "Est")
    assert east.values["density"] is None
    assert east.values["trees_per_1000"] is None
    assert east.values["road_km"] == pytest.approx(0.4)


def test_unchanged_layers_are_read_from_the_cache(known_city, django_assert_num_queries):
    city_figures()
    with django_assert_num_queries(1):  # the layers' versions only
        city_figures()
