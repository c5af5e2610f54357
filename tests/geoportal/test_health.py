import json
import urllib.request

import pytest
from django.db import connection


@pytest.mark.django_db
def test_healthz_reports_postgresql_and_postgis_versions(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        assert body["postgresql"] == cur.fetchone()[0]
    # PostGIS 3.x is what the platform is built on.
    assert body["postgis"].split(".")[0] == "3"
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_unreachable(client, settings):
    from django.db import connections

    conn = connections["default"]
    conn.close()
    real = conn.settings_dict["PORT"]
    conn.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        response = client.get("/healthz")
    finally:
        conn.close()
        conn.settings_dict["PORT"] = real
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


@pytest.mark.slow
def test_healthz_through_the_production_server(live_gunicorn):
    with urllib.request.urlopen(live_gunicorn + "/healthz") as response:
        body = json.load(response)
    assert response.status == 200
    assert body["status"] == "ok"
