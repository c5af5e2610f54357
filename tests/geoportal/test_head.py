"""HEAD is answered wherever GET is (RFC 9110, 9.1: a general-purpose server supports both):
uptime monitors, link checkers and download managers ask it, and had a 405. The one exception
is a note's verification page, where each look is counted: a HEAD there is refused
(``tests/renseignement/test_verification.py``)."""

from __future__ import annotations

import urllib.request

import pytest

from tests.factories import ArrondissementFactory, rect

pytestmark = pytest.mark.django_db

READS = [
    "/",
    "/open-data/",
    "/open-data/arrondissements.csv",
    "/indicators/",
    "/api/layers",
    "/api/search?q=Sidi",
    "/api/indicators/arrondissements",
    "/api/indicators/arrondissements.csv",
    "/renseignement/",
    "/renseignement/certificate.pem",
    "/healthz",
    "/favicon.ico",
]


@pytest.mark.parametrize("path", READS)
def test_head_answers_as_get_without_the_body(client, path):
    ArrondissementFactory(name_fr="Sidi Belyout", geom=rect(0, 0, 1000, 1000))
    got = client.get(path)
    asked = client.head(path)
    assert got.status_code in (200, 302), path
    assert asked.status_code == got.status_code
    assert asked["Content-Type"] == got["Content-Type"]
    assert asked.get("Location") == got.get("Location")
    body = b"".join(asked.streaming_content) if asked.streaming else asked.content
    assert body == b""


@pytest.mark.slow
def test_a_monitor_asks_healthz_with_head_through_the_production_server(live_gunicorn):
    request = urllib.request.Request(live_gunicorn + "/healthz", method="HEAD")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json"
        assert response.read() == b""
