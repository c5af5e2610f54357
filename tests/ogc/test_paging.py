"""Keyset paging of /ogc items on the real test database: walking the ``next`` links returns every
feature once, in order (sortby both ways, NULLs, ties, filters, bbox); a cursor that was tampered
with or made for another sortby is refused; ``offset`` still works; next pages grow for machines
and keep their size in HTML; ``numberMatched`` is exact without a filter and follows a write; GDAL
reads a whole layer with its default options."""

from __future__ import annotations

import json
import re
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client, override_settings
from pyproj import Transformer

from layers.parcels.models import Parcel
from ogc.provider import ENGINES
from tests.factories import ORIGIN, SRID, ParcelFactory, rect
from tests.ogc.conftest import statements_run

pytestmark = pytest.mark.django_db(transaction=True)
ITEMS = "/ogc/collections/parcels/items"
N = 23

# Parcel i: a 10 m square at (20 i, 0) m from ORIGIN; official areas with ties and NULLs (every
# 4th has none); "requisition" for every 3rd, "titled" otherwise.
AREAS = [None if i % 4 == 0 else float((i * 7) % 5) for i in range(N)]
STATUS = ["requisition" if i % 3 == 0 else "titled" for i in range(N)]


@pytest.fixture(autouse=True)
def same_size_pages(settings) -> None:
    """Next links keep the page's limit, so that a walk crosses many pages (growth: below)."""
    settings.OGC = {**settings.OGC, "NEXT_LIMIT_GROWTH": 1}


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def parcels() -> list[int]:
    """The ids of the N parcels, in creation order (ascending ids)."""
    return [
        ParcelFactory(
            reference=f"TF {i + 1}/C",
            land_status=STATUS[i],
            official_area_m2=AREAS[i],
            geom=rect(20 * i, 0, 10, 10),
        ).pk
        for i in range(N)
    ]


def get(client: Client, url: str, **params):
    response = client.get(url, params, HTTP_HOST="127.0.0.1")
    return response, json.loads(response.content)


def walk(client: Client, **params) -> tuple[list[int], list[str]]:
    """The ids of every page from the first, following ``next`` links; and those links."""
    response, doc = get(client, ITEMS, **params)
    assert response.status_code == 200, doc
    ids = [f["id"] for f in doc["features"]]
    hrefs = []
    while True:
        nexts = [link["href"] for link in doc["links"] if link["rel"] == "next"]
        if not nexts:
            return ids, hrefs
        assert len(nexts) == 1
        hrefs.append(nexts[0])
        url = urlsplit(nexts[0])
        response = client.get(f"{url.path}?{url.query}", HTTP_HOST="127.0.0.1")
        doc = json.loads(response.content)
        assert response.status_code == 200, doc
        assert len(doc["features"]) <= int(params.get("limit", 10))
        ids += [f["id"] for f in doc["features"]]


def by_area(ids: list[int], descending: bool) -> list[int]:
    """PostgreSQL's order by official area (NULLs last ascending, first descending), then id."""
    with_area = [(AREAS[i], pk) for i, pk in enumerate(ids) if AREAS[i] is not None]
    without = [pk for i, pk in enumerate(ids) if AREAS[i] is None]
    if descending:
        return without + [pk for _, pk in sorted(with_area, key=lambda t: (-t[0], t[1]))]
    return [pk for _, pk in sorted(with_area)] + without


def test_walking_next_links_gives_every_feature_once_in_id_order(client, parcels):
    ids, hrefs = walk(client, limit=5)
    assert ids == parcels
    assert len(hrefs) == 4  # pages of 5, 5, 5, 5, 3
    for href in hrefs:
        query = parse_qs(urlsplit(href).query)
        assert "offset" not in query and len(query["cursor"]) == 1
        assert query["limit"] == ["5"]


def _rows_read(plan: dict) -> int:
    """The rows that the plan's table and index scans read: those they returned and those
    their filters removed."""
    read = 0
    if plan["Node Type"].endswith("Scan"):
        read += plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0)
    return read + sum(_rows_read(child) for child in plan.get("Plans", []))


@pytest.mark.parametrize("sortby", [None, "-id"], ids=["ascending", "descending"])
def test_a_cursor_page_reads_its_rows_alone(client, parcels, sortby):
    """The third page of 5 by id, reached by cursor, reads 6 rows (its 5 and one that tells a
    next page exists), not the 10 before it nor the 13 from it on: the id, a primary key, is
    never NULL, so the cursor is a range that the index scan starts at. (Sequential scans are
    switched off for the plan: on 23 rows PostgreSQL would read the table whole anyway.)"""
    params = {"limit": 5} if sortby is None else {"limit": 5, "sortby": sortby}
    _, hrefs = walk(client, **params)
    third = urlsplit(hrefs[1])
    with statements_run("to_json") as seen:
        response = client.get(f"{third.path}?{third.query}", HTTP_HOST="127.0.0.1")
    ids = [f["id"] for f in json.loads(response.content)["features"]]
    assert ids == (parcels if sortby is None else parcels[::-1])[10:15]
    assert len(seen) == 1
    statement, parameters = seen[0]
    raw = next(iter(ENGINES)).raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
        plan = cursor.fetchone()[0][0]["Plan"]
    finally:
        raw.rollback()
        raw.close()
    assert _rows_read(plan) == 6


