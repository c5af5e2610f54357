"""Edit scopes: a group's right to edit parcels limited to an arrondissement, enforced the same
way by the OGC API, ingest and the admin.

Two arrondissements side by side, 1 km squares from ORIGIN: Anfa (0, 0)-(1000, 1000) and Maârif
(1000, 0)-(2000, 1000). The planner belongs to a group that may change parcels in Anfa only."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client, RequestFactory
from django.urls import reverse
from shapely.geometry import MultiPolygon

from geoportal.errors import problem_details
from ingest.actions import ingest_file
from ingest.options import IngestOptions
from layers.common.errors import IngestError
from layers.common.geojson import parse_geometry
from layers.common.guards import OutsideEditScope
from layers.common.models import EditScope
from layers.common.registry import get_layer
from layers.common.scopes import TOLERANCE_M, user_scope
from layers.parcels.models import Parcel
from ogc.actions import create_feature
from tests.factories import ORIGIN, SRID, ArrondissementFactory, ParcelFactory, rect
from tests.ingest.conftest import square as box_square
from tests.ingest.conftest import write

# The messages are checked by their English source text (requests ask for English).
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("english"),
    pytest.mark.filterwarnings("ignore:Normalized/laundered field name"),
]
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
LOCAL = {"HTTP_CONTENT_CRS": f"<{EPSG}{SRID}>"}
ITEMS = "/ogc/collections/parcels/items"


# --- the city, the groups and the planners ---------------------------------------------------


@pytest.fixture
def anfa():
    return ArrondissementFactory(name_fr="Anfa", geom=rect(0, 0, 1000, 1000))


@pytest.fixture
def maarif():
    return ArrondissementFactory(name_fr="Maârif", geom=rect(1000, 0, 1000, 1000))


def group_with(name: str, *codenames: str) -> Group:
    group = Group.objects.create(name=name)
    for codename in codenames:
        group.permissions.add(Permission.objects.get(codename=codename))
    return group


@pytest.fixture
def anfa_planners(anfa, maarif):
    """May change parcels, in Anfa only (Maârif exists, and is not theirs)."""
    group = group_with("Anfa planners", "change_parcel")
    EditScope.objects.create(group=group, layer="parcels").districts.set([anfa])
    return group


@pytest.fixture
def planner(django_user_model, anfa_planners):
    user = django_user_model.objects.create_user("planner", password="pw", is_staff=True)
    user.groups.add(anfa_planners)
    return user


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


# --- the OGC API (the portal's editor, QGIS) -----------------------------------------------------


def square(x: float, y: float, side: float) -> dict:
    """A GeoJSON square in the storage SRID, ``(x, y)`` metres from ORIGIN."""
    x0, y0 = ORIGIN[0] + x, ORIGIN[1] + y
    ring = [[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(geometry: dict, **props) -> str:
    props = {"reference": "TF 1/C", "land_status": "titled", **props}
    return json.dumps({"type": "Feature", "geometry": geometry, "properties": props})


def send(client: Client, method: str, url: str, body: str = "", **headers):
    return getattr(client, method)(
        url, body, content_type="application/geo+json", HTTP_HOST="127.0.0.1", **headers
    )


def refused_outside(response, *words: str) -> bool:
    """A 403 whose message (the OGC exception document's ``description``) says why."""
    description = json.loads(response.content)["description"]
    return response.status_code == 403 and all(w in description for w in words)


def test_a_planner_creates_inside_the_district_and_not_outside(planner):
    client = signed_in(planner)
    inside = send(client, "post", ITEMS, feature(square(100, 100, 50)), **LOCAL)
    assert inside.status_code == 201, inside.content
    outside = send(
        client, "post", ITEMS, feature(square(1100, 100, 50), reference="TF 2/C"), **LOCAL
    )
    assert refused_outside(
        outside, "outside your editing districts (Anfa)", "this feature lies wholly outside them"
    )
    assert list(Parcel.objects.values_list("reference", flat=True)) == ["TF 1/C"]


@pytest.mark.parametrize(
    ("language", "description"),
    [
        ("fr", "hors de vos secteurs d'édition (Anfa) : cette entité en sort entièrement"),
        ("ar", "خارج مناطق التحرير الخاصة بك (Anfa): يقع هذا العنصر خارجها كليًا"),
    ],
)
def test_the_refusal_is_in_the_requests_language(planner, language, description):
    client = signed_in(planner)
    body = feature(square(1100, 100, 50), reference="TF 2/C")  # 600 m east of Anfa's edge
    outside = send(client, "post", ITEMS + f"?lang={language}", body, **LOCAL)
    assert outside.status_code == 403
    assert json.loads(outside.content)["description"] == description


def test_the_refusal_names_the_districts_and_draws_their_outline(planner, anfa):
    layer = get_layer("parcels")
    body = feature(square(1100, 100, 50)).encode()
    with pytest.raises(OutsideEditScope) as caught:
        create_feature(layer, planner, body, f"{EPSG}{SRID}")
    refusal = caught.value
    assert (refusal.http_status, refusal.code, refusal.districts) == (
        403,
        "outside-edit-scope",
        ["Anfa"],
    )
    assert not Parcel.objects.exists()
    # The outline is Anfa in CRS84 (longitude first): back in the storage SRID it is the same
    # 1 km square, to the rounding of its degrees (6 decimals, about 0.1 m).
    assert refusal.outline is not None and refusal.outline["type"] == "MultiPolygon"
    lon, lat = refusal.outline["coordinates"][0][0][0]
    assert -8 < lon < -7 and 33 < lat < 34
    outline = parse_geometry(refusal.outline)
    assert outline.area == pytest.approx(1_000_000, rel=1e-3)
    assert outline.sym_difference(anfa.geom).area < 1_000  # 4 km of edge, 0.1 m each way
    # What a client that reads problem details gets: the code, the districts, the outline.
    request = RequestFactory().post("/api/")
    body_json = problem_details(refusal, request)
    assert (body_json["status"], body_json["code"]) == (403, "outside-edit-scope")
    assert body_json["districts"] == ["Anfa"] and body_json["outline"] == refusal.outline


def test_a_feature_straddling_two_districts_is_refused(planner):
    client = signed_in(planner)
    straddling = send(client, "post", ITEMS, feature(square(950, 100, 100)), **LOCAL)
    assert refused_outside(straddling, "this feature lies partly outside them")
    assert not Parcel.objects.exists()


def test_the_edge_of_a_district_has_a_tolerance(planner):
    client = signed_in(planner)
    over = TOLERANCE_M * 0.6  # across Anfa's eastern edge, by less than the tolerance
    ok = send(client, "post", ITEMS, feature(square(900, 100, 100 + over)), **LOCAL)
    assert ok.status_code == 201, ok.content
    too_far = feature(square(900, 300, 100 + TOLERANCE_M * 4), reference="TF 2/C")
    assert send(client, "post", ITEMS, too_far, **LOCAL).status_code == 403


def test_a_parcel_cannot_be_moved_out_nor_brought_in(planner):
    mine = ParcelFactory(reference="TF 10/C", geom=rect(100, 100, 50, 50))
    theirs = ParcelFactory(reference="TF 20/C", geom=rect(1100, 100, 50, 50))
    client = signed_in(planner)
    moved_out = send(
        client,
        "put",
        f"{ITEMS}/{mine.pk}",
        feature(square(1300, 100, 50), reference="TF 10/C"),
        **LOCAL,
    )
    assert refused_outside(moved_out, "this feature lies wholly outside them")
    brought_in = send(
        client,
        "put",
        f"{ITEMS}/{theirs.pk}",
        feature(square(300, 100, 50), reference="TF 20/C"),
        **LOCAL,
    )
    assert refused_outside(brought_in, "the feature as stored lies wholly outside them")
    renamed = send(
        client,
        "patch",
        f"{ITEMS}/{theirs.pk}",
        json.dumps({"properties": {"address": "changed"}}),
    )
    assert refused_outside(renamed, "outside your editing districts (Anfa)")
    assert Parcel.objects.get(pk=mine.pk).geom.equals_exact(mine.geom, 1e-6)
    assert Parcel.objects.get(pk=theirs.pk).geom.equals_exact(theirs.geom, 1e-6)
    assert Parcel.objects.get(pk=theirs.pk).address == theirs.address
    moved_within = send(
        client,
        "put",
        f"{ITEMS}/{mine.pk}",
        feature(square(500, 500, 50), reference="TF 10/C"),
        **LOCAL,
    )
    assert moved_within.status_code == 204, moved_within.content


def test_a_parcel_outside_cannot_be_deleted(planner):
    mine = ParcelFactory(reference="TF 10/C", geom=rect(100, 100, 50, 50))
    theirs = ParcelFactory(reference="TF 20/C", geom=rect(1100, 100, 50, 50))
    client = signed_in(planner)
    assert refused_outside(send(client, "delete", f"{ITEMS}/{theirs.pk}"), "as stored")
    assert send(client, "delete", f"{ITEMS}/{mine.pk}").status_code == 204
    assert list(Parcel.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_another_route_to_the_permission_lifts_the_scope(planner, django_user_model):
    client = signed_in(planner)
    in_maarif = feature(square(1100, 100, 50), reference="TF 3/C")
    assert send(client, "post", ITEMS, in_maarif, **LOCAL).status_code == 403
    # A group that may change parcels without a scope for them: anywhere.
    planner.groups.add(group_with("Cadastre", "change_parcel"))
    planner = django_user_model.objects.get(pk=planner.pk)  # permissions are cached on the user
    response = send(signed_in(planner), "post", ITEMS, in_maarif, **LOCAL)
    assert response.status_code == 201, response.content


def test_a_scoped_group_without_the_permission_does_not_limit(anfa, django_user_model):
    # Scoped to Anfa for parcels, but its members get the permission elsewhere (their own).
    group = group_with("Readers")
    EditScope.objects.create(group=group, layer="parcels").districts.set([anfa])
    user = django_user_model.objects.create_user("surveyor", password="pw")
    user.groups.add(group)
    user.user_permissions.add(Permission.objects.get(codename="change_parcel"))
    assert user_scope(get_layer("parcels"), user) is None


def test_a_superuser_and_the_unscoped_are_unlimited(planner, django_user_model, maarif):
    layer = get_layer("parcels")
    boss = django_user_model.objects.create_superuser("boss", "boss@example.org", "pw")
    assert user_scope(layer, boss) is None
    in_maarif = feature(square(1100, 100, 50), reference="TF 4/C")
    assert send(signed_in(boss), "post", ITEMS, in_maarif, **LOCAL).status_code == 201
    # The planner's scope is for parcels: other layers are not limited by it.
    assert user_scope(get_layer("roads"), planner) is None


def test_scopes_of_several_groups_add_up(planner, maarif):
    group = group_with("Maârif planners", "change_parcel")
    EditScope.objects.create(group=group, layer="parcels").districts.set([maarif])
    planner.groups.add(group)
    scope = user_scope(get_layer("parcels"), planner)
    assert scope is not None and scope.names == ["Anfa", "Maârif"]
    assert scope.geom.area == pytest.approx(2_000_000)
    assert scope.covers(rect(950, 100, 100, 100))  # straddling: inside the union


def test_a_scope_without_districts_allows_nothing(anfa_planners, planner):
    anfa_planners.edit_scopes.get().districts.clear()
    scope = user_scope(get_layer("parcels"), planner)
    assert scope is not None and scope.names == [] and scope.geom.empty
    assert not scope.covers(rect(100, 100, 10, 10))
    response = send(signed_in(planner), "post", ITEMS, feature(square(100, 100, 50)), **LOCAL)
    assert refused_outside(response, "your groups are given none")


def test_the_scope_costs_two_queries(planner, django_assert_max_num_queries):
    layer = get_layer("parcels")
    planner.get_user_permissions()  # read once a request by the view's permission check
    with django_assert_max_num_queries(2):
        assert user_scope(layer, planner) is not None


def test_a_layer_scope_names_a_registered_layer(anfa_planners):
    from django.core.exceptions import ValidationError

    scope = EditScope(group=anfa_planners, layer="nowhere")
    with pytest.raises(ValidationError) as caught:
        scope.full_clean(exclude=["group"])
    assert "layer" in caught.value.message_dict
    choices = dict(EditScope._meta.get_field("layer").choices or [])
    assert "parcels" in choices and "roads" in choices


# --- ingest -------------------------------------------------------------------------------------


def parcels_file(tmp_path, *corners: tuple[float, float], name: str = "p.gpkg"):
    """A file of 100 m square parcels, one south-west corner each, ``TF 1000/C`` onwards."""
    n = len(corners)
    frame = gpd.GeoDataFrame(
        {
            "reference": [f"TF {1000 + i}/C" for i in range(n)],
            "land_status": ["titled"] * n,
            "current_use": ["housing"] * n,
        },
        geometry=[MultiPolygon([box_square(x, y)]) for x, y in corners],
        crs=SRID,
    )
    return write(frame, tmp_path / name)


def test_ingest_refuses_the_rows_outside_the_district(tmp_path, planner):
    path = parcels_file(tmp_path, (100, 100), (1100, 100))
    report = ingest_file(path, "parcels", user=planner)
    assert report.status == "refused" and report.rejected == 1
    assert report.examples == [(2, "outside your editing districts (Anfa)")]
    assert report.reasons == {"outside your editing districts": 1}
    assert not Parcel.objects.exists()
    partial = ingest_file(path, "parcels", IngestOptions(accept_partial=True), user=planner)
    assert (partial.status, partial.created, partial.rejected) == ("done", 1, 1)
    assert list(Parcel.objects.values_list("reference", flat=True)) == ["TF 1000/C"]


def test_the_ingest_command_has_no_scope(tmp_path, planner):
    path = parcels_file(tmp_path, (100, 100), (1100, 100))
    report = ingest_file(path, "parcels", actor="operator")  # no user: manage.py ingest
    assert (report.status, report.created, report.rejected) == ("done", 2, 0)


def test_an_upsert_cannot_take_over_a_feature_outside(tmp_path, planner):
    # TF 1001/C lies in Maârif; the file brings it into Anfa.
    ParcelFactory(reference="TF 1001/C", geom=rect(1100, 100, 100, 100))
    path = parcels_file(tmp_path, (100, 100), (300, 100))
    options = IngestOptions(mode="upsert", key="reference", accept_partial=True)
    report = ingest_file(path, "parcels", options, user=planner)
    assert report.examples == [
        (2, "replaces a feature of the layer outside your editing districts (Anfa)")
    ]
    assert report.created == 1 and report.updated == 0
    assert Parcel.objects.get(reference="TF 1001/C").geom.equals_exact(
        rect(1100, 100, 100, 100), 1e-6
    )


def test_replace_is_refused_while_the_layer_holds_features_outside(tmp_path, planner):
    ParcelFactory(reference="TF 9/C", geom=rect(1100, 100, 50, 50))
    path = parcels_file(tmp_path, (100, 100))
    with pytest.raises(IngestError) as caught:
        ingest_file(path, "parcels", IngestOptions(mode="replace"), user=planner)
    assert str(caught.value).startswith(
        "replace deletes every feature of the layer, and one of them lies outside your editing "
        "districts (Anfa): "
    )
    assert list(Parcel.objects.values_list("reference", flat=True)) == ["TF 9/C"]
    # A layer that holds only the planner's district may be replaced.
    Parcel.objects.all().delete()
    ParcelFactory(reference="TF 8/C", geom=rect(500, 500, 50, 50))
    report = ingest_file(path, "parcels", IngestOptions(mode="replace"), user=planner)
    assert (report.deleted, report.created) == (1, 1)


# --- the admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_planner(planner):
    """The planner, who may also add and delete parcels in the admin."""
    for codename in ("add_parcel", "delete_parcel", "view_parcel"):
        planner.user_permissions.add(Permission.objects.get(codename=codename))
    return planner


def change_form(parcel: Parcel, geom=None, **changes) -> dict:
    form = {
        "reference": parcel.reference,
        "land_status": parcel.land_status,
        "current_use": parcel.current_use,
        "address": parcel.address,
        "official_area_m2": "",
        "geom": (geom or parcel.geom).ewkt,
    }
    return {**form, **changes}


def test_the_admin_refuses_to_change_a_parcel_outside(admin_planner):
    theirs = ParcelFactory(reference="TF 20/C", geom=rect(1100, 100, 50, 50))
    client = signed_in(admin_planner)
    url = reverse("admin:parcels_parcel_change", args=[theirs.pk])
    response = client.post(url, change_form(theirs, address="changed"))
    assert response.status_code == 200  # the form again, with the reason
    html = response.content.decode()
    assert (
        "Outside your editing districts (Anfa): the feature as stored lies wholly outside them."
        in html
    )
    assert Parcel.objects.get(pk=theirs.pk).address == theirs.address


def test_the_admin_refuses_to_move_a_parcel_out_or_add_one_outside(admin_planner):
    mine = ParcelFactory(reference="TF 10/C", geom=rect(100, 100, 50, 50))
    client = signed_in(admin_planner)
    url = reverse("admin:parcels_parcel_change", args=[mine.pk])
    moved = client.post(url, change_form(mine, geom=rect(1100, 100, 50, 50)))
    assert moved.status_code == 200
    assert "this feature lies wholly outside them." in moved.content.decode()
    assert Parcel.objects.get(pk=mine.pk).geom.equals_exact(mine.geom, 1e-6)
    kept_inside = client.post(url, change_form(mine, geom=rect(600, 600, 50, 50)))
    assert kept_inside.status_code == 302, kept_inside.content.decode()[:2000]
    new = Parcel(reference="TF 30/C", land_status="titled", current_use="", address="")
    add = reverse("admin:parcels_parcel_add")
    added = client.post(add, change_form(new, geom=rect(1500, 100, 50, 50)))
    assert added.status_code == 200
    assert "Outside your editing districts (Anfa): this feature" in added.content.decode()
    assert not Parcel.objects.filter(reference="TF 30/C").exists()


def test_the_admin_refuses_to_delete_a_parcel_outside(admin_planner):
    mine = ParcelFactory(reference="TF 10/C", geom=rect(100, 100, 50, 50))
    theirs = ParcelFactory(reference="TF 20/C", geom=rect(1100, 100, 50, 50))
    client = signed_in(admin_planner)
    url = reverse("admin:parcels_parcel_delete", args=[theirs.pk])
    response = client.post(url, {"post": "yes"}, follow=True)
    assert "the feature as stored lies wholly outside them." in response.content.decode()
    assert Parcel.objects.filter(pk=theirs.pk).exists()
    changelist = reverse("admin:parcels_parcel_changelist")
    bulk = {"action": "delete_selected", "_selected_action": [mine.pk, theirs.pk], "post": "yes"}
    response = client.post(changelist, bulk, follow=True)
    assert "one lies outside them." in response.content.decode()
    assert Parcel.objects.count() == 2
    bulk["_selected_action"] = [mine.pk]
    assert client.post(changelist, bulk).status_code == 302
    assert list(Parcel.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_the_edit_scopes_page(client, anfa_planners):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("admin", "admin@example.org", "pw"))
    page = client.get(reverse("admin:layers_editscope_changelist"))
    assert page.status_code == 200 and "Anfa planners" in page.content.decode()
    form = client.get(reverse("admin:layers_editscope_add")).content.decode()
    assert "selectfilter" in form.lower() and 'value="parcels"' in form
