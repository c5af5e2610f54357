"""Planners edit every layer in the admin, with a map that loads nothing from outside."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.urls import reverse

from layers.common.registry import layers
from tests.factories import ParcelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser("planner", "planner@example.org", "pw")
    client.force_login(user)
    return client


@pytest.mark.parametrize("layer", list(layers()), ids=lambda lyr: lyr.slug)
def test_every_layer_has_an_admin_with_a_local_map_widget(admin_client, layer):
    meta = layer.model._meta
    changelist = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert changelist.status_code == 200
    add = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    assert add.status_code == 200
    html = add.content.decode()
    assert "vendor/ol/ol.js" in html
    scripts_and_styles = [
        line for line in html.splitlines() if "<script" in line or "<link" in line
    ]
    assert not [line for line in scripts_and_styles if "://" in line]


def test_search_finds_a_parcel_by_reference(admin_client):
    ParcelFactory(reference="TF 4242/C")
    ParcelFactory(reference="TF 1111/C")
    response = admin_client.get(reverse("admin:parcels_parcel_changelist"), {"q": "4242"})
    assert "TF 4242/C" in response.content.decode()
    assert "TF 1111/C" not in response.content.decode()


def test_history_page_shows_writes_from_outside_the_admin(admin_client):
    parcel = ParcelFactory(address="1 rue Allal Ben Abdellah")
    with connection.cursor() as cur:
        cur.execute("SELECT set_config('geoportal.actor', 'qgis-user', false)")
        cur.execute("UPDATE parcels_parcel SET address = 'x' WHERE id = %s", [parcel.pk])
        cur.execute("SELECT set_config('geoportal.actor', '', false)")
    page = admin_client.get(reverse("admin:parcels_parcel_history", args=[parcel.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "qgis-user" in html and "address" in html


def test_an_admin_edit_is_attributed_to_the_planner(admin_client):
    parcel = ParcelFactory()
    url = reverse("admin:parcels_parcel_change", args=[parcel.pk])
    form = {
        "reference": parcel.reference,
        "land_status": "requisition",
        "current_use": "commerce",
        "address": parcel.address,
        "official_area_m2": "",
        "geom": parcel.geom.geojson,
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT actor, new->>'land_status' FROM layers_history "
            "WHERE table_name = 'parcels_parcel' AND row_id = %s AND op = 'U'",
            [parcel.pk],
        )
        assert cur.fetchall() == [("planner", "requisition")]


def test_history_and_versions_are_read_only_even_for_a_superuser(admin_client):
    ParcelFactory()
    for model in ("historyentry", "layerversion"):
        assert admin_client.get(reverse(f"admin:layers_{model}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:layers_{model}_add")).status_code == 403


def test_a_signed_in_read_costs_no_actor_query(admin_client):
    from django.test.utils import CaptureQueriesContext

    def actor_queries(method, url):
        with CaptureQueriesContext(connection) as queries:
            getattr(admin_client, method)(url)
        return [q for q in queries.captured_queries if "geoportal.actor" in q["sql"]]

    assert actor_queries("get", "/healthz") == []
    # A write is attributed (set, then reset): the same detector sees it.
    assert len(actor_queries("post", reverse("admin:logout"))) == 2