@pytest.mark.parametrize("descending", [False, True])
def test_sortby_both_ways_with_ties_and_nulls(client, parcels, descending):
    sortby = "-official_area_m2" if descending else "official_area_m2"
    ids, _ = walk(client, limit=4, sortby=sortby)
    assert ids == by_area(parcels, descending)


def test_two_sort_keys_in_opposite_directions(client, parcels):
    ids, _ = walk(client, limit=3, sortby="land_status,-official_area_m2")
    expected = []
    for status in ("requisition", "titled"):
        chosen = [i for i in range(N) if STATUS[i] == status]
        nulls = [parcels[i] for i in chosen if AREAS[i] is None]
        rest = sorted((-AREAS[i], parcels[i]) for i in chosen if AREAS[i] is not None)
        expected += nulls + [pk for _, pk in rest]
    assert ids == expected


def test_the_cursor_keeps_the_filters_and_the_bbox(client, parcels):
    titled = [pk for i, pk in enumerate(parcels) if STATUS[i] == "titled"]
    assert walk(client, limit=4, land_status="titled")[0] == titled
    cql, _ = walk(client, limit=4, filter="land_status = 'titled'", **{"filter-lang": "cql2-text"})
    assert cql == titled
    # parcels 5 to 14 (x from 100 m to 290 m): a box in the storage CRS from x = 95 to 295 m
    x0, y0 = ORIGIN
    bbox = f"{x0 + 95},{y0 - 5},{x0 + 295},{y0 + 15}"
    local = f"http://www.opengis.net/def/crs/EPSG/0/{SRID}"
    inside, hrefs = walk(client, limit=3, bbox=bbox, **{"bbox-crs": local})
    assert inside == parcels[5:15]
    assert all(parse_qs(urlsplit(h).query)["bbox-crs"] == [local] for h in hrefs)
    # the same box in CRS84, answers in EPSG:4326
    to_lonlat = Transformer.from_crs(SRID, 4326, always_xy=True)
    w, s = to_lonlat.transform(x0 + 95, y0 - 5)
    e, n = to_lonlat.transform(x0 + 295, y0 + 15)
    crs = "http://www.opengis.net/def/crs/EPSG/0/4326"
    box = f"{w:.7f},{s:.7f},{e:.7f},{n:.7f}"
    inside, hrefs = walk(client, limit=4, bbox=box, crs=crs, sortby="-official_area_m2")
    assert inside == [pk for pk in by_area(parcels, True) if pk in parcels[5:15]]
    assert all(parse_qs(urlsplit(h).query)["crs"] == [crs] for h in hrefs)


def _first_cursor(client, **params) -> str:
    _, doc = get(client, ITEMS, **params)
    href = next(link["href"] for link in doc["links"] if link["rel"] == "next")
    return parse_qs(urlsplit(href).query)["cursor"][0]


def test_a_tampered_cursor_is_refused(client, parcels):
    cursor = _first_cursor(client, limit=5)
    payload, _, signature = cursor.rpartition(":")
    forged = payload[:-1] + ("A" if payload[-1] != "A" else "B") + ":" + signature
    for bad in (forged, cursor[:-2], "abc", ""):
        response, doc = get(client, ITEMS, limit=5, cursor=bad)
        assert response.status_code == 400
        assert doc["code"] == "InvalidParameterValue" and "curseur" in doc["description"]


def test_a_cursor_for_another_sortby_or_with_an_offset_is_refused(client, parcels):
    cursor = _first_cursor(client, limit=5, sortby="official_area_m2")
    for params in ({"sortby": "-official_area_m2"}, {}, {"sortby": "official_area_m2,reference"}):
        response, doc = get(client, ITEMS, limit=5, cursor=cursor, **params)
        assert response.status_code == 400
        assert doc["code"] == "InvalidParameterValue" and "sortby" in doc["description"]
    response, doc = get(client, ITEMS, limit=5, cursor=cursor, offset=5, sortby="official_area_m2")
    assert response.status_code == 400 and doc["code"] == "InvalidParameterValue"


def test_an_expired_cursor_is_refused(client, parcels, settings):
    cursor = _first_cursor(client, limit=5)
    settings.OGC = {**settings.OGC, "CURSOR_MAX_AGE": -1}
    response, doc = get(client, ITEMS, limit=5, cursor=cursor)
    assert response.status_code == 400
    assert doc["code"] == "InvalidParameterValue" and "expiré" in doc["description"]


def test_offset_still_works_and_its_next_link_carries_a_cursor(client, parcels):
    response, doc = get(client, ITEMS, limit=5, offset=10)
    assert [f["id"] for f in doc["features"]] == parcels[10:15]
    rest, hrefs = walk(client, limit=5, offset=10)
    assert rest == parcels[10:]
    assert all("cursor" in parse_qs(urlsplit(h).query) for h in hrefs)
    prev = [link["href"] for link in doc["links"] if link["rel"] == "prev"]
    assert len(prev) == 1 and parse_qs(urlsplit(prev[0]).query)["offset"] == ["5"]


