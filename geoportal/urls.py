"""Root URLs. Each part of the platform owns its own urls module, included here.

URL contracts the parts rely on:
- ``/ogc`` and ``/ogc/...``: OGC API Features (pygeoapi), ``ogc/urls.py``
- ``/tiles/<slug>/<z>/<x>/<y>.mvt``, ``/tiles/<slug>.json`` (TileJSON), ``tiles/urls.py``
- ``/renseignement/...`` pages and ``/api/renseignement/...``, ``geoportal/renseignement/urls.py``
- ``/indicators/`` and ``/api/indicators/...``: the city in figures, ``geoportal/indicators/urls.py``
- ``/ingest/...`` planners' upload pages, ``ingest/urls.py``
- ``/``, ``/open-data/``, ``/api/search``, ``/api/layers``, ``/favicon.ico``: the portal,
  ``geoportal/portal_urls.py``
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from geoportal import health
from geoportal.portal.accounts import PortalLoginView

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
    path("", include("tiles.ogc_urls")),  # OGC API Tiles, before pygeoapi's /ogc
    path("", include("ogc.urls")),
    path("tiles/", include("tiles.urls")),
    path("", include("geoportal.renseignement.urls")),
    path("", include("geoportal.indicators.urls")),
    path("ingest/", include("ingest.urls")),
    path("", include("geoportal.portal_urls")),
]

handler404 = "geoportal.errors.page_not_found"
