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
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("GEOPORTAL_TEST_DB", "test_geoportal")}  # noqa: F405

# Static files straight from the apps and vendor folders, without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
