"""Helpers for migrations: DDL lives in ``<app>/sql/*.sql`` and is applied by ``RunSQL``."""

from __future__ import annotations

from pathlib import Path

from django.db import migrations


def read_sql(app_dir: str | Path, name: str) -> str:
    return (Path(app_dir) / "sql" / name).read_text(encoding="utf-8")


def read_sql_lines(app_dir: str | Path, name: str) -> list[str]:
    """The statements of a file written one a line (comment lines left out), for ``RunSQL`` to
    run each alone: PostgreSQL runs a script as one transaction, where ``CREATE INDEX
    CONCURRENTLY`` is refused."""
    lines = read_sql(app_dir, name).splitlines()
    return [line for line in lines if line.strip() and not line.lstrip().startswith("--")]


def track_layer_tables(*tables: str) -> migrations.RunSQL:
    """Attach the history and version triggers (``layers_track``) to layer tables."""
    return migrations.RunSQL(
        [("SELECT layers_track(%s::regclass)", [t]) for t in tables],
        reverse_sql=[("SELECT layers_untrack(%s::regclass)", [t]) for t in tables],
    )
