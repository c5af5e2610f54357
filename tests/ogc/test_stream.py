"""Streamed GeoJSON pages of items (ogc/stream.py) on the real test database: valid JSON labelled
application/geo+json, the counts, a next-link chain that covers every feature once, the
coordinates placed by hand in the requested CRS and axis order, errors answered before the first
byte, HEAD without a body, the database connection given back, a 10,000-feature page, and the
same features as pygeoapi's own path."""

from __future__ import annotations

import json
import threading
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client
from pyproj import Transformer
from sqlalchemy import event

from layers.parcels.models import Parcel
from ogc import provider, stream
from ogc.paging import Position
from ogc.provider import ENGINES
from tests.factories import ORIGIN, SRID, ParcelFactory, rect
from tests.ogc.conftest import statements_run

pytestmark = pytest.mark.django_db(transaction=True)
ITEMS = "/ogc/collections/parcels/items"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
N = 12


@pytest.fixture
def parcels() -> list[int]:
    """N parcels, each a 10 m square at (20 i, 0) m from ORIGIN, in creation (id) order."""
    return [
        ParcelFactory(reference=f"TF {i + 1}/S", geom=rect(20 * i, 0, 10, 10)).pk for i in range(N)
    ]


def get(client: Client, url: str, **params):
    response = client.get(url, params, HTTP_HOST="127.0.0.1")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def checked_out() -> int:
    return sum(engine.pool.checkedout() for engine in ENGINES)


def test_a_page_is_streamed_valid_geojson(client, parcels):
    response, body = get(client, ITEMS, limit=5)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("application/geo+json")
    assert "Cookie, Authorization" in response["Vary"]
    assert "Content-Crs" in response
    doc = json.loads(body)
    assert doc["type"] == "FeatureCollection"
    assert [f["id"] for f in doc["features"]] == parcels[:5]
    assert doc["numberReturned"] == 5
    assert doc["numberMatched"] == N
    assert all(f["type"] == "Feature" and f["properties"]["id"] == f["id"] for f in doc["features"])
    assert doc["features"][0]["properties"]["reference"] == "TF 1/S"
    assert checked_out() == 0  # the cursor's connection went back to the pool


def test_next_links_cover_every_feature_once(client, parcels, settings):
    settings.OGC = {**settings.OGC, "NEXT_LIMIT_GROWTH": 1}  # pages of 5
    ids: list[int] = []
    response, body = get(client, ITEMS, limit=5)
    pages = 0
    while True:
        doc = json.loads(body)
        assert response.streaming
        pages += 1
        ids += [f["id"] for f in doc["features"]]
        assert doc["numberReturned"] == len(doc["features"])
        nexts = [link["href"] for link in doc["links"] if link["rel"] == "next"]
        if not nexts:
            break
        assert "cursor=" in nexts[0] and "offset=" not in nexts[0]
        url = urlsplit(nexts[0])
        response = client.get(f"{url.path}?{url.query}", HTTP_HOST="127.0.0.1")
        body = b"".join(response.streaming_content)
    assert ids == parcels
    assert pages == 3  # 5, 5, 2


def test_offset_pages_link_back_and_on(client, parcels):
    _, body = get(client, ITEMS, limit=5, offset=5)
    doc = json.loads(body)
    assert [f["id"] for f in doc["features"]] == parcels[5:10]
    rels = {link["rel"]: link["href"] for link in doc["links"]}
    assert "cursor=" in rels["next"]
    assert "offset=0" in rels["prev"]


def _counted(statement: str) -> bool:
    """Whether ``statement`` is one of the count's: a capped count, or the layer's stamp and
    the count it keeps."""
    text = statement.lower()
    return "to_json" not in text and ("count(" in text or "layers_version" in text)


@pytest.fixture
def hooked():
    """``hooked(hook)``: ``hook(statement)`` called before every statement of the OGC engines
    (the collection's provider is made first), until the test ends."""
    listened = []

    def install(hook):
        Client().get(ITEMS, {"limit": 1}, HTTP_HOST="127.0.0.1")  # the engine exists from here

        def before(conn, cursor, statement, parameters, context, executemany):
            hook(statement)

        for engine in list(ENGINES):
            event.listen(engine, "before_cursor_execute", before)
            listened.append((engine, before))

    yield install
    for engine, before in listened:
        event.remove(engine, "before_cursor_execute", before)


