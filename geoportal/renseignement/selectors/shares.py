"""Each zone's share of the land, in m² and per cent, rounded so that the rows add up exactly to
the whole (largest remainder method)."""

from __future__ import annotations

import math
from typing import Any

AREA_DECIMALS = 1  # areas to the tenth of a square metre
PERCENT_DECIMALS = 2  # shares to the hundredth of a per cent


def largest_remainder(values: list[float], total: float, decimals: int) -> list[float]:
    """``values`` rounded to ``decimals`` so that they add up exactly to ``total`` rounded the same
    way (largest remainder method; ties go to the earlier value)."""
    if not values:
        return []
    unit = 10**decimals
    target = round(total * unit)
    scaled = [v * unit for v in values]
    floors = [math.floor(v) for v in scaled]
    missing = target - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-(scaled[i] - floors[i]), i))
    for i in order[: max(missing, 0)]:
        floors[i] += 1
    return [f / unit for f in floors]


def share_zones(
    total_area: float, zones: list[dict[str, Any]], uncovered: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Each zone's share of the land, in m² and per cent, adding up to the whole.

    Pieces flagged as slivers (digitising noise: thinner than ``SLIVER_WIDTH_M`` or smaller than
    ``SLIVER_AREA_M2``) are dropped and their area shared among the kept pieces in proportion to
    their size; a part outside every zone is a row of its own (``zone`` None) unless it is a
    sliver itself. Overlapping zones are scaled down the same way."""
    parts: list[tuple[dict[str, Any] | None, float]] = [
        (z, z["area_m2"]) for z in zones if not z["sliver"] and z["area_m2"] > 0
    ]
    if uncovered and not uncovered["sliver"] and uncovered["area_m2"] > 0:
        parts.append((None, uncovered["area_m2"]))
    if not parts:  # everything is "noise" (a tiny piece of land): keep what there is
        parts = [(z, z["area_m2"]) for z in zones if z["area_m2"] > 0]
        if uncovered and uncovered["area_m2"] > 0:
            parts.append((None, uncovered["area_m2"]))
    raw_sum = sum(a for _, a in parts)
    if raw_sum <= 0:
        return []
    scaled = [a * total_area / raw_sum for _, a in parts]
    areas = largest_remainder(scaled, total_area, AREA_DECIMALS)
    pcts = largest_remainder([100 * a / total_area for a in scaled], 100.0, PERCENT_DECIMALS)
    return [
        {"zone": z, "area_m2": area, "share_pct": pct}
        for (z, _), area, pct in zip(parts, areas, pcts, strict=True)
    ]
