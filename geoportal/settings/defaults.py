"""Defaults that do not depend on the environment."""

from __future__ import annotations

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "layers.common",
    "layers.boundaries",
    "layers.roads",
    "layers.parcels",
    "layers.greenspaces",
    "layers.zoning",
    "layers.facilities",
    "layers.rasters",
    "layers.demo",
    "ingest",
    "ogc",
    "tiles",
    "geoportal.renseignement",
    "geoportal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "layers.common.middleware.HistoryActorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "geoportal.urls"
WSGI_APPLICATION = "geoportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("ar", "العربية"), ("en", "English")]
TIME_ZONE = "Africa/Casablanca"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# GDAL 3.6 from Debian is older than GeoDjango's recommended 3.9; it has every driver we use.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# Geometry policy (ARCHITECTURE.md, decision 1). Another city changes these values only.
GIS = {
    "STORAGE_SRID": 26191,  # Merchich / Nord Maroc, the city's legal projected CRS
    "API_SRID": 4326,
    "TILE_SRID": 3857,
    # The municipal extent in the storage SRID (xmin, ymin, xmax, ymax): Greater Casablanca with a
    # margin (the 37 surrounding communes reach 256890, 286974, 355897, 359276); features outside
    # it are refused.
    "EXTENT": (250000.0, 280000.0, 362000.0, 366000.0),
    "CITY_NAME": "Casablanca",
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
}

ATTRIBUTION = {
    "OSM": "© OpenStreetMap contributors, ODbL 1.0",
    "HCP": "Source: Haut-Commissariat au Plan, RGPH 2024 (CC BY 4.0)",
}
