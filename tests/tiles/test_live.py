"""Through the production server (gunicorn, two workers) over real HTTP: an edit committed by
another database connection with plain SQL shows in the next tile request."""

from __future__ import annotations

import urllib.error
import urllib.request

import psycopg
import pytest
from django.db import connection

from tests.factories import ParcelFactory
from tests.tiles.conftest import decode, origin_tile


def fetch(url: str, etag: str | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.mark.slow
def test_sql_edit_from_another_connection_is_served_next(live_gunicorn):
    parcel = ParcelFactory(reference="TF 1/C")
    z, x, y = origin_tile(16)
    url = f"{live_gunicorn}/tiles/roads,parcels/{z}/{x}/{y}.mvt"
    status, headers, body = fetch(url)
    assert status == 200
    assert headers["Content-Type"] == "application/vnd.mapbox-vector-tile"
    refs = {f["properties"]["reference"] for f in decode(body)["parcels"]["features"]}
    assert refs == {"TF 1/C"}
    etag = headers["ETag"]
    # Every worker answers 304 to the current tag, whichever takes the request.
    assert {fetch(url, etag)[0] for _ in range(4)} == {304}

    s = connection.settings_dict
    dsn = f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    with psycopg.connect(dsn) as other:
        other.execute("SELECT set_config('geoportal.actor', %s, true)", ["sig-team"])
        other.execute(
            "UPDATE parcels_parcel SET reference = %s WHERE id = %s", ["TF 2/C", parcel.pk]
        )
    status, headers, body = fetch(url, etag)
    assert status == 200
    assert headers["ETag"] != etag
    refs = {f["properties"]["reference"] for f in decode(body)["parcels"]["features"]}
    assert refs == {"TF 2/C"}
    # TileJSON over HTTP names the server it was asked through.
    status, _, body = fetch(f"{live_gunicorn}/tiles/roads,parcels.json")
    assert status == 200 and live_gunicorn.encode() in body
