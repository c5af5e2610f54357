"""A gunicorn worker warms itself up (geoportal/warmup.py): the requests an OGC client starts with
go through the real WSGI application against the test database before the worker serves anyone,
and nothing they meet can stop the worker."""

from __future__ import annotations

import pytest
from django.core.wsgi import get_wsgi_application

from geoportal import warmup
from ogc import api as ogc_api

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_first_requests_are_made_and_answered(settings):
    ogc_api.reset_apis()
    statuses = warmup.warm_up(get_wsgi_application())
    assert list(statuses) == warmup.warm_up_paths()
    assert len(statuses) == 5  # landing, conformance, OpenAPI, collections, a page of items
    assert all(status == "200 OK" for status in statuses.values()), statuses
    built = list(ogc_api._APIS.values())
    assert built and built[0]._openapi is not None  # the OpenAPI document is ready


def test_nothing_stops_a_worker():
    def broken(environ, start_response):
        raise RuntimeError("database not up yet")

    statuses = warmup.warm_up(broken, ["/ogc?f=json"])
    assert statuses == {"/ogc?f=json": "error: database not up yet"}
    statuses = warmup.warm_up(get_wsgi_application(), ["/no/such/page"])
    assert statuses["/no/such/page"].startswith("404")


@pytest.mark.parametrize(("value", "on"), [(None, True), ("1", True), ("0", False), ("no", False)])
def test_it_can_be_turned_off(monkeypatch, value, on):
    if value is None:
        monkeypatch.delenv("GEOPORTAL_WARM_UP", raising=False)
    else:
        monkeypatch.setenv("GEOPORTAL_WARM_UP", value)
    assert warmup.enabled() is on
