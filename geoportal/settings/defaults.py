"""Defaults that do not depend on the environment."""

from __future__ import annotations

from typing import Any

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
    "procrastinate.contrib.django",  # the job queue (web ingests), in PostgreSQL
    "ingest",
    "ogc",
    "tiles",
    "geoportal.renseignement",
    "geoportal.indicators",
    "geoportal",
]

MIDDLEWARE = [
    "tiles.middleware.PublicTileVaryMiddleware",  # first: sees the response last
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "geoportal.language.LanguageMiddleware",  # ?lang, cookie, Accept-Language, French
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "geoportal.replicas.ReadRoutingMiddleware",  # replica or primary, once the user is known
    "layers.common.middleware.HistoryActorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "geoportal.errors.GisErrorMiddleware",  # last: the first to see a view's exception
]

# Reads of marked views on the read replicas, everything else on the primary (geoportal/replicas.py).
DATABASE_ROUTERS = ["geoportal.replicas.ReplicaRouter"]

# Read replicas (hot standbys streaming from the primary; README, "Running on several machines").
REPLICAS: dict[str, Any] = {
    "MAX_LAG_S": 10.0,  # a replica further behind than this is passed over: the primary answers
    "PROBE_S": 1.0,  # a replica's health is asked at most this often by each process
    "CONNECT_TIMEOUT_S": 2,  # a replica that does not accept a connection in this time is down
    # After a write, the writer's reads go to the primary for this long, or until the replica has
    # replayed the write (whichever comes first).
    "READ_YOUR_WRITES_S": 30,
    "ALIASES": [],  # the Django aliases of the replicas, from GEOPORTAL_READ_REPLICAS
}

ROOT_URLCONF = "geoportal.urls"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
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
# Numbers as Morocco writes them, as the browser's Intl does (geoportal/formats)
FORMAT_MODULE_PATH = ["geoportal.formats"]
TIME_ZONE = "Africa/Casablanca"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# GDAL 3.6 from Debian is older than GeoDjango's recommended 3.9; it has every driver we use.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# Geometry policy (ARCHITECTURE.md, decision 1). Another city changes these values only; the
# projection's name and PROJ string shown in the portal are derived from STORAGE_SRID (computed.py).
GIS: dict[str, Any] = {
    "STORAGE_SRID": 26191,  # Merchich / Nord Maroc, the city's legal projected CRS
    "API_SRID": 4326,
    "TILE_SRID": 3857,
    # The municipal extent in the storage SRID (xmin, ymin, xmax, ymax): Greater Casablanca with a
    # margin (the data set's 37 communes reach 256890, 286974, 355897, 359276); features outside
    # it are refused.
    "EXTENT": (250000.0, 280000.0, 362000.0, 366000.0),
    "CITY_NAME": "Casablanca",  # in the portal's title and messages
    "CITY_NAME_BY_LANG": {"ar": "الدار البيضاء"},  # where another language writes it otherwise
}

# Vector and raster tiles (tiles/). Zoom limits, tile geometry and the tile cache.
TILES = {
    "MAX_ZOOM": 24,  # deeper requests are refused (404)
    "EXTENT": 4096,  # MVT grid units per tile side
    "BUFFER": 256,  # MVT grid units drawn outside the tile, so strokes join across tiles
    "MAX_FEATURES_PER_TILE": 50000,  # cap when the layer sets none (LayerOptions overrides)
    "CACHE": "files",  # "files" (under CACHE_DIR), a Django cache alias, or "" (off)
    "CACHE_DIR": None,  # folder of the "files" cache; None means var/cache/tiles (VAR_DIR)
    "CACHE_MAX_AGE": 0,  # seconds a client may reuse a tile before revalidating (ETag -> 304)
    "RASTER_SIZE": 256,
    "RASTER_WEBP_QUALITY": None,  # None: lossless WebP; 1-100: lossy WebP at that quality
    # GDAL options of raster reads (rasterio.Env). GDAL_CACHEMAX is in bytes there: rasterio hands
    # it to GDALSetCacheMax64, and GDAL's own reading of small numbers as MB does not apply.
    "GDAL_ENV": {"GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR", "GDAL_CACHEMAX": 128 * 1024 * 1024},
}

# The job queue (procrastinate, in the platform's database). The worker (`make worker`) imports
# the tasks from these modules.
PROCRASTINATE_IMPORT_PATHS = ["ingest.jobs"]

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

