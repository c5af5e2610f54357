"""The ``ogc`` publication views, created by migrations, still match the layer registry."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from layers.common.registry import layers
from ogc.publication import MERCATOR_COPY, SCHEMA, view_columns, view_name


@pytest.mark.django_db
def test_every_layer_has_a_view_with_exactly_its_published_fields():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT table_name, array_agg(column_name::text ORDER BY ordinal_position) "
            "FROM information_schema.columns WHERE table_schema = %s GROUP BY table_name",
            [SCHEMA],
        )
        views = dict(cur.fetchall())
    for layer in layers():
        expected = [name for _, name in view_columns(layer)]
        assert views.get(view_name(layer)) == expected, layer.slug
    assert "reporter_contact" not in views["citizen-reports"]


@pytest.mark.django_db
def test_views_keep_the_storage_srid_and_a_web_mercator_copy():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT DISTINCT f_geometry_column, srid FROM geometry_columns "
            "WHERE f_table_schema = %s",
            [SCHEMA],
        )
        assert sorted(cur.fetchall()) == [
            ("geom", settings.GIS["STORAGE_SRID"]),
            (MERCATOR_COPY, settings.GIS["TILE_SRID"]),
        ]


@pytest.mark.django_db
def test_the_migration_sql_is_what_ogc_views_writes(tmp_path):
    """The views are generated, not hand-kept: the newest committed DDL is the command's output."""
    from django.core.management import call_command

    from tests.conftest import REPO_ROOT

    out = tmp_path / "views.sql"
    call_command("ogc_views", output=str(out))
    # The newest DDL file holds every view (CREATE OR REPLACE), as the command writes them.
    newest = max(p for p in (REPO_ROOT / "ogc" / "sql").glob("0*.sql") if ".reverse." not in p.name)
    committed = newest.read_text()
    statements = [line for line in committed.splitlines() if not line.startswith("--")]
    assert statements == out.read_text().splitlines()
