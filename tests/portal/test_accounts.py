"""One sign-in page for the platform, in the portal's languages; the ingest pages use it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_sign_in_then_out(client, django_user_model):
    django_user_model.objects.create_user("k.tazi", password="s3cret-pw")
    page = client.get("/accounts/login/?next=/open-data/")
    assert page.status_code == 200
    assert "Connexion des agents" in page.content.decode()
    wrong = client.post("/accounts/login/", {"username": "k.tazi", "password": "nope", "next": "/"})
    assert (
        wrong.status_code == 200
        and "Identifiant ou mot de passe incorrect" in wrong.content.decode()
    )
    ok = client.post(
        "/accounts/login/", {"username": "k.tazi", "password": "s3cret-pw", "next": "/open-data/"}
    )
    assert ok.status_code == 302 and ok["Location"] == "/open-data/"
    home = client.get("/open-data/").content.decode()
    assert "k.tazi" in home and "Se déconnecter" in home
    out = client.post("/accounts/logout/")
    assert out.status_code == 302
    assert "k.tazi" not in client.get("/open-data/").content.decode()


def test_an_outside_next_is_not_followed(client, django_user_model):
    django_user_model.objects.create_user("k.tazi", password="s3cret-pw")
    ok = client.post(
        "/accounts/login/",
        {"username": "k.tazi", "password": "s3cret-pw", "next": "https://evil.example/"},
    )
    assert ok.status_code == 302 and ok["Location"] == "/"


def test_the_page_speaks_arabic_right_to_left(client):
    client.cookies["django_language"] = "ar"
    html = client.get("/accounts/login/").content.decode()
    assert 'dir="rtl"' in html and "دخول الموظفين" in html


def test_the_old_ingest_address_leads_to_the_sign_in_page(client):
    response = client.get("/ingest/login/?next=/ingest/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/ingest/"
