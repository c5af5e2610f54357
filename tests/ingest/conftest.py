"""Fixtures for the ingest tests: small GIS files written by the tests themselves, with
hand-made geometries in metres from ``tests.factories.ORIGIN`` (areas known by hand)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import MultiPolygon, Polygon, box

from tests.factories import ORIGIN, SRID

REPO = Path(__file__).resolve().parent.parent.parent


def square(x: float, y: float, size: float = 100.0) -> Polygon:
    """A ``size`` m square whose south-west corner is (x, y) metres from ORIGIN (storage SRID)."""
    return box(ORIGIN[0] + x, ORIGIN[1] + y, ORIGIN[0] + x + size, ORIGIN[1] + y + size)


def parcels_frame(n: int = 3, crs: int = SRID, **columns) -> gpd.GeoDataFrame:
    """``n`` 100 m squares side by side (10,000 m² each), with valid parcel attributes."""
    data = {
        "reference": [f"TF {1000 + i}/C" for i in range(n)],
        "land_status": ["titled"] * n,
        "official_area_m2": [10000.0] * n,
        "current_use": ["housing"] * n,
    }
    data.update(columns)
    frame = gpd.GeoDataFrame(
        data, geometry=[MultiPolygon([square(200 * i, 0)]) for i in range(n)], crs=SRID
    )
    return frame.to_crs(epsg=crs) if crs != SRID else frame


def write(frame: gpd.GeoDataFrame, path: Path, driver: str | None = None, **kw) -> Path:
    pyogrio.write_dataframe(frame, path, driver=driver, **kw)
    return path


@pytest.fixture
def planner(django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("planner", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="change_parcel"))
    return user


def table_rows(model) -> list[tuple]:
    """Every row of a layer table, geometry as WKB hex, in id order: compared before/after."""
    from django.db import connection
    from psycopg import sql

    query = sql.SQL("SELECT *, ST_AsHexEWKB(geom) FROM {} ORDER BY id")
    with connection.cursor() as cur:
        cur.execute(query.format(sql.Identifier(model._meta.db_table)))
        return [tuple(str(v) for v in row) for row in cur.fetchall()]


def run_queued_jobs() -> None:
    """Run the queued web ingests in this process until the queue is empty: procrastinate's
    worker without waiting, on connections of its own as in the worker process (so the test
    needs ``transactional_db``: the queued jobs must be committed)."""
    from asgiref.sync import async_to_sync
    from procrastinate.contrib.django import app
    from procrastinate.contrib.django.django_connector import DjangoConnector

    from ingest.jobs import QUEUE

    async def run() -> None:
        async with app.open_async():
            await app.run_worker_async(queues=[QUEUE], wait=False, install_signal_handlers=False)

    with app.replace_connector(DjangoConnector().get_worker_connector()):
        async_to_sync(run)()
