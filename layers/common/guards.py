"""What every write must respect beyond the columns' own constraints, asked by every write path
(the OGC API, which the portal's editor and QGIS use, and ingest):

- the layer's **rules**, declared in the registry (``LayerOptions.rules``, ``layers.common.rules``):
  parcels that may not overlap, green spaces inside the municipal boundary...;
- the writer's **edit scope** (``layers.common.scopes``): a group's right to edit a layer can be
  limited to districts, and a write outside them is refused.

A single feature's write raises one of the errors below, with what the editor draws on the map
(the offending area, the districts' outline) as GeoJSON in CRS84. Ingest checks the staged rows
in bulk and gives each refused feature its reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from layers.common.errors import Forbidden, UnprocessableEntity

if TYPE_CHECKING:
    from django.contrib.gis.geos import GEOSGeometry
    from django.db.backends.utils import CursorWrapper
    from psycopg import sql

    from layers.common.registry import Layer
    from layers.common.users import AnyUser


class RuleViolation(UnprocessableEntity):
    """A feature that breaks one of its layer's rules (422). ``area``: the part at fault (the
    overlap, the part outside the boundary), GeoJSON in CRS84, for the editor to draw."""

    code = "rule-violation"
    title = _("Layer rule broken")

    def __init__(self, detail: str, *, rule: str, area: dict[str, Any] | None = None) -> None:
        super().__init__(detail, field="geometry")
        self.rule = rule
        self.area = area

    def extensions(self) -> dict[str, Any]:
        return {**super().extensions(), "rule": self.rule, "area": self.area}


class OutsideEditScope(Forbidden):
    """A write outside the districts the writer may edit in this layer (403). ``outline``: the
    districts' outline, GeoJSON in CRS84, for the editor to draw."""

    code = "outside-edit-scope"
    title = _("Outside your editing districts")

    def __init__(
        self, detail: str, *, districts: list[str], outline: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail, field="geometry")
        self.districts = districts
        self.outline = outline

    def extensions(self) -> dict[str, Any]:
        return {**super().extensions(), "districts": self.districts, "outline": self.outline}


def check_feature_write(
    layer: Layer,
    user: AnyUser,
    *,
    pk: int | None,
    before: GEOSGeometry | None,
    after: GEOSGeometry | None,
) -> None:
    """Refuse one feature's write: ``before`` is the stored geometry (None for a new feature),
    ``after`` the one to store (None for a delete), both in the storage SRID; ``pk`` the feature's
    id (None for a new feature). Runs inside the write's transaction, the row locked."""
    from layers.common import rules, scopes

    scopes.check_feature(layer, user, before=before, after=after)
    if after is not None:
        rules.check_feature(layer, after, pk=pk, before=before)


def check_staged(
    cur: CursorWrapper,
    layer: Layer,
    user: AnyUser | None,
    stage: sql.Identifier,
    *,
    mode: str,
    key: str | None,
) -> None:
    """Give a reason (``_reason``) to each staged row of an ingest that breaks a rule or lies
    outside the user's edit scope (``user`` None: an operator's command, no scope). The staging
    table has the layer's columns, ``geom`` in the storage SRID, and ``_fid``/``_reason``; rows
    with a reason already are left alone. ``mode``/``key``: what the write will replace."""
    from layers.common import rules, scopes

    scopes.check_staged(cur, layer, user, stage, mode=mode, key=key)
    rules.check_staged(cur, layer, stage, mode=mode, key=key)
