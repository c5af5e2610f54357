"""The map editor's server side: the forms generated from the registry, a feature's history,
who else is editing, field-level reasons for refused attributes, and the session's CSRF-checked
writes through the OGC API. Real PostGIS; geometries hand-made in metres from ``ORIGIN``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import GEOSGeometry
from django.test import Client
from django.utils import timezone

from geoportal.models import EditPresence
from geoportal.portal import editing
from layers.common.history import acting_as
from layers.common.registry import get_layer, layers
from layers.parcels.models import Parcel
from tests.factories import ORIGIN, ParcelFactory, rect

PARCEL_PERMS = ("view_parcel", "add_parcel", "change_parcel", "delete_parcel")


def make_user(django_user_model, name: str, *perms: str):
    user = django_user_model.objects.create_user(name, password="pw")
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def planner(db, django_user_model):
    return make_user(django_user_model, "amina", *PARCEL_PERMS)


def signed_in(user, **kw) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", **kw)
    client.force_login(user)
    return client


def test_the_parcel_form_comes_from_the_model_and_the_registry(db):
    fields = {f["name"]: f for f in editing.form_fields(get_layer("parcels"), "en")}
    # what a client may set: not the id, not the computed area
    assert list(fields) == [
        "reference",
        "land_status",
        "official_area_m2",
        "current_use",
        "address",
    ]
    assert fields["reference"]["required"] and fields["reference"]["max_length"] == 40
    assert fields["reference"]["label"] == "Reference"
    # the CHECK constraint's regex, unanchored and with its class's "-" escaped for the v flag
    assert fields["reference"]["pattern"].startswith("(TF \\d{1,7}/")
    assert "[0-9A-Z\\-]" in fields["reference"]["pattern"]
    assert {c["value"] for c in fields["land_status"]["choices"]} == {
        "titled", "requisition", "public_domain", "habous", "collective", "unregistered"
    }  # fmt: skip
    assert fields["official_area_m2"]["type"] == "number"
    assert not fields["official_area_m2"]["required"] and fields["official_area_m2"]["nullable"]
    roads = {f["name"]: f for f in editing.form_fields(get_layer("roads"), "fr")}
    assert roads["condition_index"]["max"] == 100  # MaxValueValidator and the CHECK constraint
    assert roads["width_m"]["min"] == 0
    # shown, not sent: the id as it is, the computed area grouped by thousands
    shown = editing.read_only_fields(get_layer("parcels"), "en")
    assert [(f["name"], f["plain"]) for f in shown] == [("id", True), ("computed_area_m2", False)]


@pytest.mark.parametrize(
    ("lang", "reference_help"),
    [
        ("fr", "TF 12345/C, R 2345/C, ou NI-… pour un terrain non immatriculé"),
        ("ar", "TF 12345/C أو R 2345/C، أو NI-… لعقار غير محفظ"),
        ("en", "TF 12345/C, R 2345/C, or NI-… for unregistered land"),
    ],
)
def test_the_forms_help_is_in_the_asked_language(db, lang, reference_help):
    """The help under a field comes from the model, translated: the French and Arabic forms
    showed the models' English help."""
    fields = {f["name"]: f for f in editing.form_fields(get_layer("parcels"), lang)}
    assert fields["reference"]["help"] == reference_help


def test_every_fields_help_has_its_arabic(db):
    for layer in layers():
        french = {f["name"]: f["help"] for f in editing.form_fields(layer, "fr")}
        for spec in editing.form_fields(layer, "ar"):
            if french[spec["name"]]:
                assert spec["help"] != french[spec["name"]], (layer.slug, spec["name"])


