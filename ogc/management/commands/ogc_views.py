"""``manage.py ogc_views``: the DDL of the publication views (schema ``ogc``), generated from the
layer registry. After adding a layer or changing its published fields, write it to a new file in
``ogc/sql/`` and apply it with a migration (``RunSQL(read_sql(...))``); the tests check that the
views match the registry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from layers.common.registry import layers
from ogc.publication import build_all_views_sql


class Command(BaseCommand):
    help = "Print the CREATE VIEW statements of the ogc schema, generated from the layer registry."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        ddl = build_all_views_sql(list(layers()))
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as fh:
                fh.write(ddl)
        else:
            self.stdout.write(ddl, ending="")
