"""``manage.py tile_front``: the tile listener of the front server (:mod:`tiles.front`). Points
``<tile cache>/live/<slug>`` at each public layer's current version, then again after every
committed write (``NOTIFY layers_version``); removes the links when it stops (SIGTERM, SIGINT),
so that the front server then asks the app for every tile. ``make run`` starts it."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand

from tiles.front import listen


class Command(BaseCommand):
    help = "Keep the front server's live tile links on the layers' current versions."

    def handle(self, *args: Any, **options: Any) -> None:
        def leave(signum: int, frame: object) -> None:
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, leave)
        self.stdout.write("tile listener: waiting on layers_version", ending="\n")
        self.stdout.flush()
        listen()
