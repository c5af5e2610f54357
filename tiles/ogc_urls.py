"""OGC API - Tiles under ``/ogc`` (:mod:`tiles.documents`), included from the root URLs before
``ogc.urls``: tile matrix sets, each collection's vector tilesets and its tiles."""

from django.urls import path, re_path

from tiles import documents

app_name = "ogc_tiles"

COLLECTION = r"(?P<collection_id>[^/]+)"
TMS = r"(?P<tms>[^/]+)"

urlpatterns = [
    path("ogc/tileMatrixSets", documents.tile_matrix_sets, name="tile_matrix_sets"),
    path("ogc/tileMatrixSets/<str:tms>", documents.tile_matrix_set, name="tile_matrix_set"),
    path("ogc/collections/<str:collection_id>/tiles", documents.tileset_list, name="tilesets"),
    path(
        "ogc/collections/<str:collection_id>/tiles/<str:tms>",
        documents.tileset,
        name="tileset",
    ),
    re_path(
        rf"^ogc/collections/{COLLECTION}/tiles/{TMS}/(?P<level>\d{{1,2}})/(?P<row>\d{{1,9}})/(?P<col>\d{{1,9}})$",
        documents.tile,
        name="tile",
    ),
]
