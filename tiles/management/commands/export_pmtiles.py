"""``manage.py export_pmtiles parcels --min-zoom 14 --max-zoom 16 -o var/pmtiles/parcels.pmtiles``"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from layers.common.errors import GisError
from layers.common.registry import get_layer
from tiles.conf import tile_settings
from tiles.export import export_pmtiles


class Command(BaseCommand):
    help = "Export public layers (several become one archive) to a PMTiles file for static hosting."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", help="layer slug, or several separated by commas")
        parser.add_argument("--min-zoom", type=int, default=0)
        parser.add_argument("--max-zoom", type=int, default=16)
        parser.add_argument(
            "-o", "--output", help="archive path (default var/pmtiles/<slugs>.pmtiles)"
        )
        parser.add_argument(
            "--max-tiles",
            type=int,
            default=2_000_000,
            help="refuse an export that would visit more tiles than this",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            layers = [get_layer(slug) for slug in options["slugs"].split(",")]
            output = options["output"] or (
                Path(settings.VAR_DIR) / "pmtiles" / f"{options['slugs']}.pmtiles"
            )
            if not 0 <= options["min_zoom"] <= options["max_zoom"] <= tile_settings()["MAX_ZOOM"]:
                raise GisError(
                    f"zooms must satisfy 0 <= min <= max <= {tile_settings()['MAX_ZOOM']}"
                )
            report = export_pmtiles(
                layers, Path(output), options["min_zoom"], options["max_zoom"], options["max_tiles"]
            )
        except GisError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{report.path}: {report.tiles_written} tiles ({report.tiles_visited} visited), "
            f"zooms {report.min_zoom}-{report.max_zoom}, {report.bytes} bytes"
        )
