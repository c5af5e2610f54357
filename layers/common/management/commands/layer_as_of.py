"""``manage.py layer_as_of SLUG WHEN [-o FILE]``: a layer as it was at a past date, as GeoJSON
(WGS 84), rebuilt from the database-kept history."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from layers.common.conf import gis_settings
from layers.common.errors import UnknownLayer
from layers.common.registry import get_layer
from layers.common.selectors import layer_as_of


def parse_when(text: str) -> datetime:
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise CommandError(
                f"{text!r} is not a date (2026-01-31) or date-time (2026-01-31T18:00)"
            )
        # A date alone means the end of that day, local time: "as it stood on that day".
        moment = datetime.combine(day, datetime.max.time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = "Write a layer as it was at a past date (GeoJSON, WGS 84), from the history."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="layer slug, e.g. parcels")
        parser.add_argument("when", help="2026-01-31 (end of that day) or 2026-01-31T18:00")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            layer = get_layer(options["slug"])
        except UnknownLayer as exc:
            raise CommandError(str(exc)) from exc
        moment = parse_when(options["when"])
        published = set(layer.options.fields)
        features = []
        for past in layer_as_of(layer, moment):
            geom = past.geom.transform(gis_settings()["API_SRID"], clone=True)
            props = {k: v for k, v in past.properties.items() if k in published}
            features.append(
                {
                    "type": "Feature",
                    "id": past.id,
                    "properties": props,
                    "geometry": json.loads(geom.json),
                }
            )
        collection = {
            "type": "FeatureCollection",
            "name": f"{layer.slug} as of {moment.isoformat()}",
            "features": features,
        }
        text = json.dumps(collection, ensure_ascii=False)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as fh:
                fh.write(text)
            self.stderr.write(
                f"{len(features)} features of {layer.slug} as of {moment:%Y-%m-%d %H:%M}"
            )
        else:
            sys.stdout.write(text + "\n")
