"""pygeoapi's HTML pages work on a closed network: every script, style sheet and basemap tile they
ask for is served by the platform itself."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

from ogc.templates import localise
from tests.factories import ParcelFactory, rect

# pygeoapi reads through its own connection: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

ASSET = re.compile(r'<(?:script|link)\b[^>]*?(?:src|href)="([^"]+)"', re.IGNORECASE)
PAGES = [
    ("/ogc", {"f": "html"}),
    ("/ogc/conformance", {"f": "html"}),
    ("/ogc/collections", {"f": "html"}),
    ("/ogc/collections/parcels", {"f": "html"}),
    ("/ogc/collections/parcels/queryables", {"f": "html"}),
    ("/ogc/collections/parcels/items", {"f": "html"}),
    ("/ogc/openapi", {"f": "html"}),
    ("/ogc/openapi", {"f": "html", "ui": "redoc"}),
]


@pytest.fixture
def parcels():
    return [ParcelFactory(reference="TF 1/C", geom=rect(0, 0, 100, 100))]


def assets(html: str) -> list[str]:
    return [url for url in ASSET.findall(html) if not url.startswith("#")]


@pytest.mark.parametrize(("path", "params"), PAGES, ids=[p + str(q) for p, q in PAGES])
def test_pages_load_nothing_from_outside(client, parcels, path, params):
    response = client.get(path, params, HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    html = response.content.decode()
    found = assets(html)
    assert found, "the page should load at least its style sheet"
    outside = [url for url in found if "://" in url and not url.startswith("http://127.0.0.1")]
    assert outside == []
    # The basemap of the item maps is the blank local tile unless one is configured.
    assert "tile.openstreetmap.org" not in html


def test_one_item_page_loads_nothing_from_outside(client, parcels):
    item = client.get("/ogc/collections/parcels/items", {"f": "json"}, HTTP_HOST="127.0.0.1").json()
    fid = item["features"][0]["id"]
    html = client.get(f"/ogc/collections/parcels/items/{fid}", {"f": "html"}, HTTP_HOST="127.0.0.1")
    assert html.status_code == 200
    assert [u for u in assets(html.content.decode()) if "://" in u and "127.0.0.1" not in u] == []


@pytest.mark.parametrize(
    "cdn",
    [
        "https://unpkg.com/leaflet@1.3.1/dist/leaflet.js",
        "https://unpkg.com/bootstrap@5.1.3/dist/css/bootstrap.min.css",
        "https://unpkg.com/leaflet.markercluster/dist/leaflet.markercluster-src.js",
        "https://unpkg.com/leaflet-draw@1.0.4/dist/leaflet.draw.css",
        "https://unpkg.com/swagger-ui-dist/swagger-ui-bundle.js",
    ],
)
def test_each_cdn_library_maps_to_a_file_we_serve(cdn):
    local = localise(f'<script src="{cdn}"></script>')
    (url,) = ASSET.findall(local)
    assert url.startswith("/static/vendor/")
    assert finders.find(url.removeprefix("/static/")), f"{url} is not among the static files"
