"""The portal's pages and JSON endpoints: ``/``, ``/open-data/``, ``/api/layers``, ``/api/search``;
and ``/favicon.ico``."""

from django.urls import path

from geoportal.portal import editor_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("open-data/", views.open_data, name="open_data"),
    path("open-data/<slug:slug>.<str:fmt>", views.layer_download, name="layer_download"),
    path("api/layers", views.api_layers, name="layers_list"),
    path("api/search", views.api_search, name="search"),
    path("api/edit/layers", editor_views.editor_layers, name="editor_layers"),
    path(
        "api/edit/<slug:slug>/<int:pk>/history",
        editor_views.feature_history,
        name="editor_history",
    ),
    path("api/edit/<slug:slug>/<int:pk>/presence", editor_views.presence, name="editor_presence"),
    path("i18n/setlang/", views.set_portal_language, name="set_language"),
]
