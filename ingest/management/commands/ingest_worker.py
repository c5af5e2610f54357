"""``manage.py ingest_worker``: the queue's worker for web ingests, in the foreground until
SIGTERM or Ctrl-C (``make worker`` runs it in the background; see ``ingest/jobs.py``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ingest.jobs import serve_worker
from layers.common.checks import LOAD_CHECKS


class Command(BaseCommand):
    help = "Run the web ingests queued by planners, one at a time, until stopped."
    requires_system_checks = LOAD_CHECKS  # the models, the layer registry, the GIS settings

    def handle(self, *args: Any, **opts: Any) -> None:
        serve_worker()
