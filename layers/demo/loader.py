"""Load the demo city into the database: one transaction, all or nothing, rows written by COPY."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field

import shapely
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from shapely.geometry.base import BaseGeometry
from tqdm import tqdm

from layers.common.conf import gis_settings
from layers.common.history import history_paused, set_transaction_actor

from . import sql
from .boundaries import load_boundaries
from .city import generate_city
from .frame import CityFrame
from .planning import Area
from .sizes import Size

# In load order (parents first); emptied in the reverse order.
BOUNDARY_TABLES = ["boundaries_prefecture", "boundaries_arrondissement", "boundaries_commune"]
GENERATED_TABLES = [
    "roads_roadsegment",
    "roads_inspection",
    "roads_streetlight",
    "roads_streetfurniture",
    "parcels_parcel",
    "greenspaces_greenspace",
    "greenspaces_tree",
    "zoning_planningdocument",
    "zoning_zoneregulation",
    "zoning_zone",
    "zoning_servitude",
    "zoning_reservedland",
    "facilities_facility",
    "facilities_citizenreport",
]
DEMO_TABLES = BOUNDARY_TABLES + GENERATED_TABLES

PLACE_MOHAMMED_V = {"lon": -7.6186, "lat": 33.5936}
ACTOR = "load_demo"
LOCK_KEY = 0x64656D6F  # "demo": one demo load at a time per database

Say = Callable[[str], None]
INDEX_BUILD_MEMORY = "256MB"  # for the index builds at the end of a load (this transaction only)


class DemoNotEmpty(Exception):
    """The database already holds demo layers and ``replace`` was not asked for."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        held = ", ".join(t for t, n in counts.items() if n)
        super().__init__(f"the database already holds layer data (in {held})")


@dataclass
class LoadReport:
    size: str
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    generate_seconds: float = 0.0
    copy_seconds: float = 0.0
    history: bool = True
    replaced: dict[str, int] = field(default_factory=dict)
    skipped: bool = False


def existing_rows(cursor) -> dict[str, int]:
    """1 for each demo table that holds rows, else 0."""
    out = {}
    for table in DEMO_TABLES:
        cursor.execute(sql.exists_rows(table))
        out[table] = int(cursor.fetchone()[0])
    return out


def _areas(cursor, query: str) -> list[tuple[int, str, str, str, BaseGeometry]]:
    cursor.execute(query)
    return [(i, c, fr, ar, shapely.from_wkb(bytes(g))) for i, c, fr, ar, g in cursor.fetchall()]


def read_frame(cursor) -> tuple[CityFrame, list[Area], list[Area]]:
    """The local frame, arrondissements and préfectures, from the boundaries in the database."""
    gis = gis_settings()
    storage, api = gis["STORAGE_SRID"], gis["API_SRID"]
    cursor.execute(sql.CENTRE, {**PLACE_MOHAMMED_V, "api": api, "storage": storage})
    x, y = cursor.fetchone()
    centre = (float(x), float(y))
    arrs = _areas(cursor, sql.ARRONDISSEMENTS)
    prefs = _areas(cursor, sql.PREFECTURES)
    communes = _areas(cursor, sql.COMMUNES)
    city = shapely.union_all([a[4] for a in arrs])
    # Neighbours: communes lying mostly outside the city (not Casablanca itself nor the Méchouar).
    neighbours = shapely.union_all(
        [g for *_, g in communes if shapely.intersection(g, city).area < 0.5 * g.area]
    )
    frame = CityFrame.build(centre, city, neighbours)

    def local(rows):
        return [Area(i, c, fr, ar, frame.to_local(g)) for i, c, fr, ar, g in rows]

    return frame, local(arrs), local(prefs)


@contextmanager
def indexes_built_after(
    cursor: CursorWrapper, tables: Sequence[str], say: Say, quiet: bool | None = None
) -> Iterator[None]:
    """Inside the load's transaction, drop the tables' indexes that no constraint owns (spatial,
    text search, plain b-trees) and build them again at the end: building an index from all
    its rows at once, sorted, costs a fraction of growing it row by row. The tables are locked by
    the load anyway (it empties them or finds them empty); if the load fails, the rollback
    brings the indexes back as they were. The definitions are PostgreSQL's own
    (``pg_get_indexdef``), run again as they are."""
    cursor.execute(sql.LOOSE_INDEXES, [list(tables)])
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(sql.drop_index(name))
    yield
    started = time.monotonic()
    cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [INDEX_BUILD_MEMORY])
    for _, definition in tqdm(indexes, desc="indexing", unit="index", disable=quiet, leave=False):
        cursor.execute(definition)
    say(f"built {len(indexes)} indexes after the load in {time.monotonic() - started:.1f} s")


