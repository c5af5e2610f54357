"""Rate limiting per client, counted in PostgreSQL: shared by every server process."""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import RequestFactory

from geoportal.clients import client_ip
from geoportal.renseignement import ratelimit
from geoportal.renseignement.models import RateCounter


@pytest.fixture
def tight_limits(settings):
    settings.RENSEIGNEMENT = {
        **settings.RENSEIGNEMENT,
        "RATE_LIMITS": {"note": (3, 60), "issue": (1, 60)},
    }


@pytest.mark.django_db
def test_counter_per_client_and_window(tight_limits):
    t = 1_800_000_000.0  # a window start (divisible by 60)
    assert [ratelimit.hit("note", "10.0.0.1", t + i)[0] for i in range(4)] == [1, 2, 3, 4]
    assert ratelimit.hit("note", "10.0.0.2", t)[0] == 1  # another client
    assert ratelimit.hit("issue", "10.0.0.1", t)[0] == 1  # another bucket
    assert ratelimit.hit("note", "10.0.0.1", t + 60)[0] == 1  # the next window
    assert ratelimit.hit("note", "10.0.0.1", t + 59)[2] == 1  # retry after 1 s
    # Old windows are forgotten when a new one starts.
    ratelimit.hit("note", "10.0.0.3", t + 7200)
    assert not RateCounter.objects.filter(window_start__lt=t + 7200 - 3600).exists()


@pytest.mark.django_db
def test_api_answers_429_past_the_limit(client, tight_limits):
    statuses = [client.get("/api/renseignement/", {"parcel": "TF 1/C"}) for _ in range(4)]
    assert [r.status_code for r in statuses] == [404, 404, 404, 429]
    assert int(statuses[-1]["Retry-After"]) >= 1
    assert "Trop de demandes" in statuses[-1].json()["detail"]
    assert client.get("/renseignement/", {"parcel": "TF 1/C"}).status_code == 429


def test_client_ip_behind_trusted_proxies(settings):
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8")
    assert client_ip(request) == "10.0.0.9"  # no proxy trusted: the header is ignored
    settings.TRUSTED_PROXIES = 1
    assert client_ip(request) == "5.6.7.8"
    settings.TRUSTED_PROXIES = 2
    assert client_ip(request) == "1.2.3.4"
    settings.TRUSTED_PROXIES = 3  # fewer addresses than proxies: not through them
    assert client_ip(request) == "10.0.0.9"


@pytest.mark.slow
def test_limit_is_shared_by_gunicorn_workers(live_gunicorn):
    """Two gunicorn workers, 90 concurrent requests from one client: exactly the limit (60 a
    minute by default) get an answer, the others 429. Counters kept in each process's memory
    would let up to twice the limit through."""
    from geoportal.settings.defaults import RENSEIGNEMENT  # what the server runs with

    limit, window = RENSEIGNEMENT["RATE_LIMITS"]["note"]
    if time.time() % window > window - 20:  # do not straddle two windows
        time.sleep(window - time.time() % window + 0.5)
    url = live_gunicorn + "/api/renseignement/?" + urllib.parse.urlencode({"parcel": "TF 1/C"})

    def get(_: int) -> int:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(get, range(limit + 30)))
    assert statuses.count(404) == limit
    assert statuses.count(429) == 30
