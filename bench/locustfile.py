"""The load test's traffic (``make loadtest``, run by ``bench/loadtest.py``): visitors reading tiles,
OGC items, search and note previews, who now and then issue a note, and planners editing parcels.

Every write answered 2xx and every failed request is written to the journal
(``LOADTEST_JOURNAL``, one JSON object a line), which ``bench/loadtest.py`` checks against the
database afterwards. The final figures per kind go to ``LOADTEST_FIGURES`` (JSON) once every user
has stopped. Locust's ``_stats.csv`` comes from a writer that runs every second, and it can
miss a run's last requests (70 of 76 in one short run), a run's only edits among them. Each
visitor sends its own client address (``X-Forwarded-For``, on the loopback range; the server
trusts one proxy), as citizens come from their own: the note rate limits count per address.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import threading
import time
import urllib.request
import uuid
from typing import Any

from locust import HttpUser, between, events, task

JOURNAL = os.environ.get("LOADTEST_JOURNAL", "loadtest-journal.jsonl")
FIGURES = os.environ.get("LOADTEST_FIGURES", "")
TOKEN = os.environ.get("LOADTEST_TOKEN", "")
PLANNER_SLOTS = 5  # planner n edits the parcels whose id is n modulo this: one writer a parcel
RUN = uuid.uuid4().hex[:8]

_journal_lock = threading.Lock()
_addresses = itertools.count(1)
_planners = itertools.count(0)
PARCELS: list[dict[str, Any]] = []  # id, reference, lon, lat of the city's parcels
_environment: list[Any] = []  # Locust's, kept at its start for the final figures


def journal(**record: Any) -> None:
    record["t"] = time.time()
    with _journal_lock, open(JOURNAL, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")


@events.init.add_listener
def keep_environment(environment: Any, **_: Any) -> None:
    _environment.append(environment)


@events.quit.add_listener
def write_figures(**_: Any) -> None:
    """Requests, failures, requests/s and the 50th, 95th and 99th percentiles (ms) of each kind
    and of all, as Locust reckons them, from its stats once the run has stopped."""
    if not FIGURES or not _environment or _environment[0].runner is None:
        return
    stats = _environment[0].runner.stats
    entries = sorted(stats.entries.values(), key=lambda e: (e.name, e.method or ""))
    rows = [
        {
            "kind": entry.name,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "requests_per_s": round(entry.total_rps, 1),
            **{
                f"p{percent}_ms": (
                    entry.get_response_time_percentile(percent / 100)
                    if entry.num_requests
                    else None
                )
                for percent in (50, 95, 99)
            },
        }
        for entry in [*entries, stats.total]
    ]
    with open(FIGURES, "w", encoding="utf-8") as fh:
        json.dump(rows, fh)


@events.test_start.add_listener
def load_parcels(environment: Any, **_: Any) -> None:
    """The parcels to ask about, read once through the OGC API (from the primary or a replica,
    as any client)."""
    url = f"{environment.host}/ogc/collections/parcels/items?f=json&limit=2000"
    with urllib.request.urlopen(url, timeout=60) as response:
        page = json.load(response)
    for feature in page["features"]:
        ring = feature["geometry"]["coordinates"]
        while isinstance(ring[0], list):
            ring = ring[0]
        lon, lat = ring[0], ring[1]
        PARCELS.append(
            {"id": feature["id"], "reference": feature["properties"]["reference"], "lon": lon,
             "lat": lat}
        )  # fmt: skip
    if not PARCELS:
        raise RuntimeError("no parcels to read: load the demo city first")


@events.request.add_listener
def record_failure(
    request_type: str, name: str, response_time: float, exception: Any, response: Any, **_: Any
) -> None:
    if exception is not None:
        status = getattr(response, "status_code", 0) or 0
        journal(kind="failure", name=name, status=status, error=str(exception)[:300],
                duration_ms=response_time)  # fmt: skip


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


class Visitor(HttpUser):
    """A citizen on the portal: the map's tiles, the features in view, a search, a note."""

    weight = 9
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        n = next(_addresses)
        self.client.headers["X-Forwarded-For"] = f"127.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"

    @task(10)
    def tiles(self) -> None:
        parcel = random.choice(PARCELS)
        z, x, y = tile_of(parcel["lon"], parcel["lat"], random.choice((14, 15, 16)))
        layer = random.choice(("parcels", "roads", "zoning"))
        self.client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt", name="tile")

    @task(5)
    def items(self) -> None:
        p = random.choice(PARCELS)
        bbox = f"{p['lon'] - 0.003},{p['lat'] - 0.003},{p['lon'] + 0.003},{p['lat'] + 0.003}"
        self.client.get(
            "/ogc/collections/parcels/items",
            params={"f": "json", "bbox": bbox, "limit": 50},
            name="ogc items",
        )

    @task(3)
    def search(self) -> None:
        reference = random.choice(PARCELS)["reference"]
        self.client.get("/api/search", params={"q": reference[: random.randint(4, 7)]},
                        name="search")  # fmt: skip

    @task(3)
    def note_preview(self) -> None:
        reference = random.choice(PARCELS)["reference"]
        self.client.get("/api/renseignement/", params={"parcel": reference}, name="note preview")

    @task(1)
    def issue_note(self) -> None:
        reference = random.choice(PARCELS)["reference"]
        with self.client.post(
            "/api/renseignement/notes", json={"parcel": reference}, name="note issue",
            catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code in (200, 201):
                body = response.json()
                journal(kind="note", number=body["number"], status=response.status_code,
                        parcel=reference)  # fmt: skip
                response.success()


class Planner(HttpUser):
    """A planner correcting parcels' addresses through the OGC API (as QGIS does, with a token),
    and reading them back."""

    weight = 1
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        self.slot = next(_planners) % PLANNER_SLOTS
        self.client.headers["Authorization"] = f"Token {TOKEN}"
        self.mine = [p for p in PARCELS if p["id"] % PLANNER_SLOTS == self.slot] or PARCELS
        self.edits = itertools.count(1)

    @task(3)
    def edit(self) -> None:
        parcel = random.choice(self.mine)
        marker = f"LT {RUN}-{self.slot}-{next(self.edits)}"
        with self.client.patch(
            f"/ogc/collections/parcels/items/{parcel['id']}",
            data=json.dumps({"properties": {"address": marker}}),
            headers={"Content-Type": "application/geo+json"},
            name="planner edit",
            catch_response=True,
        ) as response:
            if 200 <= response.status_code < 300:
                journal(kind="edit", id=parcel["id"], address=marker,
                        status=response.status_code)  # fmt: skip
                response.success()

    @task(1)
    def read_back(self) -> None:
        parcel = random.choice(self.mine)
        self.client.get(f"/ogc/collections/parcels/items/{parcel['id']}", params={"f": "json"},
                        name="planner read")  # fmt: skip
