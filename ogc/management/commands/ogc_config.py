"""Write the pygeoapi configuration and OpenAPI document generated from the layer registry.

The server builds them in memory on the first request for each set of visible layers; these files are for ``pygeoapi config validate``,
for reading, and for a standalone ``pygeoapi serve`` on the same tables (benchmarks). The database
password is left as ``${OGC_DB_PASSWORD}``, which pygeoapi substitutes from the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from layers.common.registry import layers
from ogc.config import build_config, database_params


class Command(BaseCommand):
    help = "Write var/ogc/pygeoapi-config.yml and var/ogc/openapi.yml from the layer registry."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("-o", "--output-dir", default=str(Path(settings.VAR_DIR) / "ogc"))
        parser.add_argument("--all", action="store_true", help="internal layers too")
        parser.add_argument("--url", help="the server's public URL (default PUBLIC_URL/ogc)")
        parser.add_argument(
            "--plain-provider",
            action="store_true",
            help="pygeoapi's own PostgreSQL provider (a standalone server without this code)",
        )
        parser.add_argument("--no-openapi", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        from pygeoapi.openapi import get_oas
        from pygeoapi.util import yaml_dump

        from ogc import compat

        compat.apply()  # the OpenAPI document is written as the server writes it

        out = Path(opts["output_dir"])
        out.mkdir(parents=True, exist_ok=True)
        data = database_params()
        selected = list(layers(public_only=not opts["all"]))
        config = build_config(selected, base_url=opts["url"], data=data)
        if opts["plain_provider"]:
            # pygeoapi's own provider publishes every column of a view but the geometry: its
            # ``properties`` keep the views' Web Mercator copy out (ogc.publication).
            published = {layer.slug: list(layer.options.fields) for layer in selected}
            for slug, resource in config["resources"].items():
                for provider in resource["providers"]:
                    provider["name"] = "PostgreSQL"
                    provider.pop("count_cap", None)
                    if slug in published:
                        provider["properties"] = published[slug]
        try:
            openapi = None if opts["no_openapi"] else get_oas(config)
        except Exception as exc:  # pygeoapi reads each table: migrate first
            raise CommandError(f"cannot build the OpenAPI document: {exc}") from exc
        for resource in config["resources"].values():
            for provider in resource["providers"]:
                provider["data"] = {**provider["data"], "password": "${OGC_DB_PASSWORD}"}
        config_path = out / "pygeoapi-config.yml"
        config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
        self.stdout.write(f"wrote {config_path} ({len(selected)} collections)")
        if openapi is not None:
            openapi_path = out / "openapi.yml"
            yaml_dump(openapi, str(openapi_path))
            self.stdout.write(f"wrote {openapi_path}")