def _first_three() -> str:
    """A CRS84 bbox around the first three parcels (x 0-50 m, y 0-10 m), not the fourth (x 60)."""
    to84 = Transformer.from_crs(SRID, 4326, always_xy=True)
    west, south = to84.transform(ORIGIN[0] - 1, ORIGIN[1] - 1)
    east, north = to84.transform(ORIGIN[0] + 55, ORIGIN[1] + 11)
    return f"{west},{south},{east},{north}"


@pytest.mark.parametrize("filtered", [False, True])
def test_the_count_runs_beside_the_page(client, parcels, hooked, filtered):
    """The count (the layer's, or a filter's capped count) runs on a connection of its own while
    the page is read: here each of its statements waits until the page's has begun. Counted first
    and then the page, as before, it would wait in vain."""
    page_began = threading.Event()
    waited: list[bool] = []

    def hook(statement: str) -> None:
        if "to_json" in statement.lower():
            page_began.set()
        elif _counted(statement):
            waited.append(page_began.wait(timeout=5))

    hooked(hook)
    params = {"limit": 2, "bbox": _first_three()} if filtered else {"limit": 2}
    response, body = get(client, ITEMS, **params)
    doc = json.loads(body)
    assert [f["id"] for f in doc["features"]] == parcels[:2]
    assert doc["numberMatched"] == (3 if filtered else N)
    assert waited and all(waited)
    assert checked_out() == 0


@pytest.mark.parametrize("failing", ["count", "page"])
def test_a_failed_count_or_page_gives_every_connection_back(client, parcels, hooked, failing):
    """Whichever of the two fails, the request fails with its error, and neither the page's
    connection nor the count's is left out of the pool."""

    def hook(statement: str) -> None:
        page = "to_json" in statement.lower()
        if (failing == "page" and page) or (failing == "count" and _counted(statement)):
            raise RuntimeError(f"the {failing} failed")

    hooked(hook)
    with pytest.raises(RuntimeError, match=f"the {failing} failed"):
        get(client, ITEMS, limit=2, bbox=_first_three())
    assert checked_out() == 0
    assert not any(_driver_states())  # back out of autocommit


def _driver_states() -> list[bool]:
    """``autocommit`` of every idle connection of the OGC engines' pools."""
    states = []
    for engine in ENGINES:
        held = [engine.connect() for _ in range(engine.pool.checkedin())]
        states += [c.connection.driver_connection.autocommit for c in held]
        for c in held:
            c.close()
    return states


@pytest.mark.parametrize("limit", [2, stream.CHUNK])
def test_a_short_page_and_its_count_run_outside_any_transaction(client, hooked, limit):
    """A page shorter than a chunk and its count are each one statement on a connection in
    autocommit (no BEGIN or ROLLBACK round trips); a page of a chunk or more is read from a
    server-side cursor, which needs a transaction. Either way the connections go back to the pool
    as they came out of it: a write on them later is still one transaction."""
    bulk(stream.CHUNK + 1)
    states: dict[str, list[bool]] = {"page": [], "count": []}

    def before(conn, cursor, statement, parameters, context, executemany):
        if "to_json" in statement.lower():
            states["page"].append(conn.connection.driver_connection.autocommit)
        elif _counted(statement):
            states["count"].append(conn.connection.driver_connection.autocommit)

    hooked(lambda statement: None)  # the engines exist from here
    for engine in ENGINES:
        event.listen(engine, "before_cursor_execute", before)
    try:
        response, body = get(client, ITEMS, limit=limit, bbox=_first_three())
        assert json.loads(body)["numberMatched"] == 3
        response, body = get(client, ITEMS, limit=limit)
        assert json.loads(body)["numberReturned"] == limit
    finally:
        for engine in ENGINES:
            event.remove(engine, "before_cursor_execute", before)
    short = limit < stream.CHUNK
    assert states["page"] == [short, short]
    assert states["count"] and all(states["count"])
    assert checked_out() == 0
    assert _driver_states() and not any(_driver_states())


def _rows_writing(plan: dict, function: str) -> list[int]:
    """The actual row counts of the plan nodes (and their children) whose output calls
    ``function``."""
    found = []
    if any(function in out for out in plan.get("Output", [])):
        found.append(plan["Actual Rows"])
    for child in plan.get("Plans", []):
        found += _rows_writing(child, function)
    return found


