"""The portal's layer tree and open-data catalogue cost a fixed number of queries: the same for a
few features or many, and (the layer tree) for few layers or many."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from layers.common.registry import layers
from tests.factories import ParcelFactory, RoadSegmentFactory, line, rect
from tests.registry_overrides import layer_options

pytestmark = pytest.mark.django_db

# Public layers made internal for a test, to change how many layers a user sees.
MADE_INTERNAL = ("trees", "street-furniture", "street-lights", "servitudes", "reserved-land")
# A signed-in request: its session, its user, then the user's and their groups' permissions
# (read once, then cached on the user for every layer).
SIGNED_IN = 4


def more_features(n: int) -> None:
    for i in range(n):
        ParcelFactory(geom=rect(20 * i, 2000, 10, 10))
        RoadSegmentFactory(geom=line((20 * i, 2100), (20 * i + 10, 2100)))


@pytest.fixture
def fewer_public_layers() -> Iterator[int]:
    """Five public layers made internal for the test; yields how many public layers remain."""
    with ExitStack() as stack:
        for slug in MADE_INTERNAL:
            stack.enter_context(layer_options(slug, public=False))
        yield len(list(layers(public_only=True)))


def tree_slugs(response) -> list[str]:
    return [lyr["slug"] for theme in response.json()["themes"] for lyr in theme["layers"]]


@pytest.fixture
def staff(client) -> User:
    """Signed in, may see every layer (those made internal in a test too)."""
    user = User.objects.create_user("staff", password="pw")
    codenames = [f"view_{lyr.model._meta.model_name}" for lyr in layers()]
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return user


def test_the_layer_tree_reads_nothing_for_an_anonymous_visitor(
    client, small_city, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert len(tree_slugs(client.get("/api/layers"))) == len(list(layers(public_only=True)))
    more_features(50)
    with django_assert_num_queries(0):
        client.get("/api/layers")


def test_the_layer_tree_of_a_signed_in_user_does_not_grow_with_layers_or_features(
    client, small_city, django_user_model, django_assert_num_queries, request
):
    user = django_user_model.objects.create_user("citizen", password="pw")
    client.force_login(user)
    with django_assert_num_queries(SIGNED_IN):
        many = tree_slugs(client.get("/api/layers"))
    more_features(50)
    fewer = request.getfixturevalue("fewer_public_layers")
    with django_assert_num_queries(SIGNED_IN):
        few = tree_slugs(client.get("/api/layers"))
    assert len(few) == fewer < len(many)


def test_the_layer_tree_of_staff_with_every_internal_layer(
    client, small_city, staff, django_assert_num_queries, request
):
    with django_assert_num_queries(SIGNED_IN):
        everything = tree_slugs(client.get("/api/layers"))
    assert "citizen-reports" in everything
    request.getfixturevalue("fewer_public_layers")
    more_features(50)
    with django_assert_num_queries(SIGNED_IN):
        same = tree_slugs(client.get("/api/layers"))
    assert sorted(same) == sorted(everything)  # internal now, but this user may see them


CATALOGUE_QUERIES = 3
"""The layers' update stamps, the planner's row estimates, then the exact counts of every public
layer below ``EXACT_COUNT_UP_TO`` rows in one statement."""


def test_the_catalogue_does_not_grow_with_features(client, small_city, django_assert_num_queries):
    with django_assert_num_queries(CATALOGUE_QUERIES):
        small = client.get("/open-data/")
    more_features(60)
    with django_assert_num_queries(CATALOGUE_QUERIES):
        large = client.get("/open-data/")
    assert small.status_code == large.status_code == 200
    assert parcels_count(small) == 3  # the three parcels of the small city
    assert parcels_count(large) == 63


def parcels_count(response) -> int:
    html = response.content.decode()
    start = html.index('id="dataset-parcels"')
    return int(re.search(r'data-count="(\d+)"', html[start:]).group(1))


def test_the_catalogue_does_not_grow_with_layers(client, small_city):
    with CaptureQueriesContext(connection) as everything:
        client.get("/open-data/")
    with layer_options(MADE_INTERNAL[0], public=False), CaptureQueriesContext(connection) as fewer:
        client.get("/open-data/")
    assert len(fewer) == len(everything) == CATALOGUE_QUERIES
