"""``manage.py ogc_config`` writes a configuration that pygeoapi itself accepts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from layers.common.registry import layers
from ogc.views_registry import read_only_collections


@pytest.mark.django_db
def test_ogc_config_is_valid_for_pygeoapi(tmp_path):
    call_command("ogc_config", "-o", str(tmp_path))
    config_path = tmp_path / "pygeoapi-config.yml"
    config = yaml.safe_load(config_path.read_text())
    derived = {c.slug for c in read_only_collections()}  # arrondissement-indicators
    assert set(config["resources"]) == {layer.slug for layer in layers(public_only=True)} | derived
    provider = config["resources"]["parcels"]["providers"][0]
    assert provider["table"] == "parcels" and provider["data"]["search_path"][0] == "ogc"
    assert provider["data"]["password"] == "${OGC_DB_PASSWORD}"  # no secret in the file
    openapi = yaml.safe_load((tmp_path / "openapi.yml").read_text())
    assert "/collections/parcels/items" in openapi["paths"]
    pygeoapi = Path(sys.executable).parent / "pygeoapi"
    env = {**os.environ, "OGC_DB_PASSWORD": "x", "PYGEOAPI_CONFIG": str(config_path)}
    done = subprocess.run(
        [str(pygeoapi), "config", "validate", "-c", str(config_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Valid configuration" in done.stdout + done.stderr, done.stderr
