"""``manage.py ingest_cleanup --days N``: forget web ingests older than N days and delete their
uploaded files and reports (running ones are kept), and the queue's record of the runs that
ended more than N days ago."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from ingest.jobs import QUEUE, queue_manager
from ingest.models import IngestJob


class Command(BaseCommand):
    help = "Delete web ingests older than --days (default 30) with their files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args: Any, **opts: Any) -> None:
        root = (Path(settings.MEDIA_ROOT) / "ingest").resolve()
        old = IngestJob.objects.filter(
            created_at__lt=timezone.now() - timedelta(days=opts["days"])
        ).exclude(status=IngestJob.Status.RUNNING)
        count = 0
        for job in old:
            folder = Path(job.path).parent.resolve()
            if folder.parent == root:  # only the job's own folder, never anything else
                shutil.rmtree(folder, ignore_errors=True)
            job.delete()
            count += 1
        async_to_sync(queue_manager().delete_old_jobs)(
            nb_hours=opts["days"] * 24,
            queue=QUEUE,
            include_failed=True,
            include_cancelled=True,
            include_aborted=True,
        )
        self.stdout.write(f"{count} ingest(s) older than {opts['days']} days removed")