@pytest.mark.parametrize(
    ("f", "function"),
    [("json", "to_json"), ("html", "st_asgeojson")],  # streamed; pygeoapi's writer
)
def test_an_offset_page_writes_the_geometries_of_its_own_rows_only(client, parcels, f, function):
    """PostgreSQL would transform and write every skipped row's geometry if the page were one
    SELECT (a scan's output goes through the Limit that drops it): with offset 8 and limit 2 (one
    more row tells whether a next page exists), the plan writes 3 rows, not 11."""
    response, body, plan = _page_and_plan(client, function, limit=2, offset=8, f=f)
    assert response.status_code == 200
    if f == "json":
        assert [f["id"] for f in json.loads(body)["features"]] == parcels[8:10]
    else:
        assert b"TF 9/S" in body and b"TF 10/S" in body and b"TF 8/S" not in body
    written = _rows_writing(plan, function)
    assert written and max(written) == 3


def _page_and_plan(client, function: str, **params):
    """The answer to the items request of ``params``, and the plan (``EXPLAIN ANALYZE``, run
    again with the same values) of the one statement it ran that calls ``function``."""
    get(client, ITEMS, limit=1)  # the collection's provider and its engine exist from here on
    with statements_run(function) as seen:
        response, body = get(client, ITEMS, **params)
    assert len(seen) == 1
    statement, parameters = seen[0]
    raw = next(iter(ENGINES)).raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) " + statement, parameters)
        plan = cursor.fetchone()[0][0]["Plan"]
    finally:
        raw.close()
    return response, body, plan


@pytest.mark.parametrize(
    ("crs", "lat_first"),
    [(f"{EPSG}4326", True), (CRS84, False)],
)
def test_coordinates_in_the_requested_crs_and_axis_order(client, parcels, crs, lat_first):
    _, body = get(client, ITEMS, limit=1, crs=crs)
    ring = json.loads(body)["features"][0]["geometry"]["coordinates"][0][0]
    lon, lat = Transformer.from_crs(SRID, 4326, always_xy=True).transform(*ORIGIN)
    expected = (lat, lon) if lat_first else (lon, lat)
    assert ring[0] == pytest.approx(expected, abs=1e-6)
    # the square's second corner, 10 m east: only the longitude changes
    east, _ = Transformer.from_crs(SRID, 4326, always_xy=True).transform(ORIGIN[0] + 10, ORIGIN[1])
    assert ring[1][1 if lat_first else 0] == pytest.approx(east, abs=1e-6)


def test_values_are_written_as_json_with_nulls_escapes_and_no_spaces(client, monkeypatch):
    """Each property's JSON is PostgreSQL's ``to_json`` of its value, joined without spaces: a
    missing value is ``null``, quotes, backslashes, line ends, Arabic text and ``</script>`` come
    back as they were stored, and the page is the same as pygeoapi's own writer's."""
    address = 'Bd "Anfa" 12\\3\nشارع أنفا </script>'
    ParcelFactory(reference="TF 1/S", geom=rect(0, 0, 10, 10), address=address, current_use="")
    ParcelFactory(reference="TF 2/S", geom=rect(20, 0, 10, 10), official_area_m2=None)
    _, body = get(client, ITEMS, limit=2)
    first, second = json.loads(body)["features"]
    assert first["properties"]["address"] == address
    assert first["properties"]["current_use"] == ""
    assert second["properties"]["official_area_m2"] is None
    assert second["properties"]["computed_area_m2"] == pytest.approx(100.0)
    assert b"</script>" not in body  # written \u003c/script\u003e
    features = body[body.index(b"[") : body.rindex(b"]")]
    assert b'": ' not in features and b', "' not in features
    monkeypatch.setattr(stream, "STREAM", False)
    _, whole = get(client, ITEMS, limit=2)
    assert json.loads(whole)["features"] == [first, second]


def test_a_feature_of_many_parts_is_joined_by_postgresql(client):
    """The feature's text is joined from its parts (fixed texts and values) with ``||``, nested
    by halves: 2,000 parts, far more than a layer has columns, compile and come back from
    PostgreSQL as Python joins them."""
    from sqlalchemy import Text, cast, func, literal, select

    from ogc.provider import _joined

    get(client, ITEMS, limit=1)  # the collection's engine exists from here on
    texts = [f'"k{i}":' if i % 2 == 0 else f"v{i}," for i in range(2000)]
    parts = [
        t if i % 2 == 0 else func.lower(cast(literal(t.upper()), Text)) for i, t in enumerate(texts)
    ]
    with next(iter(ENGINES)).connect() as connection:
        joined = connection.execute(select(_joined(parts))).scalar_one()
    assert joined == "".join(texts)


