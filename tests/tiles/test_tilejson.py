"""TileJSON documents for one layer, several layers, and the permissions on internal layers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from pyproj import Transformer

pytestmark = pytest.mark.django_db


def test_single_layer_tilejson(client, settings):
    doc = client.get("/tiles/parcels.json").json()
    assert doc["tilejson"] == "3.0.0"
    assert doc["tiles"] == ["http://testserver/tiles/parcels/{z}/{x}/{y}.mvt"]
    assert (doc["minzoom"], doc["maxzoom"]) == (14, 22)
    (layer,) = doc["vector_layers"]
    assert layer["id"] == "parcels"
    assert layer["fields"] == {"reference": "String", "land_status": "String"}  # id: feature id
    # Bounds: the municipal extent's corners, transformed independently of the server.
    xmin, ymin, xmax, ymax = settings.GIS["EXTENT"]
    to_lonlat = Transformer.from_crs(settings.GIS["STORAGE_SRID"], 4326, always_xy=True)
    west, south = to_lonlat.transform(xmin, ymin)
    east, north = to_lonlat.transform(xmax, ymax)
    w, s, e, n = doc["bounds"]
    assert w <= west + 0.01 and s <= south + 0.01 and e >= east - 0.01 and n >= north - 0.01
    assert -8.2 < w < e < -6.5 and 33.0 < s < n < 34.0  # Greater Casablanca
    assert w <= doc["center"][0] <= e and s <= doc["center"][1] <= n


def test_combined_tilejson_lists_each_layer(client):
    doc = client.get("/tiles/roads,parcels.json?lang=en").json()
    assert doc["tiles"] == ["http://testserver/tiles/roads,parcels/{z}/{x}/{y}.mvt"]
    assert [lyr["id"] for lyr in doc["vector_layers"]] == ["roads", "parcels"]
    assert (doc["minzoom"], doc["maxzoom"]) == (10, 22)
    assert doc["vector_layers"][0]["fields"]["width_m"] == "Number"
    assert doc["name"] == "Road segments, Cadastral parcels"


def test_internal_layer_tilejson_needs_permission(client):
    assert client.get("/tiles/citizen-reports.json").status_code == 404
    assert client.get("/tiles/unknown.json").status_code == 404
    user = User.objects.create_user("agent")
    user.user_permissions.add(Permission.objects.get(codename="view_citizenreport"))
    client.force_login(user)
    assert client.get("/tiles/citizen-reports.json").status_code == 200
