"""The municipal extent (``GIS["EXTENT"]``, storage SRID): the one test of "inside the city" for
geometries arriving from outside (OGC writes, e-renseignement outlines and clicks). Ingest makes
the same test set-wise in SQL on its staging table."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, Polygon


@cache
def municipal_extent() -> Polygon:
    extent = Polygon.from_bbox(settings.GIS["EXTENT"])
    extent.srid = settings.GIS["STORAGE_SRID"]
    return extent


def inside_municipal_extent(geom: GEOSGeometry) -> bool:
    """Whether ``geom`` (in the storage SRID) lies wholly inside the municipal extent."""
    if geom.srid != settings.GIS["STORAGE_SRID"]:
        raise ValueError(f"expected a geometry in the storage SRID, not {geom.srid}")
    return municipal_extent().covers(geom)
