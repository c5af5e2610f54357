"""OGC API Features under ``/ogc`` (no trailing slashes; ``/ogc/`` answers too, for clients that
add one)."""

from django.urls import path, re_path

from ogc import views

app_name = "ogc"

urlpatterns = [
    path("ogc", views.landing_page, name="landing_page"),
    path("ogc/", views.landing_page),
    path("ogc/openapi", views.openapi, name="openapi"),
    path("ogc/conformance", views.conformance, name="conformance"),
    path("ogc/collections", views.collections, name="collections"),
    path("ogc/collections/<str:collection_id>", views.collections, name="collection"),
    path("ogc/collections/<str:collection_id>/queryables", views.queryables, name="queryables"),
    path("ogc/collections/<str:collection_id>/schema", views.schema, name="schema"),
    path("ogc/collections/<str:collection_id>/items", views.items, name="items"),
    path("ogc/collections/<str:collection_id>/items/<str:item_id>", views.item, name="item"),
    re_path(r"^ogc/static/(?P<path>.+)$", views.static, name="static"),
]
