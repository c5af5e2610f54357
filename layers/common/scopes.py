"""Edit scopes: a group's right to edit a layer limited to districts.

An :class:`~layers.common.models.EditScope` (set in the admin, per group and layer) limits what
the group's members may write in the layer to the union of its districts (arrondissements). Who
is limited, and to what, is decided in one place, :func:`user_scope`, for every write path: the
OGC API (the portal's editor, QGIS), ingest and the admin's change forms.

The change permission of the layer (``Layer.change_permission``) is what a scope limits:

- a superuser is unlimited;
- so is a user who holds the permission directly (user permissions), or through any group that
  has no scope for the layer: a scope takes nothing away from another route to the right;
- otherwise the user is limited to the union of the districts of the scoped groups that grant
  the permission;
- someone who holds the permission by no route (whom the OGC API and ingest refuse anyway; the
  admin may still let them add or delete features with those permissions) is limited to the
  districts of their scoped groups for the layer, or unlimited if they belong to none: with no
  scope at all, nothing changes.

A group scoped to no district (its districts all deleted) lets its members edit nowhere.

A write is inside the scope when the union covers the geometry, give or take
:data:`TOLERANCE_M`; for a change or a delete, the stored geometry must be inside too, so a
feature can be neither brought in from outside nor deleted outside.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, NoReturn

from django.contrib.auth.models import Group, Permission
from django.contrib.gis.db.models import Union
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from psycopg import sql

from layers.common.conf import gis_settings
from layers.common.errors import IngestError
from layers.common.guards import OutsideEditScope
from layers.common.models import EditScope

if TYPE_CHECKING:
    from django.contrib.gis.geos.prepared import PreparedGeometry
    from django.db.backends.utils import CursorWrapper

    from layers.common.registry import Layer
    from layers.common.users import AnyUser

# How far (in metres, the storage SRID being projected) a geometry may stick out of its
# districts and still count as inside: district boundaries and features are drawn apart, and a
# parcel along a district's edge crosses it by centimetres.
TOLERANCE_M = 0.5
OUTLINE_DIGITS = 6  # decimals of the outline's degrees: about 0.1 m


@dataclass(frozen=True)
class Scope:
    """Where a user may edit a layer: the districts ``names`` (``name_fr``, alphabetical) and
    their union ``geom``, a MultiPolygon in the storage SRID (empty when no district is left)."""

    names: list[str]
    geom: GEOSGeometry

    @cached_property
    def cover(self) -> GEOSGeometry:
        """The union widened by :data:`TOLERANCE_M`: what a written geometry must lie in."""
        return self.geom.buffer(TOLERANCE_M) if not self.geom.empty else self.geom

    @cached_property
    def _prepared(self) -> PreparedGeometry | None:
        return None if self.cover.empty else self.cover.prepared

    def covers(self, geom: GEOSGeometry) -> bool:
        """Is ``geom`` (storage SRID) inside the districts, give or take the tolerance?"""
        return self._prepared is not None and bool(self._prepared.covers(geom))

    def outline(self) -> dict[str, Any]:
        """The districts' union as a GeoJSON geometry in CRS84 (longitude, latitude), for the
        editor to draw; reprojected by the database, as every output of the platform is."""
        with connection.cursor() as cur:
            cur.execute(
                "SELECT ST_AsGeoJSON(ST_Transform(ST_GeomFromEWKB(%s), %s), %s)",
                [bytes(self.geom.ewkb), gis_settings()["API_SRID"], OUTLINE_DIGITS],
            )
            row = cur.fetchone()
        return dict(json.loads(row[0]))

    def check(self, *, before: GEOSGeometry | None, after: GEOSGeometry | None) -> None:
        """Refuse (:class:`OutsideEditScope`, with the outline) a write whose stored geometry
        ``before`` (a change or a delete) or new geometry ``after`` (a new feature or a change)
        is not inside the districts. The stored one is checked first: moving it does not help."""
        if before is not None and not self.covers(before):
            self._refuse(
                before,
                partly=_("the feature as stored lies partly outside them"),
                wholly=_("the feature as stored lies wholly outside them"),
            )
        if after is not None and not self.covers(after):
            self._refuse(
                after,
                partly=_("this feature lies partly outside them"),
                wholly=_("this feature lies wholly outside them"),
            )

    def _refuse(self, geom: GEOSGeometry, *, partly: str, wholly: str) -> NoReturn:
        what = partly if not self.geom.empty and self.geom.intersects(geom) else wholly
        raise OutsideEditScope(
            _("%(scope)s: %(what)s") % {"scope": self.label(), "what": what},
            districts=self.names,
            outline=self.outline(),
        )

    def label(self) -> str:
        """``outside your editing districts (Anfa, Maârif)``: how every refusal begins."""
        if not self.names:
            return _("outside your editing districts (your groups are given none for this layer)")
        return _("outside your editing districts (%(districts)s)") % {
            "districts": ", ".join(self.names)
        }


def user_scope(layer: Layer, user: AnyUser) -> Scope | None:
    """Where ``user`` may edit ``layer`` (rules in the module's docstring), or None: anywhere.

    Two queries (the user's groups, then the districts' union; one when unlimited), besides the
    user's own permissions, which Django keeps on the user object once read."""
    if user.is_superuser or not user.is_authenticated:
        return None
    app_label, codename = layer.change_permission.split(".", 1)
    if layer.change_permission in user.get_user_permissions():
        return None
    grants = Permission.objects.filter(
        group=OuterRef("pk"), content_type__app_label=app_label, codename=codename
    )
    scopes = EditScope.objects.filter(group=OuterRef("pk"), layer=layer.slug).values("pk")
    groups = list(
        Group.objects.filter(user__pk=user.pk)
        .annotate(grants=Exists(grants), scope=Subquery(scopes[:1]))
        .values_list("grants", "scope")
    )
    if any(grant and scope is None for grant, scope in groups):
        return None
    granting = [scope for grant, scope in groups if grant]
    scoped = granting or [scope for _group, scope in groups if scope is not None]
    if not scoped:
        return None
    return _districts(scoped)


def _districts(scope_ids: list[int]) -> Scope:
    """The names and union of the districts of the scopes ``scope_ids`` (a district in two of
    them counts once)."""
    chosen = EditScope.districts.through.objects.filter(editscope_id__in=scope_ids)
    found = chosen.aggregate(
        names=ArrayAgg(
            "arrondissement__name_fr", distinct=True, order_by="arrondissement__name_fr", default=[]
        ),
        geom=Union("arrondissement__geom"),
    )
    geom = found["geom"]
    if geom is None:
        geom = MultiPolygon(srid=gis_settings()["STORAGE_SRID"])
    elif isinstance(geom, Polygon):
        geom = MultiPolygon(geom, srid=geom.srid)
    return Scope(names=list(found["names"]), geom=geom)


def check_feature(
    layer: Layer, user: AnyUser, *, before: GEOSGeometry | None, after: GEOSGeometry | None
) -> None:
    """Refuse one feature's write outside the user's scope (:meth:`Scope.check`)."""
    scope = user_scope(layer, user)
    if scope is not None:
        scope.check(before=before, after=after)


def check_staged(
    cur: CursorWrapper,
    layer: Layer,
    user: AnyUser | None,
    stage: sql.Identifier,
    *,
    mode: str,
    key: str | None,
) -> None:
    """Give a reason to each staged row outside the user's scope (``user`` None: an operator's
    command, no scope), in one statement: a row whose geometry is not inside the districts, and
    in an upsert a row whose feature in the layer (the same ``key`` value) is not inside them.

    ``replace`` deletes every feature of the layer: a limited user may replace a layer only when
    none of its features lies outside the districts (a layer that holds only theirs); otherwise
    the whole file is refused (:class:`IngestError`), before anything is written."""
    scope = None if user is None else user_scope(layer, user)
    if scope is None:
        return
    target = sql.Identifier(layer.table)
    cover = bytes(scope.cover.ewkb)
    if mode == "replace":
        cur.execute(
            sql.SQL(
                "SELECT count(*) FROM {} t WHERE NOT ST_CoveredBy(t.geom, ST_GeomFromEWKB(%s))"
            ).format(target),
            [cover],
        )
        outside = int(cur.fetchone()[0])
        if outside:
            raise IngestError(
                ngettext(
                    "replace deletes every feature of the layer, and one of them lies %(scope)s: "
                    "load the file in upsert mode, or ask someone who may edit the whole layer",
                    "replace deletes every feature of the layer, and %(count)d of them lie "
                    "%(scope)s: load the file in upsert mode, or ask someone who may edit the "
                    "whole layer",
                    outside,
                )
                % {"count": outside, "scope": scope.label()}
            )
    stored: sql.Composable = sql.SQL("FALSE")
    if mode == "upsert" and key:
        stored = sql.SQL(
            "EXISTS (SELECT 1 FROM {t} t WHERE t.{k} = s.{k} AND NOT ST_CoveredBy(t.geom, c.g))"
        ).format(t=target, k=sql.Identifier(key))
    cur.execute(
        sql.SQL("""
            UPDATE {stage} s
            SET _reason = CASE WHEN ST_CoveredBy(s.geom, c.g) THEN %(stored)s ELSE %(new)s END
            FROM (SELECT ST_GeomFromEWKB(%(cover)s) AS g) c
            WHERE s._reason IS NULL AND (NOT ST_CoveredBy(s.geom, c.g) OR {stored})
        """).format(stage=stage, stored=stored),
        {
            "cover": cover,
            "new": scope.label(),
            "stored": _("replaces a feature of the layer %(scope)s") % {"scope": scope.label()},
        },
    )