def test_a_year_is_a_plain_number_and_only_published_attributes_may_be_one():
    from layers.common.registry import LayerOptions, register
    from layers.greenspaces.models import Tree

    assert get_layer("trees").plain_numbers() == ("id", "planted_year")
    assert "population_2024" not in get_layer("arrondissements").plain_numbers()  # a quantity
    options = LayerOptions(
        slug="trees-without-year", title={}, description={}, theme=get_layer("trees").options.theme,
        fields=("id", "species"), plain_numbers=("planted_year",),
    )  # fmt: skip
    with pytest.raises(ValueError, match=r"plain_numbers names attributes it does not publish"):
        register(Tree, options)


def test_every_editable_layer_gets_a_form_with_a_label_for_each_field(db):
    for layer in layers():
        for lang in ("fr", "ar", "en"):
            for spec in editing.form_fields(layer, lang):
                assert spec["label"], (layer.slug, spec["name"])


def test_the_editor_lists_only_the_layers_the_user_may_edit(planner, django_user_model):
    visitor = make_user(django_user_model, "visitor")
    assert [lyr["slug"] for lyr in editing.editor_layers(planner, "fr")] == ["parcels"]
    assert editing.editor_layers(visitor, "fr") == []
    response = signed_in(planner).get("/api/edit/layers")
    assert response.status_code == 200 and response.json()["layers"][0]["slug"] == "parcels"
    assert response.json()["layers"][0]["items"] == "/ogc/collections/parcels/items"
    # the page loads the editor for the planner only
    assert b'id="edit-toggle"' in signed_in(planner).get("/").content
    assert b'id="edit-toggle"' not in signed_in(visitor).get("/").content
    assert b'id="edit-toggle"' not in Client(HTTP_HOST="127.0.0.1").get("/").content
    assert b"leaflet-geoman" not in Client(HTTP_HOST="127.0.0.1").get("/").content
    assert signed_in(visitor).get("/api/edit/parcels/1/history").status_code == 403


def test_history_lists_versions_with_what_changed(planner):
    with acting_as("youssef"):
        parcel = ParcelFactory(reference="TF 7000/C", address="a", geom=rect(0, 0, 100, 100))
        parcel.address = "b"
        parcel.save()
    with acting_as("amina"):
        parcel.geom = rect(0, 0, 50, 100)
        parcel.save()
    response = signed_in(planner).get(f"/api/edit/parcels/{parcel.pk}/history")
    assert response.status_code == 200
    versions = response.json()["versions"]
    assert [(v["op"], v["actor"]) for v in versions] == [
        ("U", "amina"), ("U", "youssef"), ("I", "youssef")
    ]  # fmt: skip
    assert "geom" in versions[0]["changed"] and "computed_area_m2" in versions[0]["changed"]
    assert versions[1]["changed"] == ["address"]
    assert versions[2]["properties"]["address"] == "a"
    # the recorded geometry, in the storage CRS (restored as it is) and in CRS84 (drawn)
    first = GEOSGeometry(json.dumps(versions[2]["geometry_storage"]))
    assert first.area == pytest.approx(10_000, abs=1e-6)
    lon, lat = versions[2]["geometry"]["coordinates"][0][0][0]
    assert -8 < lon < -7 and 33 < lat < 34  # Casablanca, lon/lat order


def test_presence_tells_who_else_has_a_feature_open_or_saved_it(planner, django_user_model):
    other = make_user(django_user_model, "youssef", *PARCEL_PERMS)
    parcel = ParcelFactory(reference="TF 7001/C", geom=rect(0, 0, 10, 10))
    url = f"/api/edit/parcels/{parcel.pk}/presence"
    mine, theirs = signed_in(planner), signed_in(other)
    assert mine.post(url).json() == {"others": []}
    others = theirs.post(url).json()["others"]
    assert [(o["user"], o["kind"]) for o in others] == [("amina", "open")]
    # an editor not heard of for longer than the TTL no longer counts
    EditPresence.objects.filter(user=planner).update(
        seen_at=timezone.now() - dt.timedelta(seconds=3600)
    )
    assert theirs.post(url).json() == {"others": []}
    # a recent save by someone else is told too
    with acting_as("amina"):
        parcel.address = "x"
        parcel.save()
    assert [(o["user"], o["kind"]) for o in theirs.post(url).json()["others"]] == [
        ("amina", "saved")
    ]
    # closed: forgotten
    mine.post(url)
    mine.delete(url)
    assert not EditPresence.objects.filter(user=planner).exists()


