"""``manage.py ingest FILE --layer SLUG``: load a GIS file into a layer, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import ngettext
from tqdm import tqdm

from ingest.actions import ingest_file, stage_name
from ingest.mappings import Mapping, load_mapping
from ingest.options import MODES, IngestOptions
from layers.common.checks import LOAD_CHECKS
from layers.common.errors import GisError


class Command(BaseCommand):
    help = (
        "Load a GIS file (GeoPackage, zipped shapefile, GeoJSON, KML, CSV, DXF, or a GeoTIFF for a "
        "raster layer) into a layer. Nothing is written when a feature is rejected, unless "
        "--accept-partial; rejected features go to a report GeoPackage."
    )
    requires_system_checks = LOAD_CHECKS  # the models, the layer registry, the GIS settings

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--layer", required=True, help="layer slug (or raster layer name)")
        parser.add_argument(
            "--sheet", "--source-layer", dest="source_layer", help="layer inside the file"
        )
        parser.add_argument("--srs", help="the file's CRS when it has none (or to override it)")
        parser.add_argument("--mapping", type=Path, help="TOML field mapping")
        parser.add_argument("--mode", choices=MODES, default="append")
        parser.add_argument("--key", help="attribute that identifies a feature (upsert)")
        parser.add_argument("--encoding", help="attribute encoding when the file has no .cpg")
        parser.add_argument(
            "--dry-run", action="store_true", help="check everything, write nothing"
        )
        parser.add_argument(
            "--accept-partial", action="store_true", help="load the valid features, skip the rest"
        )
        parser.add_argument("--actor", default="", help="user name recorded in the history")
        parser.add_argument("--report-dir", type=Path, help="where the report GeoPackage goes")
        parser.add_argument("--raster-kind", default="other", help="orthophoto, elevation, other")
        parser.add_argument("--title", help="raster layer title")
        parser.add_argument(
            "--max-mb", type=int, help="largest file accepted (default: the upload limit)"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        bar = None
        show = not opts["no_progress"] and opts["verbosity"] > 0

        def progress(stage: str, done: int, total: int) -> None:
            nonlocal bar
            if not show:
                return
            if bar is None or bar.desc != stage_name(stage):
                if bar is not None:
                    bar.close()
                bar = tqdm(
                    total=total, desc=stage_name(stage), unit="feat", file=sys.stderr, leave=False
                )
            bar.total = total
            bar.n = done
            bar.refresh()

        report_dir = opts["report_dir"] or opts["file"].resolve().parent
        try:
            options = IngestOptions(
                mode=opts["mode"],
                key=opts["key"],
                srs=opts["srs"],
                source_layer=opts["source_layer"],
                encoding=opts["encoding"],
                dry_run=opts["dry_run"],
                accept_partial=opts["accept_partial"],
                mapping=load_mapping(opts["mapping"]) if opts["mapping"] else Mapping(),
                raster_kind=opts["raster_kind"],
                raster_title=opts["title"],
            )
            report = ingest_file(
                opts["file"],
                opts["layer"],
                options,
                actor=opts["actor"] or "manage.py ingest",
                report_dir=report_dir,
                progress=progress,
                max_bytes=opts["max_mb"] * 2**20 if opts["max_mb"] else None,
            )
        except GisError as exc:
            raise CommandError(str(exc)) from None
        finally:
            if bar is not None:
                bar.close()
        for line in report.summary_lines():
            self.stdout.write(line)
        if opts["verbosity"] > 1 and report.stages:
            self.stdout.write(report.stages_line())
        if report.status == "refused":
            raise CommandError(
                ngettext(
                    "%(count)d feature rejected, nothing written: fix it "
                    "(see the report) or run again with --accept-partial",
                    "%(count)d features rejected, nothing written: fix them "
                    "(see the report) or run again with --accept-partial",
                    report.rejected,
                )
                % {"count": report.rejected}
            )
