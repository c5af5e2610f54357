"""``/tiles/...``: vector tiles and TileJSON of registry layers, raster tiles of COG layers."""

from django.urls import re_path

from tiles import views

app_name = "tiles"

SLUG = r"[a-z0-9][a-z0-9_-]*"
SLUGS = rf"{SLUG}(?:,{SLUG})*"
ZXY = r"(?P<z>\d{1,2})/(?P<x>\d{1,9})/(?P<y>\d{1,9})"

urlpatterns = [
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
