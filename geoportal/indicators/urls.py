"""URLs of the city in figures:

- ``/indicators/`` the page (``?indicator=<key>`` chooses the mapped indicator)
- ``/api/indicators/arrondissements`` every indicator, unit and formula, per arrondissement and
  for the city (JSON); ``.csv`` and ``.geojson`` (the figures on the boundaries, EPSG:4326)
"""

from django.urls import path

from geoportal.indicators import views

app_name = "indicators"

urlpatterns = [
    path("indicators/", views.indicators_page, name="indicators_page"),
    path("api/indicators/arrondissements", views.api_indicators, name="indicators_json"),
    path("api/indicators/arrondissements.csv", views.api_indicators_csv, name="indicators_csv"),
    path(
        "api/indicators/arrondissements.geojson",
        views.api_indicators_geojson,
        name="indicators_geojson",
    ),
]
