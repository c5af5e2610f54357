"""WSGI entry point, served by gunicorn (``make run``): public vector tiles take the lean tile
path (:mod:`tiles.lean`), everything else Django. Each worker imports it after it starts, and
first sends itself the requests an OGC client starts with (:mod:`geoportal.warmup`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
django_application = get_wsgi_application()

from tiles.lean import LeanTiles  # noqa: E402 - needs Django set up

application = LeanTiles(django_application)

from geoportal import warmup  # noqa: E402

if warmup.enabled():
    warmup.warm_up(django_application)
