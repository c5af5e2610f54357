"""Point assets along the streets and in the parks: street lights, trees, street furniture, and the
positions of facilities and citizen reports. Local frame; all vectorised."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


def along(lines: np.ndarray, spacing: float, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points every ``spacing`` metres along each line, shifted sideways by ``offsets`` (one per
    line; the sign alternates from one point to the next). Returns (points, line index)."""
    lengths = shapely.length(lines)
    counts = np.floor(lengths / spacing).astype(int)
    which = np.repeat(np.arange(len(lines)), counts)
    if not len(which):
        return np.array([], dtype=object), which
    start = np.repeat(np.cumsum(counts) - counts, counts)
    t = np.arange(len(which)) - start
    dist = (t + 0.5) * spacing
    a = shapely.get_coordinates(shapely.line_interpolate_point(lines[which], dist - 0.5))
    b = shapely.get_coordinates(shapely.line_interpolate_point(lines[which], dist + 0.5))
    mid = (a + b) / 2
    tangent = b - a
    norm = np.hypot(tangent[:, 0], tangent[:, 1])
    norm[norm == 0] = 1.0
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]]) / norm[:, None]
    side = np.where(t % 2 == 0, 1.0, -1.0)
    xy = mid + normal * (offsets[which] * side)[:, None]
    return shapely.points(xy), which


def inside(points: np.ndarray, region: BaseGeometry) -> np.ndarray:
    if not len(points):
        return np.zeros(0, dtype=bool)
    xy = shapely.get_coordinates(points)
    return shapely.contains_xy(region, xy[:, 0], xy[:, 1])


def scatter(
    polygons: list[BaseGeometry], per_hectare: float, rng: np.random.Generator
) -> np.ndarray:
    """Random points inside polygons, about ``per_hectare`` per hectare."""
    out = []
    for poly in polygons:
        n = int(poly.area / 10000.0 * per_hectare)
        if n <= 0:
            continue
        x0, y0, x1, y1 = poly.bounds
        xy = np.column_stack([rng.uniform(x0, x1, 3 * n), rng.uniform(y0, y1, 3 * n)])
        ok = shapely.contains_xy(poly, xy[:, 0], xy[:, 1])
        out.append(xy[ok][:n])
    if not out:
        return np.array([], dtype=object)
    return shapely.points(np.concatenate(out))  # type: ignore[return-value]  # stubs: Point | array
