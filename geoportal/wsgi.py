"""WSGI entry points: ``application``, served by gunicorn (``make run``): public vector tiles
take the lean tile path (:mod:`tiles.lean`), everything else Django; ``tile_application``, the
same for the tile server (uWSGI), behind the front server. Each worker imports this module after
it starts, and first sends itself the requests an OGC client starts with
(:mod:`geoportal.warmup`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
django_application = get_wsgi_application()

from tiles.lean import LeanTiles  # noqa: E402 - needs Django set up

application = LeanTiles(django_application)
# The tile server's (geoportal/tileserver.py): nginx sends it only the tiles its files lack.
tile_application = LeanTiles(django_application, behind_front=True)

from geoportal import warmup  # noqa: E402

if warmup.enabled():
    warmup.warm_up(django_application)
