"""The city's local frame: ``u`` runs along the coast (north-east), ``v`` towards the ocean
(north-west), in metres from Place Mohammed V. The street grid is drawn in this frame and turned
back into the storage SRID at the end.

A rotation keeps areas and, in exact arithmetic, validity. In floating point it moves every
coordinate by a rounding error, of the order of 1e-11 m at the storage SRID's coordinates (hundreds
of kilometres), and the overlays of the generator can leave a polygon valid by less than that: where
two boundaries nearly coincide (a park clipped by the city's edge, cut out of a zone that the same
edge bounds) an edge may pass 1e-13 m from a vertex of the same ring. Once moved, such a polygon can
cross itself, and which one does changes with the last bit of the frame's angle. So validity is
checked again in the storage SRID, and the few geometries the move broke are snapped to a fine grid
there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

# The grid, in metres of the storage SRID, of a geometry made valid again after the move: GEOS
# snap-rounding gives a valid geometry whose vertices lie at least half a cell from any edge not
# their own, far above the rounding of later moves. Generated features are metres wide, so none
# collapses at this size.
REPAIR_GRID_M = 1e-6


@dataclass(frozen=True)
class CityFrame:
    centre: tuple[float, float]  # Place Mohammed V in the storage SRID
    angle: float  # radians, direction of the coast from the x axis
    city: BaseGeometry  # union of the arrondissements, local frame
    coast: (
        BaseGeometry  # the coastline (city edge not shared with a neighbour commune), local frame
    )

    @classmethod
    def build(
        cls, centre: tuple[float, float], city: BaseGeometry, neighbours: BaseGeometry
    ) -> CityFrame:
        """``city`` and ``neighbours`` in the storage SRID. The coast is the part of the city's
        outline that no neighbouring commune touches; its main direction sets the grid."""
        outline = shapely.union_all([shapely.boundary(p) for p in shapely.get_parts(city)])
        coast = shapely.difference(outline, shapely.buffer(neighbours, 100.0))
        parts = [p for p in shapely.get_parts(shapely.line_merge(coast)) if p.length > 2000.0]
        coast = shapely.multilinestrings(parts) if parts else coast
        xy = shapely.get_coordinates(shapely.segmentize(coast, 50.0))
        xy = xy - xy.mean(axis=0)
        _, vectors = np.linalg.eigh(xy.T @ xy)
        dx, dy = vectors[:, 1]
        if dx < 0:
            dx, dy = -dx, -dy
        frame = cls(centre=centre, angle=float(np.arctan2(dy, dx)), city=city, coast=coast)
        return cls(
            centre=centre,
            angle=frame.angle,
            city=frame.to_local(city),
            coast=frame.to_local(coast),
        )

    def _rotate(self, xy: np.ndarray, angle: float) -> np.ndarray:
        c, s = np.cos(angle), np.sin(angle)
        return np.column_stack([xy[:, 0] * c - xy[:, 1] * s, xy[:, 0] * s + xy[:, 1] * c])

    def to_local(self, geoms: Any) -> Any:
        """Storage SRID to local frame (a geometry or an array of them)."""
        cx, cy = self.centre
        return shapely.transform(
            geoms, lambda xy: self._rotate(xy - np.array([cx, cy]), -self.angle)
        )

    def to_world(self, geoms: Any) -> Any:
        """Local frame to storage SRID (a geometry or an array of them), each geometry valid
        in the storage SRID as written and of the type it had."""
        cx, cy = self.centre
        moved = shapely.transform(
            geoms, lambda xy: self._rotate(xy, self.angle) + np.array([cx, cy])
        )
        if isinstance(moved, BaseGeometry):
            return _valid_after_move(np.array([moved], dtype=object))[0]
        return _valid_after_move(moved)

    def direction(self, bearing_deg: float) -> tuple[float, float]:
        """Unit vector in the local frame of a compass bearing (clockwise from north)."""
        a = np.radians(90.0 - bearing_deg) - self.angle
        return float(np.cos(a)), float(np.sin(a))


def _valid_after_move(geoms: np.ndarray) -> np.ndarray:
    """``geoms`` (changed in place) with each geometry the move made invalid snapped to
    ``REPAIR_GRID_M``, keeping its type (a multi-geometry stays one)."""
    broken = np.flatnonzero(~shapely.is_valid(geoms) & ~shapely.is_missing(geoms))
    for k in broken:
        before = geoms[k]
        after = shapely.set_precision(before, REPAIR_GRID_M)
        if after.geom_type != before.geom_type and before.geom_type == f"Multi{after.geom_type}":
            after = type(before)([after])  # one part left, given bare by GEOS
        if after.is_empty or after.geom_type != before.geom_type or not after.is_valid:
            raise ValueError(
                f"a {before.geom_type} invalid after the move to the storage SRID "
                f"({shapely.is_valid_reason(before)}) is not mended on a {REPAIR_GRID_M} m grid: "
                f"{after.geom_type}{' EMPTY' if after.is_empty else ''}, "
                f"{shapely.is_valid_reason(after)}"
            )
        geoms[k] = after
    return geoms
