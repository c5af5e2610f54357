"""``manage.py search_indexes -o geoportal/sql/000N_search_indexes.sql``: the trigram indexes of
the portal's search, generated from the layer registry's ``search_fields``. After adding or
removing a search field, write a new file (its reverse is written next to it) and apply both with a
new migration of ``geoportal`` (``atomic = False``; see ``0003_search_indexes.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from geoportal.search_indexes import (
    SQL_DIR,
    build_search_index_sql,
    committed_indexes,
    reverse_path,
)
from layers.common.registry import layers


class Command(BaseCommand):
    help = (
        "Write the CREATE INDEX statements of the portal's search, generated from the layer "
        "registry, from the indexes of the committed files in geoportal/sql/ before the output."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "-o",
            "--output",
            help="file to write, and its .reverse.sql next to it (default: standard output, "
            "from every committed file)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"]) if options["output"] else None
        # The committed files before the output's name (before every file for the standard output).
        committed = committed_indexes(SQL_DIR, before=output.name if output else "\uffff")
        forward, reverse = build_search_index_sql(layers(), committed)
        if output is None:
            self.stdout.write(forward, ending="")
            return
        output.write_text(forward, encoding="utf-8")
        reverse_path(output).write_text(reverse, encoding="utf-8")
