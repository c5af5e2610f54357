"""Helpers for migrations: DDL lives in ``<app>/sql/*.sql`` and is applied by ``RunSQL``."""

from __future__ import annotations

from pathlib import Path

from django.db import migrations


def read_sql(app_dir: str | Path, name: str) -> str:
    return (Path(app_dir) / "sql" / name).read_text(encoding="utf-8")


def track_layer_tables(*tables: str) -> migrations.RunSQL:
    """Attach the history and version triggers (``layers_track``) to layer tables."""
    return migrations.RunSQL(
        [("SELECT layers_track(%s::regclass)", [t]) for t in tables],
        reverse_sql=[("SELECT layers_untrack(%s::regclass)", [t]) for t in tables],
    )