def test_storage_crs_coordinates_are_the_stored_ones(client, parcels):
    _, body = get(client, ITEMS, limit=1, crs=f"{EPSG}{SRID}")
    ring = json.loads(body)["features"][0]["geometry"]["coordinates"][0][0]
    assert ring[0] == pytest.approx(list(ORIGIN), abs=1e-3)
    assert ring[2] == pytest.approx([ORIGIN[0] + 10, ORIGIN[1] + 10], abs=1e-3)


@pytest.mark.parametrize(
    "params",
    [
        {"bbox": "1,2,3"},
        {"cursor": "not-a-cursor"},
        {"filter": "reference ==== 'x'", "filter-lang": "cql2-text"},
        {"sortby": "nothing_here"},
    ],
    ids=["bbox", "cursor", "filter", "sortby"],
)
def test_errors_are_answered_before_any_byte(client, parcels, params):
    response, body = get(client, ITEMS, **params)
    assert response.status_code == 400
    assert not response.streaming
    doc = json.loads(body)
    assert doc["code"] and doc["description"]
    assert checked_out() == 0


def test_head_has_no_body(client, parcels):
    response = client.head(ITEMS, {"limit": 5}, HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    assert response.content == b""
    assert checked_out() == 0


def bulk(n: int) -> None:
    """n parcels, 10 m squares on a 100-column grid of 20 m from ORIGIN."""
    Parcel.objects.bulk_create(
        [
            ParcelFactory.build(
                reference=f"TF {i}/B", geom=rect(20 * (i % 100), 20 * (i // 100), 10, 10)
            )
            for i in range(n)
        ]
    )


def test_a_response_closed_unread_gives_the_connection_back(client):
    bulk(stream.CHUNK * 2)  # more rows than one fetch: the cursor stays open while streaming
    response = client.get(ITEMS, {"limit": stream.CHUNK * 2}, HTTP_HOST="127.0.0.1")
    assert response.streaming
    assert checked_out() == 1
    response.close()  # the client went away before the first byte
    assert checked_out() == 0


def test_html_stays_with_pygeoapi(client, parcels):
    response = client.get(ITEMS, {"f": "html", "limit": 2}, HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    assert not response.streaming
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 7},
        {"limit": 4, "sortby": "-reference", "crs": f"{EPSG}4326"},
        {"limit": 4, "offset": 3, "land_status": "titled"},
    ],
)
def test_the_same_features_as_pygeoapis_path(client, parcels, monkeypatch, params):
    _, streamed = get(client, ITEMS, **params)
    monkeypatch.setattr(stream, "STREAM", False)
    response, whole = get(client, ITEMS, **params)
    assert not response.streaming
    a, b = json.loads(streamed), json.loads(whole)
    assert a["features"] == b["features"]
    assert a["numberMatched"] == b["numberMatched"]
    assert a["numberReturned"] == b["numberReturned"]
    assert {link["rel"] for link in a["links"]} == {link["rel"] for link in b["links"]}


def test_a_page_of_ten_thousand_features(client):
    bulk(10_001)
    response, body = get(client, ITEMS, limit=10_000)
    assert response.status_code == 200
    assert response.streaming
    doc = json.loads(body)
    assert doc["numberReturned"] == len(doc["features"]) == 10_000
    assert len({f["id"] for f in doc["features"]}) == 10_000
    assert [link["rel"] for link in doc["links"]].count("next") == 1
    assert checked_out() == 0


def _comparable(body: bytes) -> dict:
    """A page without its time stamp, each cursor read back (a signed cursor carries the time
    it was made)."""
    doc = json.loads(body)
    doc.pop("timeStamp", None)
    for link in doc.get("links", []):
        url = urlsplit(link["href"])
        query: dict = dict(parse_qsl(url.query, keep_blank_values=True))
        if "cursor" in query:
            query["cursor"] = Position.decode(query["cursor"])
        link["href"] = (url.path, query)
    return doc


def _pages(client, params: dict) -> list[dict]:
    """The page of ``params``, and the next one by its cursor."""
    _, body = get(client, ITEMS, **params)
    pages = [_comparable(body)]
    nexts = [link["href"] for link in json.loads(body)["links"] if link["rel"] == "next"]
    if nexts:
        url = urlsplit(nexts[0])
        response = client.get(f"{url.path}?{url.query}", HTTP_HOST="127.0.0.1")
        pages.append(_comparable(b"".join(response.streaming_content)))
    return pages


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 5},
        {"limit": 5, "offset": 4},
        {"limit": 2, "bbox": "FIRST_THREE"},
        {"limit": 2, "bbox": "FIRST_THREE", "offset": 1},
        {"limit": 4, "crs": f"{EPSG}4326"},
        {"limit": 4, "crs": f"{EPSG}{SRID}", "offset": 3},
        {"limit": 3, "bbox": "NONE"},
    ],
)
def test_kept_statements_answer_as_statements_built_for_the_page(
    client, parcels, monkeypatch, params
):
    """A simple page (no filter but a bbox, no sortby) runs statements kept from an earlier page,
    with its own values bound: the same features, counts and links (cursors read back) as the
    statements built for it, on the first page and the next one by cursor."""
    params = dict(params)
    if params.get("bbox") == "FIRST_THREE":
        params["bbox"] = _first_three()
    elif params.get("bbox") == "NONE":  # a box beside the squares: no feature
        to84 = Transformer.from_crs(SRID, 4326, always_xy=True)
        west, south = to84.transform(ORIGIN[0] - 500, ORIGIN[1] - 500)
        east, north = to84.transform(ORIGIN[0] - 400, ORIGIN[1] - 400)
        params["bbox"] = f"{west},{south},{east},{north}"
    provider._TEMPLATES.clear()
    kept = _pages(client, params)
    assert provider._TEMPLATES, "no statement was kept"
    kept_again = _pages(client, params)  # run again from the kept statements
    monkeypatch.setattr(provider, "KEEP_STATEMENTS", False)
    provider._TEMPLATES.clear()
    built = _pages(client, params)
    assert not provider._TEMPLATES
    assert kept == kept_again == built
    assert kept[0]["numberReturned"] == len(kept[0]["features"]) <= params["limit"]


