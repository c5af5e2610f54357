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

# A standby of the test database is made by the tests that need one (tests/geoportal/conftest.py):
# no replica from the environment (make replica's standby has no test database).
for _alias in [a for a in DATABASES if a != "default"]:  # noqa: F405
    del DATABASES[_alias]  # noqa: F405
REPLICAS = {**REPLICAS, "ALIASES": []}  # noqa: F405

# Several test runs may share one server (parallel sessions, CI): each can name its own database.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("GEOPORTAL_TEST_DB", "test_geoportal")}  # noqa: F405

# Static files straight from the apps and vendor folders, without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
