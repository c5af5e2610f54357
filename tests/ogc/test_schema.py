"""The collection schema (OGC API - Features - Part 5): what QGIS reads to build a layer's fields,
their order, which are read-only, and the geometry type, so that features can be added to an
empty layer."""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)
SCHEMA_REL = "http://www.opengis.net/def/rel/ogc/1.0/schema"
PART5 = "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas"


def get(client: Client, url: str, **headers):
    return client.get(url, HTTP_HOST="127.0.0.1", **headers)


def test_the_conformance_and_the_collection_lead_to_the_schema():
    c = Client()
    conformance = json.loads(get(c, "/ogc/conformance?f=json").content)["conformsTo"]
    assert PART5 in conformance  # QGIS reads the schema only when this class is declared
    assert len(conformance) == len(set(conformance))
    doc = json.loads(get(c, "/ogc/collections/parcels?f=json").content)
    links = [
        link
        for link in doc["links"]
        if link["rel"] == SCHEMA_REL and link["type"] == "application/schema+json"
    ]
    assert len(links) == 1
    path = links[0]["href"].split("/ogc/", 1)[1]
    response = get(c, f"/ogc/{path}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/schema+json"


def test_parcels_schema_types_roles_order_and_read_only_fields():
    schema = json.loads(get(Client(), "/ogc/collections/parcels/schema").content)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert schema["$id"].endswith("/ogc/collections/parcels/schema")
    props = schema["properties"]
    # the registry's order (layers/parcels/layers.py), then the geometry
    names = ["id", "reference", "land_status", "official_area_m2", "computed_area_m2"]
    names += ["current_use", "address", "geometry"]
    assert list(props) == names
    # QGIS orders fields by x-ogc-propertySeq (its JSON reader sorts keys): 1, 2, ... in order
    assert [props[n]["x-ogc-propertySeq"] for n in names[:-1]] == list(range(1, 8))
    assert props["id"]["x-ogc-role"] == "id" and props["id"]["type"] == "integer"
    assert props["id"]["readOnly"] is True
    assert props["computed_area_m2"] == {
        "type": "number",
        "title": "Surface calculée (m²)",  # the portal's name for it, in French by default
        "readOnly": True,
        "x-ogc-propertySeq": 5,
    }
    for writable in ("reference", "land_status", "official_area_m2", "current_use", "address"):
        assert "readOnly" not in props[writable], writable
    assert props["reference"]["type"] == "string" and props["reference"]["maxLength"] == 40
    assert props["land_status"]["enum"] == [
        "titled",
        "requisition",
        "public_domain",
        "habous",
        "collective",
        "unregistered",
    ]
    assert props["official_area_m2"]["type"] == "number"
    # the geometry is no attribute (no type): QGIS takes its format as the layer's geometry type
    assert props["geometry"]["x-ogc-role"] == "primary-geometry"
    assert props["geometry"]["format"] == "geometry-multipolygon"
    assert "type" not in props["geometry"]
    assert schema["required"] == ["reference", "land_status", "geometry"]
    assert props["geometry"]["title"] == "Géométrie"


@pytest.mark.parametrize(
    ("language", "area", "geometry"),
    [
        ("en", "Computed area (m²)", "Geometry"),
        ("ar", "المساحة المحسوبة (م²)", "الشكل الهندسي"),
    ],
)
def test_property_titles_follow_the_clients_language(language, area, geometry):
    """QGIS takes a property's title as its field's alias: the attribute's name as the portal
    writes it, in the language the client asks for."""
    response = get(Client(), "/ogc/collections/parcels/schema", HTTP_ACCEPT_LANGUAGE=language)
    assert "Accept-Language" in response["Vary"]
    props = json.loads(response.content)["properties"]
    assert props["computed_area_m2"]["title"] == area
    assert props["geometry"]["title"] == geometry


def test_roads_schema_bounds_defaults_dates_and_generated_grade():
    props = json.loads(get(Client(), "/ogc/collections/roads/schema").content)["properties"]
    # condition_index: PositiveSmallIntegerField (0 up) with MaxValueValidator(100)
    assert (props["condition_index"]["minimum"], props["condition_index"]["maximum"]) == (0, 100)
    assert props["width_m"]["minimum"] == 0 and "maximum" not in props["width_m"]
    assert props["condition_grade"]["readOnly"] is True  # generated from the index
    assert props["last_inspection"]["type"] == "string"
    assert props["last_inspection"]["format"] == "date"
    assert props["last_inspection"]["x-ogc-role"] == "primary-instant"
    assert props["one_way"] == {**props["one_way"], "type": "boolean", "default": False}
    assert props["surface"]["default"] == "asphalt" and "asphalt" in props["surface"]["enum"]
    assert props["geometry"]["format"] == "geometry-multilinestring"
    points = json.loads(get(Client(), "/ogc/collections/street-lights/schema").content)
    assert points["properties"]["geometry"]["format"] == "geometry-point"
    assert points["properties"]["install_date"]["format"] == "date"


def test_an_internal_layer_schema_is_not_found_for_who_may_not_see_it(django_user_model):
    from django.contrib.auth.models import Permission

    url = "/ogc/collections/citizen-reports/schema"
    assert get(Client(), url).status_code == 404
    assert get(Client(), "/ogc/collections/nope/schema").status_code == 404
    staff = django_user_model.objects.create_user("staff", password="pw")
    staff.user_permissions.add(Permission.objects.get(codename="view_citizenreport"))
    c = Client()
    c.force_login(staff)
    response = get(c, url)
    assert response.status_code == 200 and response["Cache-Control"] == "private"
    assert json.loads(response.content)["properties"]["geometry"]["format"] == "geometry-point"
