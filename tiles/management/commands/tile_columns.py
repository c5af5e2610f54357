"""``manage.py tile_columns -o tiles/sql/000N_tile_columns.sql``: the derived tile columns of every
layer (Web Mercator copy, size, generalised copies of the registry's tile bands), written with
its ``.reverse.sql`` next to it, for a new ``tiles`` migration. See :mod:`tiles.derived`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from layers.common.registry import layers
from tiles.derived import build_tile_columns_sql


class Command(BaseCommand):
    help = "Write the DDL of the derived tile columns, generated from the layer registry."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "-o", "--output", help="file to write, and its .reverse.sql (default: standard output)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        forward, reverse = build_tile_columns_sql(layers())
        if not options["output"]:
            self.stdout.write(forward, ending="")
            return
        output = Path(options["output"])
        output.write_text(forward, encoding="utf-8")
        output.with_name(output.name.removesuffix(".sql") + ".reverse.sql").write_text(
            reverse, encoding="utf-8"
        )
