"""``manage.py verify_note NOTE.pdf [...]``: is this PDF a note issued here, unchanged? Checks the
PAdES signature against the platform's certificate, offline. Exits 1 when a file is not
authentic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from geoportal.renseignement.signing import verify_pdf


class Command(BaseCommand):
    help = "Check that PDF notes were signed by this platform and not changed since"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("pdf", nargs="+", type=Path, help="a downloaded note (PDF)")

    def handle(self, *args: Any, **options: Any) -> None:
        refused = 0
        for path in options["pdf"]:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"{path}: {exc.strerror or exc}") from None
            verdict = verify_pdf(data)
            if verdict.authentic:
                when = f", {verdict.signed_at:%Y-%m-%d %H:%M %Z}" if verdict.signed_at else ""
                self.stdout.write(f"{path}: authentic: {verdict.reason} ({verdict.signer}{when})")
            else:
                refused += 1
                self.stdout.write(f"{path}: NOT AUTHENTIC: {verdict.reason}")
        if refused:
            raise CommandError(f"{refused} of {len(options['pdf'])} files are not authentic")
