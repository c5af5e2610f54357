"""The city's local frame: ``u`` runs along the coast (north-east), ``v`` towards the ocean
(north-west), in metres from Place Mohammed V. The street grid is drawn in this frame and turned
back into the storage SRID at the end; a rotation keeps areas and validity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


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
        """Local frame to storage SRID (a geometry or an array of them)."""
        cx, cy = self.centre
        return shapely.transform(
            geoms, lambda xy: self._rotate(xy, self.angle) + np.array([cx, cy])
        )

    def direction(self, bearing_deg: float) -> tuple[float, float]:
        """Unit vector in the local frame of a compass bearing (clockwise from north)."""
        a = np.radians(90.0 - bearing_deg) - self.angle
        return float(np.cos(a)), float(np.sin(a))
