"""The municipal extent (``GIS["EXTENT"]``, storage SRID): the tests of "in the city" for
geometries arriving from outside. Features (OGC writes, e-renseignement outlines and clicks) must lie
wholly inside; a raster (an orthophoto cut on a map-sheet grid) need only overlap it. Vector ingest
makes the inside test set-wise in SQL on its staging table."""

from __future__ import annotations

from functools import cache

from django.contrib.gis.geos import GEOSGeometry, Polygon

from layers.common.conf import gis_settings


@cache
def municipal_extent() -> Polygon:
    gis = gis_settings()
    extent = Polygon.from_bbox(gis["EXTENT"])
    extent.srid = gis["STORAGE_SRID"]
    return extent


def _require_storage_srid(geom: GEOSGeometry) -> None:
    if geom.srid != gis_settings()["STORAGE_SRID"]:
        raise ValueError(f"expected a geometry in the storage SRID, not {geom.srid}")


def inside_municipal_extent(geom: GEOSGeometry) -> bool:
    """Whether ``geom`` (in the storage SRID) lies wholly inside the municipal extent."""
    _require_storage_srid(geom)
    return municipal_extent().covers(geom)


def overlaps_municipal_extent(geom: GEOSGeometry) -> bool:
    """Whether ``geom`` (in the storage SRID) shares any ground with the municipal extent."""
    _require_storage_srid(geom)
    return municipal_extent().intersects(geom)
