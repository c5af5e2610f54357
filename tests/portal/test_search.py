"""``/api/search``: parcel references, street names, arrondissements and places, with a lon/lat
box to fly to (expected boxes reprojected here with pyproj, not by the database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from layers.common.registry import Layer, get_layer
from tests.factories import (
    CitizenReportFactory,
    ParcelFactory,
    RoadSegmentFactory,
    line,
    point,
    rect,
)
from tests.portal.conftest import bbox_lonlat
from tests.registry_overrides import layer_options

pytestmark = pytest.mark.django_db
TOL = 1e-5  # degrees, about a metre


def search(client, q: str, **params) -> list[dict]:
    response = client.get("/api/search", {"q": q, **params})
    assert response.status_code == 200
    return response.json()["results"]


def assert_box(actual: list[float], expected: tuple[float, ...]) -> None:
    assert actual == pytest.approx(list(expected), abs=TOL)


def test_parcel_reference_finds_the_parcel_with_its_box_in_lonlat(client, small_city):
    hits = search(client, "TF 4242")
    assert hits[0]["layer"] == "parcels"
    assert hits[0]["label"] == "TF 4242/C"
    assert hits[0]["id"] == small_city["parcel"].pk
    assert_box(hits[0]["bbox"], bbox_lonlat(0, 0, 100, 100))
    west, south, east, north = bbox_lonlat(0, 0, 100, 100)
    assert hits[0]["point"] == pytest.approx([(west + east) / 2, (south + north) / 2], abs=TOL)


def test_reference_search_ignores_case_and_extra_spaces(client, small_city):
    labels = [h["label"] for h in search(client, "  tf   424 ")]
    assert labels[:2] == ["TF 4242/C", "TF 4243/C"]


def test_street_segments_with_one_name_are_one_hit_covering_both(client, small_city):
    hits = [h for h in search(client, "zerktouni") if h["layer"] == "roads"]
    assert len(hits) == 1
    assert hits[0]["label"] == "Boulevard Zerktouni"
    # segments (0,500)-(300,500) and (300,500)-(300,900): the box is 300 m x 400 m
    assert_box(hits[0]["bbox"], bbox_lonlat(0, 500, 300, 400))


def test_arabic_street_name_is_found(client, small_city):
    hits = search(client, "الزرقطوني")
    assert [h["layer"] for h in hits] == ["roads"]
    assert hits[0]["matched"] == "شارع الزرقطوني"


def test_arrondissement_and_facility_are_found(client, small_city):
    assert search(client, "belyout")[0]["layer"] == "arrondissements"
    school = search(client, "Al Amal")[0]
    assert school["layer"] == "facilities" and school["label"] == "École Al Amal"
    # a point: the box is degenerate and the point is the school itself
    west, south, east, north = bbox_lonlat(500, 500, 0, 0)
    assert school["point"] == pytest.approx([west, south], abs=TOL)


def test_parcel_found_by_its_address(client, small_city):
    hit = search(client, "Tahar Sebti")[0]
    assert hit["label"] == "TF 4242/C" and hit["matched"] == "12, rue Tahar Sebti"


def test_like_wildcards_in_the_query_are_literal(client, small_city):
    assert [h["label"] for h in search(client, "50%")] == ["Rue 50% Test_x"]
    assert search(client, "t_x") == [] or all(
        "t_x" in h["label"].lower() for h in search(client, "t_x")
    )
    # "%" alone would match everything if it were not escaped
    assert search(client, "%%%") == []


def test_short_query_returns_nothing_and_limit_is_bounded(client, small_city):
    assert search(client, "T") == [] and search(client, "TF") == []  # trigrams need 3 characters
    for i in range(30):
        RoadSegmentFactory(
            name_fr=f"Rue des Oliviers {i:02d}", geom=line((0, 2000 + i), (10, 2000 + i))
        )
    assert len(search(client, "oliviers")) == 10
    assert len(search(client, "oliviers", limit=3)) == 3
    assert len(search(client, "oliviers", limit=500)) == 20
    bad = client.get("/api/search", {"q": "oliviers", "limit": "x"})
    assert bad.status_code == 400
    assert (bad.json()["detail"], bad.json()["field"]) == (
        "limit doit être un nombre entier",
        "limit",
    )


def test_search_is_one_query(client, small_city):
    with CaptureQueriesContext(connection) as ctx:
        search(client, "zerktouni")
    assert len([q for q in ctx.captured_queries if "ILIKE" in q["sql"]]) == 1


@pytest.fixture
def searched_reports() -> Iterator[Layer]:
    """The internal layer (citizen reports) with a searched attribute, its description, for the
    test's duration: no internal layer has one today, so without it a search could never reach
    an internal layer and the visibility rule would go untested."""
    registered = get_layer("citizen-reports").options
    assert registered.public is False
    with layer_options("citizen-reports", search_fields=("description",)) as layer:
        yield layer
    assert get_layer("citizen-reports").options == registered  # put back


def test_internal_layers_are_not_searched_for_citizens(client, small_city, searched_reports):
    report = CitizenReportFactory(
        description="Lampadaire en panne rue Oukacha", geom=point(400, 400)
    )
    assert search(client, "oukacha") == []  # anonymous
    citizen = User.objects.create_user("citizen", password="pw")
    client.force_login(citizen)
    assert search(client, "oukacha") == []  # signed in, without the permission
    staff = User.objects.create_user("staff", password="pw")
    staff.user_permissions.add(Permission.objects.get(codename="view_citizenreport"))
    client.force_login(staff)
    hits = search(client, "oukacha")
    assert [(h["layer"], h["id"], h["label"]) for h in hits] == [
        ("citizen-reports", report.pk, "Lampadaire en panne rue Oukacha")
    ]
    west, south, east, north = bbox_lonlat(400, 400, 0, 0)
    assert hits[0]["point"] == pytest.approx([west, south], abs=TOL)
    # The public layers answer staff as they answer everyone.
    assert search(client, "TF 4242")[0]["label"] == "TF 4242/C"


def test_accents_and_case_are_ignored(client, small_city):
    assert search(client, "ecole al amal")[0]["label"] == "École Al Amal"
    assert search(client, "ÉCOLE")[0]["label"] == "École Al Amal"


def test_a_place_name_ranks_before_addresses_that_mention_it(client, small_city):
    ParcelFactory(
        reference="TF 5000/C", address="3, rue 19, Sidi Belyout Test", geom=rect(0, 600, 10, 10)
    )
    hits = search(client, "sidi belyout")
    assert [h["layer"] for h in hits[:2]] == ["arrondissements", "parcels"]
    # a reference that is typed in full comes before references that only start with it
    ParcelFactory(reference="TF 42/C", geom=rect(0, 700, 10, 10))
    ParcelFactory(reference="TF 421/C", geom=rect(0, 720, 10, 10))
    assert search(client, "tf 42/c")[0]["label"] == "TF 42/C"