def load_demo(
    size: Size,
    seed: int = 1,
    *,
    replace: bool = False,
    if_empty: bool = False,
    history: bool | None = None,
    progress: bool = True,
    say: Say = print,
) -> LoadReport:
    """Build the demo city of ``size`` and write it. A database that already holds demo layers is
    left alone with ``if_empty`` (``report.skipped``), emptied first in the same transaction with
    ``replace``, refused otherwise. Concurrent loads wait for each other (advisory lock), so two
    ``if_empty`` loads of an empty database write it once."""
    keep_history = size.history if history is None else history
    quiet = None if progress else True  # tqdm: None draws the bars on a terminal only
    report = LoadReport(size=size.name, seed=seed, history=keep_history)
    started = time.monotonic()
    srid = gis_settings()["STORAGE_SRID"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        set_transaction_actor(cursor, ACTOR)
        cursor.execute(sql.CHECK_CONSTRAINTS_NOW)  # earlier writes of an enclosing transaction
        cursor.execute(sql.DEFER_CONSTRAINTS)
        held = existing_rows(cursor)
        if any(held.values()):
            if if_empty:
                report.skipped = True
                return report
            if not replace:
                raise DemoNotEmpty(held)
            report.replaced = held
            if keep_history:
                # DELETE, so the history records the removal and past-date reads stay right
                for name in reversed(DEMO_TABLES):
                    cursor.execute(sql.delete_all(name))
                say(f"emptied the {len(DEMO_TABLES)} demo tables (DELETE, recorded in the history)")
            else:
                cursor.execute(sql.truncate(DEMO_TABLES))
                say(
                    f"emptied the {len(DEMO_TABLES)} demo tables (TRUNCATE, not recorded in the "
                    "history; their versions moved)"
                )
        pause: AbstractContextManager[list[str]] = (
            nullcontext([]) if keep_history else history_paused(cursor, DEMO_TABLES)
        )
        with pause as paused, indexes_built_after(cursor, DEMO_TABLES, say, quiet):
            if paused:
                say(
                    "history triggers disabled during the load on "
                    f"{len(paused)} tables (version counters still move); re-enabled at the end"
                )
            report.counts.update(load_boundaries(cursor))
            cursor.execute(sql.CHECK_CONSTRAINTS_NOW)
            frame, arrondissements, prefectures = read_frame(cursor)

            t0 = time.monotonic()
            bar = tqdm(total=8, desc="generating", unit="step", disable=quiet, leave=False)

            def step(label: str) -> None:
                bar.set_postfix_str(label)
                bar.update(1)

            tables = generate_city(frame, arrondissements, prefectures, size, seed, step)
            bar.close()
            report.generate_seconds = time.monotonic() - t0

            t0 = time.monotonic()
            total = sum(len(t) for t in tables)
            with tqdm(total=total, desc="writing", unit="row", disable=quiet, leave=False) as pbar:
                for table in tables:
                    pbar.set_postfix_str(table.table)
                    with cursor.copy(sql.copy_into(table.table, table.columns)) as copy:
                        for n, row in enumerate(table.rows(srid), start=1):
                            copy.write_row(row)
                            if n % 10000 == 0:
                                pbar.update(10000)
                        pbar.update(len(table) % 10000)
                    report.counts[table.table] = len(table)
            report.copy_seconds = time.monotonic() - t0
            for name in DEMO_TABLES:
                cursor.execute(sql.restart_ids(name))
            # Check the foreign keys now (they are deferred), before the triggers are touched again.
            cursor.execute(sql.CHECK_CONSTRAINTS_NOW)
            cursor.execute(sql.DEFER_CONSTRAINTS)
    report.seconds = time.monotonic() - started
    return report
