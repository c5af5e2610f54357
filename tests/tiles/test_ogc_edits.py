"""Edits made through the OGC API (Part 4 writes: update, delete) show in the next tile request."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.authtoken.models import Token

from tests.factories import ParcelFactory, rect
from tests.tiles.conftest import decode, origin_tile

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner_token() -> str:
    user = User.objects.create_user("planner")
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_parcel", "add_parcel", "change_parcel", "delete_parcel"]
        )
    )
    return Token.objects.create(user=user).key


def test_update_and_delete_through_the_ogc_api(client, planner_token):
    from ogc.api import reset_apis

    auth = {"HTTP_AUTHORIZATION": f"Token {planner_token}"}
    parcel = ParcelFactory(reference="TF 5150/C", geom=rect(0, 0, 100, 100))
    z, x, y = origin_tile(16)
    tile = f"/tiles/parcels/{z}/{x}/{y}.mvt"
    before = client.get(tile)
    (drawn,) = decode(before.content)["parcels"]["features"]
    assert drawn["properties"]["reference"] == "TF 5150/C"
    item = f"/ogc/collections/parcels/items/{parcel.pk}"
    try:
        patch = {"type": "Feature", "properties": {"reference": "TF 5151/C"}}
        updated = client.patch(item, json.dumps(patch), content_type="application/geo+json", **auth)
        assert updated.status_code in (200, 204), updated.content
        shown = client.get(tile, HTTP_IF_NONE_MATCH=before["ETag"])
        assert shown.status_code == 200
        (drawn,) = decode(shown.content)["parcels"]["features"]
        assert drawn["id"] == parcel.pk and drawn["properties"]["reference"] == "TF 5151/C"

        deleted = client.delete(item, **auth)
        assert deleted.status_code in (200, 204), deleted.content
        assert client.get(tile, HTTP_IF_NONE_MATCH=shown["ETag"]).status_code == 204
    finally:
        reset_apis()
