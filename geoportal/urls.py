"""Root URLs: the portal, the health check and the admin; each part adds its own include."""

from django.contrib import admin
from django.urls import path

from geoportal import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