def feature(x: float, y: float, w: float, h: float, **props) -> str:
    ring = [[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]
    coords = [[[ORIGIN[0] + a, ORIGIN[1] + b] for a, b in ring]]
    return json.dumps(
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": coords},
            "properties": props,
        }
    )


LAMBERT = {"HTTP_CONTENT_CRS": "<http://www.opengis.net/def/crs/EPSG/0/26191>"}


def test_a_session_creates_through_the_ogc_api_with_its_csrf_token(planner):
    client = signed_in(planner, enforce_csrf_checks=True)
    page = client.get("/")
    token = json.loads(
        page.content.split(b'id="portal-config" type="application/json">')[1].split(b"</script>")[0]
    )["editor"]["csrf"]
    body = feature(0, 0, 20, 30, reference="TF 7002/C", land_status="titled")
    items = "/ogc/collections/parcels/items"
    refused = client.post(items, body, content_type="application/geo+json", **LAMBERT)
    assert refused.status_code == 403 and not Parcel.objects.exists()  # no token: no write
    created = client.post(
        items, body, content_type="application/geo+json", HTTP_X_CSRFTOKEN=token, **LAMBERT
    )
    assert created.status_code == 201, created.content
    assert Parcel.objects.get().geom.area == pytest.approx(600, abs=1e-6)


def test_refused_attributes_are_named_field_by_field(planner):
    client = signed_in(planner)
    body = feature(0, 0, 20, 30, reference="not a reference", land_status="castle")
    response = client.post(
        "/ogc/collections/parcels/items", body, content_type="application/geo+json", **LAMBERT
    )
    assert response.status_code == 400
    doc = response.json()
    assert doc["error"] == "invalid-attributes"
    assert set(doc["errors"]) == {"reference", "land_status"}
    assert "parcels_parcel_reference_format" in doc["errors"]["reference"][0]
    assert not Parcel.objects.exists()
    # a value another feature holds: 409, at its field
    ParcelFactory(reference="TF 7003/C", geom=rect(500, 500, 10, 10))
    body = feature(0, 0, 20, 30, reference="TF 7003/C", land_status="titled")
    taken = client.post(
        "/ogc/collections/parcels/items", body, content_type="application/geo+json", **LAMBERT
    )
    assert taken.status_code == 409 and taken.json()["field"] == "reference"


def test_every_coded_value_is_named_in_arabic_and_english(db):
    french = {
        (layer.slug, spec["name"], choice["value"]): choice["label"]
        for layer in layers()
        for spec in editing.form_fields(layer, "fr")
        for choice in spec.get("choices", [])
    }
    assert french[("roads", "road_class", "motorway")] == "autoroute"
    for lang in ("ar", "en"):
        for layer in layers():
            for spec in editing.form_fields(layer, lang):
                for choice in spec.get("choices", []):
                    assert choice["label"].strip(), (layer.slug, spec["name"], choice["value"])
                    if lang == "ar":  # Arabic shares no word with French
                        key = (layer.slug, spec["name"], choice["value"])
                        assert choice["label"] != french[key] or choice["value"] == "led", key
    roads = {f["name"]: f for f in editing.form_fields(get_layer("roads"), "en")}
    assert {"value": "motorway", "label": "motorway"} in roads["road_class"]["choices"]
    statuses = {f["name"]: f for f in editing.form_fields(get_layer("parcels"), "ar")}
    assert {"value": "titled", "label": "محفظ (رسم عقاري)"} in statuses["land_status"]["choices"]
