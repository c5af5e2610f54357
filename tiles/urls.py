"""``/tiles/...``: vector tiles, TileJSON and styles of registry layers, raster tiles of COG
layers. ``style`` is not a layer slug: ``/tiles/style.json`` is the portal's default map style."""

from django.urls import re_path

from tiles import documents, views

app_name = "tiles"

SLUG = r"[a-z0-9][a-z0-9_-]*"
SLUGS = rf"{SLUG}(?:,{SLUG})*"
ZXY = r"(?P<z>\d{1,2})/(?P<x>\d{1,9})/(?P<y>\d{1,9})"

urlpatterns = [
    # before the TileJSON pattern, which would read "style" as a layer
    re_path(r"^style\.json$", documents.default_style, name="default_style"),
    re_path(rf"^(?P<slug>{SLUG})/style\.json$", documents.layer_style, name="layer_style"),
    re_path(
        rf"^raster/(?P<slug>{SLUG})/{ZXY}\.(?P<fmt>png|webp)$",
        views.raster_tile,
        name="raster_tile",
    ),
    re_path(
        rf"^raster/(?P<slug>{SLUG})\.json$", views.raster_tilejson_view, name="raster_tilejson"
    ),
    re_path(rf"^(?P<slugs>{SLUGS})/{ZXY}\.mvt$", views.vector_tile, name="vector_tile"),
    re_path(rf"^(?P<slugs>{SLUGS})\.json$", views.vector_tilejson_view, name="vector_tilejson"),
]