# E-renseignement (geoportal/renseignement): overlay tolerances, input bounds and rate limits.
RENSEIGNEMENT: dict[str, Any] = {
    "SLIVER_WIDTH_M": 1.0,  # a zone piece narrower than this everywhere is digitising noise
    "SLIVER_AREA_M2": 1.0,  # and so is any piece smaller than this
    "FRONTAGE_MARGIN_M": 5.0,  # a road fronts the parcel within half its width plus this margin
    "FRONTAGE_MIN_LENGTH_M": 1.0,  # shortest boundary length that counts as frontage
    "MAX_ROAD_WIDTH_M": 120.0,  # the widest road: frontage is searched within half of it + margin
    "MAX_OUTLINE_AREA_M2": 2_000_000.0,  # a drawn outline larger than 200 ha is refused
    "MAX_OUTLINE_VERTICES": 5000,
    "MAX_BODY_BYTES": 1_000_000,
    "MAP_MAX_FEATURES": 500,  # features drawn on a note's map extract, at most
    # The source of the parcels, roads and planning layers, credited on every note: a city names
    # its own (cadastre, urban agency), in one text or one per language ("fr" required). The
    # default is the truth about the demo city's.
    "DATA_CREDIT": {
        "fr": "données de démonstration de la plateforme (ville fictive, sans valeur légale)",
        "ar": "معطيات تجريبية للمنصة (مدينة افتراضية، دون قيمة قانونية)",
        "en": "the platform's demonstration data (a fictitious city, no legal value)",
    },
    "REUSE_HOURS": 24,  # the same land with the same rules within this delay gets the same note
    "RATE_LIMITS": {"note": (60, 60), "issue": (10, 60)},  # bucket: (requests, seconds) per IP
    # The PEM key and certificate the issued PDFs are signed with (PAdES); None: the platform's
    # own, made at the first signature under var/signing/ (the key readable by its owner only).
    "SIGNING_KEY": None,
    "SIGNING_CERT": None,
    "TIMESTAMP_URL": "",  # an RFC 3161 timestamping server added to each signature; empty: none
}

# The portal's map editor (planners with a layer's change permission).
EDITOR = {
    "PRESENCE_HEARTBEAT_S": 20,  # how often an open editor says the feature is still open
    "PRESENCE_TTL_S": 60,  # an open feature not heard of for this long is no longer shown
    "RECENT_SAVE_S": 600,  # a save by someone else this recent is shown when a feature opens
    "HISTORY_LIMIT": 50,  # versions listed in a feature's history panel, newest first
    "MIN_ZOOM": 15,  # the editor loads features to select and snap to from this zoom on
    "MAX_FEATURES": 3000,  # most features of one layer loaded in view for selecting and snapping
}

# OGC API Features (ogc/, pygeoapi mounted under /ogc). Collections come from the layer registry.
OGC = {
    # Items per page when the client gives no limit (a browser, curl, owslib): a page that an HTML
    # view and a small client read at once. Desktop clients ask for large pages themselves.
    "DEFAULT_LIMIT": 100,
    "MAX_LIMIT": 10000,  # larger limits are cut to this; a whole-layer read in few requests
    # A machine-readable page's next link asks for this many times its limit, up to MAX_LIMIT:
    # GDAL 3.6 (Debian 12) asks for pages of 10 and follows next links as they are, so a layer
    # comes in pages of 10, 100, 1,000, then 10,000. HTML pages keep their size. 1: no growth.
    "NEXT_LIMIT_GROWTH": 10,
    "COUNT_CAP": 10000,  # numberMatched of a filtered query is counted up to this; past it, left out
    "CURSOR_MAX_AGE": 24 * 3600,  # seconds a next link's cursor stays valid
    "MAX_BODY_BYTES": 5_000_000,  # largest feature a client may write
    "REQUIRE_IF_MATCH": False,  # True: replace/update/delete without If-Match get 428
    # HTTP Basic over plain HTTP from a loopback address (127.0.0.0/8, ::1): None allows it on a
    # development run only (DEBUG on, or only local host names in ALLOWED_HOSTS); over HTTPS it is
    # always accepted.
    "BASIC_AUTH_LOCALHOST": None,
    "CRS": ("OGC/1.3/CRS84", "EPSG/0/4326", "EPSG/0/3857"),  # offered besides the storage CRS
    "LANGUAGES": ("fr", "en", "ar"),
}
