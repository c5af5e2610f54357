"""Caching: ETag from the layers' version counters, 304, the tile store, and edits made through
raw SQL and the ORM showing in the very next request."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import ParcelFactory, RoadSegmentFactory, rect
from tests.tiles.conftest import decode, origin_tile

pytestmark = pytest.mark.django_db


def tile_url(slugs: str = "parcels", zoom: int = 16) -> str:
    z, x, y = origin_tile(zoom)
    return f"/tiles/{slugs}/{z}/{x}/{y}.mvt"


def references(content: bytes) -> set[str]:
    return {f["properties"]["reference"] for f in decode(content)["parcels"]["features"]}


def test_etag_and_304(client):
    ParcelFactory(reference="TF 1/C")
    first = client.get(tile_url())
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert first["Cache-Control"] == "public, no-cache"
    assert first["Access-Control-Allow-Origin"] == "*"
    # The same for every client: nothing per visitor in Vary, so a shared cache keeps one copy.
    assert "Cookie" not in first.get("Vary", "") and "Accept-Language" not in first.get("Vary", "")
    again = client.get(tile_url(), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    # Weak and listed validators match too; another tag does not.
    assert client.get(tile_url(), HTTP_IF_NONE_MATCH=f'"x", W/{etag}').status_code == 304
    assert client.get(tile_url(), HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_a_304_and_a_cached_tile_cost_one_small_query(client, django_assert_num_queries):
    ParcelFactory()
    with django_assert_num_queries(2):  # the version counters, then the tile statement
        etag = client.get(tile_url())["ETag"]
    with django_assert_num_queries(1):  # the version counters only: the tile comes from the store
        assert client.get(tile_url()).status_code == 200
    with django_assert_num_queries(1):
        assert client.get(tile_url(), HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_store_holds_one_file_per_tile_version(client, tile_cache_dir):
    parcel = ParcelFactory()
    client.get(tile_url())
    front = tile_cache_dir / "front"  # a public layer's tiles, in a folder per version

    def tiles() -> list[str]:
        return sorted(str(p.relative_to(front)) for p in front.rglob("*.mvt"))

    first = tiles()
    assert len(first) == 1
    parcel.reference = "TF 2/C"
    parcel.save()
    client.get(tile_url())
    second = tiles()
    assert len(second) == 1 and second != first  # the old version's folder was retired


def test_an_sql_edit_shows_in_the_next_request(client):
    parcel = ParcelFactory(reference="TF 1/C")
    before = client.get(tile_url())
    assert references(before.content) == {"TF 1/C"}
    with connection.cursor() as cur:
        cur.execute("UPDATE parcels_parcel SET reference = %s WHERE id = %s", ["TF 9/C", parcel.pk])
    after = client.get(tile_url(), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert references(after.content) == {"TF 9/C"}
    with connection.cursor() as cur:
        cur.execute("DELETE FROM parcels_parcel WHERE id = %s", [parcel.pk])
    assert client.get(tile_url()).status_code == 204


def test_an_orm_edit_shows_in_the_next_request(client):
    parcel = ParcelFactory(reference="TF 1/C", geom=rect(0, 0, 100, 100))
    assert references(client.get(tile_url()).content) == {"TF 1/C"}
    parcel.geom = rect(20000, 20000, 100, 100)  # moved 20 km away: out of the tile
    parcel.save()
    assert client.get(tile_url()).status_code == 204
    ParcelFactory(reference="TF 3/C")
    assert references(client.get(tile_url()).content) == {"TF 3/C"}


def test_editing_one_layer_keeps_the_other_layers_tiles(client):
    ParcelFactory()
    parcels_etag = client.get(tile_url("parcels"))["ETag"]
    combined_etag = client.get(tile_url("roads,parcels"))["ETag"]
    RoadSegmentFactory()
    assert client.get(tile_url("parcels"), HTTP_IF_NONE_MATCH=parcels_etag).status_code == 304
    assert client.get(tile_url("roads,parcels"))["ETag"] != combined_etag


@pytest.mark.parametrize("store", ["", "default"])
def test_other_stores(client, settings, store):
    """No store at all, and a Django cache alias (as with Redis shared by several machines)."""
    settings.TILES = {**settings.TILES, "CACHE": store}
    parcel = ParcelFactory(reference="TF 1/C")
    assert references(client.get(tile_url()).content) == {"TF 1/C"}
    assert references(client.get(tile_url()).content) == {"TF 1/C"}
    parcel.reference = "TF 5/C"
    parcel.save()
    assert references(client.get(tile_url()).content) == {"TF 5/C"}


def test_a_change_of_how_tiles_are_drawn_starts_a_new_version_folder(
    client, settings, tile_cache_dir
):
    # No write to the layer, but the tile settings changed (as a deploy may change a layer's
    # attributes or bands): the stored tile must not be sent again.
    ParcelFactory()
    client.get(tile_url())
    before = sorted(p.parent.parent.parent.name for p in (tile_cache_dir / "front").rglob("*.mvt"))
    settings.TILES = {**settings.TILES, "MAX_FEATURES_PER_TILE": 123}
    client.get(tile_url())
    after = sorted(p.parent.parent.parent.name for p in (tile_cache_dir / "front").rglob("*.mvt"))
    assert len(before) == len(after) == 1 and before != after
