"""The basemap every map of the platform draws under its own features (the portal, the ingest
pages, the admin's geometry editor): an outside XYZ layer when ``GEOPORTAL_BASEMAP_URL`` is set,
else the registry's basemap layers from the platform's own vector tiles, so maps work on a
closed network."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from layers.common.registry import basemap_layers


def city_bounds() -> list[list[float]]:
    """The municipal extent (``GIS_EXTENT_LONLAT``) as Leaflet bounds ``[[south, west], [north,
    east]]``: where a map opens when it has nothing else to show."""
    west, south, east, north = settings.GIS_EXTENT_LONLAT
    return [[south, west], [north, east]]


def vector_tile_url(slugs: str) -> str:
    """The XYZ template of the vector tiles of one layer, or of several (comma-separated, drawn
    bottom first), as ``tiles/urls.py`` serves them."""
    return f"/tiles/{slugs}/{{z}}/{{x}}/{{y}}.mvt"


def basemap(editor: bool = False) -> dict[str, Any]:
    """The basemap as the maps' scripts read it: ``type`` ``xyz`` (``url``, ``attribution``) or
    ``vector`` (the layers bottom first, each one's paint, their tiles, their sources credited
    once each). ``editor``: the admin geometry editor's own layers, drawn darker to edit over."""
    if settings.BASEMAP_URL:
        return {
            "type": "xyz",
            "url": settings.BASEMAP_URL,
            "attribution": settings.BASEMAP_ATTRIBUTION,
        }
    own = basemap_layers(editor=editor)
    credits = dict.fromkeys(lyr.options.attribution for lyr, _ in own if lyr.options.attribution)
    return {
        "type": "vector",
        "layers": [lyr.slug for lyr, _ in own],
        "paint": {lyr.slug: paint.as_dict() for lyr, paint in own},
        "tiles": vector_tile_url(",".join(lyr.slug for lyr, _ in own)) if own else None,
        "attribution": "; ".join(credits),
    }
