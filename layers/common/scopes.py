"""Edit scopes: a group's right to edit a layer limited to districts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.gis.geos import GEOSGeometry
    from django.db.backends.utils import CursorWrapper
    from psycopg import sql

    from layers.common.registry import Layer
    from layers.common.users import AnyUser


def check_feature(
    layer: Layer, user: AnyUser, *, before: GEOSGeometry | None, after: GEOSGeometry | None
) -> None:
    return None


def check_staged(
    cur: CursorWrapper,
    layer: Layer,
    user: AnyUser | None,
    stage: sql.Identifier,
    *,
    mode: str,
    key: str | None,
) -> None:
    return None


def user_scope(layer: Layer, user: AnyUser) -> Any:
    return None