def test_number_matched_is_exact_without_a_filter_and_follows_a_write(client, parcels):
    with override_settings(OGC={**_ogc(), "COUNT_CAP": 7}):
        _, doc = get(client, ITEMS, limit=2)
        assert doc["numberMatched"] == N  # exact, above the cap
        ParcelFactory(reference="TF 99/C", geom=rect(0, 500, 10, 10))
        _, doc = get(client, ITEMS, limit=2)
        assert doc["numberMatched"] == N + 1
        Parcel.objects.filter(reference="TF 99/C").delete()
        Parcel.objects.filter(reference="TF 1/C").delete()
        _, doc = get(client, ITEMS, limit=2)
        assert doc["numberMatched"] == N - 1
        # filtered: still capped (15 titled parcels, more than 7; 7 requisitions, not more)
        _, doc = get(client, ITEMS, limit=2, land_status="titled")
        assert "numberMatched" not in doc
        _, doc = get(client, ITEMS, limit=2, land_status="requisition")
        assert doc["numberMatched"] == 7  # parcels 3, 6, ..., 21 (parcel 0 was deleted)


def _ogc():
    from django.conf import settings

    return settings.OGC


@pytest.mark.slow
def test_gdal_reads_a_whole_layer_with_its_default_options(ogc_server, tmp_path):
    count = 2500
    Parcel.objects.bulk_create(
        Parcel(
            reference=f"TF {i + 1}/C",
            land_status="titled",
            geom=rect(20 * (i % 50), 20 * (i // 50), 10, 10),
        )
        for i in range(count)
    )
    out = tmp_path / "parcels.geojson"
    done = subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{ogc_server}/ogc", "parcels"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    references = [f["properties"]["reference"] for f in json.loads(out.read_text())["features"]]
    assert sorted(references) == sorted(f"TF {i + 1}/C" for i in range(count))


def limits_of(hrefs: list[str]) -> list[int]:
    return [int(parse_qs(urlsplit(h).query)["limit"][0]) for h in hrefs]


@pytest.mark.parametrize(
    ("limit", "sizes"),
    [
        (2, [2, 6, 15]),  # 2, then 3 x 2 = 6, then 18 (2 + 6 + 18 > 23: the last 15)
        (5, [5, 15, 3]),  # 5, then 15, then 20 (the maximum): the last 3
        (25, [23]),  # more than the maximum is cut to it: one page, no next link
    ],
)
def test_next_pages_grow_up_to_the_maximum(client, parcels, settings, limit, sizes):
    settings.OGC = {**settings.OGC, "NEXT_LIMIT_GROWTH": 3, "DEFAULT_LIMIT": 10, "MAX_LIMIT": 20}
    if limit > 20:  # pygeoapi cuts a limit over the maximum to it
        sizes = [20, 3]
    pages: list[int] = []
    response, doc = get(client, ITEMS, limit=limit)
    ids, hrefs = [], []
    while True:
        assert response.status_code == 200, doc
        pages.append(len(doc["features"]))
        ids += [f["id"] for f in doc["features"]]
        nexts = [link["href"] for link in doc["links"] if link["rel"] == "next"]
        if not nexts:
            break
        hrefs += nexts
        url = urlsplit(nexts[0])
        response = client.get(f"{url.path}?{url.query}", HTTP_HOST="127.0.0.1")
        doc = json.loads(response.content)
    assert pages == sizes
    assert ids == parcels
    expected = [min(max(limit if limit <= 20 else 20, 1) * 3**k, 20) for k in range(1, len(sizes))]
    assert limits_of(hrefs) == expected


def test_html_pages_keep_their_size(client, parcels, settings):
    settings.OGC = {**settings.OGC, "NEXT_LIMIT_GROWTH": 10}
    response = client.get(ITEMS, {"limit": 5, "f": "html"}, HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    hrefs = [
        href.replace("&amp;", "&")
        for href in re.findall(r'href="([^"]*cursor=[^"]*)"', response.content.decode())
    ]
    assert hrefs and set(limits_of(hrefs)) == {5}
    _, doc = get(client, ITEMS, limit=5)  # the same page in GeoJSON: the next one is 10 x 5
    nexts = [link["href"] for link in doc["links"] if link["rel"] == "next"]
    assert limits_of(nexts) == [50]


def test_a_prev_link_has_the_page_s_own_limit(client, parcels, settings):
    settings.OGC = {**settings.OGC, "NEXT_LIMIT_GROWTH": 10}
    _, doc = get(client, ITEMS, limit=4, offset=8)
    links = {link["rel"]: parse_qs(urlsplit(link["href"]).query) for link in doc["links"]}
    assert links["prev"]["limit"] == ["4"] and links["prev"]["offset"] == ["4"]
    assert links["next"]["limit"] == ["40"]