def test_a_filtered_or_sorted_page_builds_its_own_statements(client, parcels):
    provider._TEMPLATES.clear()
    _, body = get(client, ITEMS, limit=2, sortby="-reference")
    _, body2 = get(client, ITEMS, limit=2, reference="TF 3/S")
    assert not provider._TEMPLATES
    assert [f["properties"]["reference"] for f in json.loads(body)["features"]] == [
        "TF 9/S",
        "TF 8/S",
    ]
    assert [f["id"] for f in json.loads(body2)["features"]] == [parcels[2]]


def _exact_tests(plan: dict) -> int:
    """How many rows the plan's ``st_intersects`` filters were run on (kept and removed)."""
    tested = 0
    if "st_intersects" in plan.get("Filter", "").lower():
        tested += (plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0)) * plan.get(
            "Actual Loops", 1
        )
    for child in plan.get("Plans", []):
        tested += _exact_tests(child)
    return tested


def test_a_bbox_page_tests_exactly_only_the_rows_it_needs(client, parcels):
    """A bbox page sorts the features whose boxes meet the bbox by id, then runs the exact
    intersection test in that order until the page is full: for 1 feature of a bbox around the
    last three squares (and a second that tells whether a next page exists), 2 exact tests. Read
    in id order with the test on each, 11 (the nine squares before fail it); tested first and
    then sorted, 3."""
    to84 = Transformer.from_crs(SRID, 4326, always_xy=True)
    west, south = to84.transform(ORIGIN[0] + 20 * (N - 3) - 1, ORIGIN[1] - 1)
    east, north = to84.transform(ORIGIN[0] + 20 * N, ORIGIN[1] + 11)
    bbox = f"{west},{south},{east},{north}"
    _, body, plan = _page_and_plan(client, "to_json", limit=1, bbox=bbox)
    doc = json.loads(body)
    assert [f["id"] for f in doc["features"]] == parcels[N - 3 : N - 2]
    assert doc["numberMatched"] == 3
    assert _exact_tests(plan) == 2
