"""Test settings: the same wiring, with fast password hashing and plain static storage."""

import os

from . import *  # noqa: F403
from .computed import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DEBUG = False

# Several test runs may share one server (parallel sessions, CI): each can name its own database.
# Replicas of the test database are made by the tests that need them (tests/geoportal/replicas.py).
for _alias in [a for a in DATABASES if a != "default"]:  # noqa: F405
    del DATABASES[_alias]  # noqa: F405
REPLICAS = {**REPLICAS, "ALIASES": []}  # noqa: F405
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("GEOPORTAL_TEST_DB", "test_geoportal")}  # noqa: F405

# Static files straight from the apps and vendor folders, without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
