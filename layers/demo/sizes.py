"""The three sizes of the demo city. Every length is in metres in the city's local frame (``u``
along the coast, ``v`` towards the ocean, origin at Place Mohammed V)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    name: str
    block_u: float  # street grid pitch along the coast
    block_v: float  # street grid pitch inland
    frontage_m: float  # target parcel frontage in housing zones (scaled per zone category)
    min_depth_m: float  # a block is cut into up to three rows of parcels at least this deep
    # Part of the city covered by the street grid and parcels, as (umin, vmin, umax, vmax) from the
    # centre; None covers the whole city. Boundaries, boulevards and the zoning plan always do.
    window: tuple[float, float, float, float] | None
    light_spacing_m: float
    tree_spacing_m: float
    history: bool  # history kept during the load (False: history triggers disabled, said so)
    reports: int
    inspected_share: float


ZONE_PITCH_M = 600.0  # the zoning grid: every zone edge follows a street of the grid
BOULEVARD_PITCH_M = 1200.0  # every grid line this far apart is a boulevard, halfway an avenue

SIZES: dict[str, Size] = {
    "small": Size(
        name="small",
        block_u=150.0,
        block_v=120.0,
        frontage_m=16.0,
        min_depth_m=40.0,
        window=(-450.0, -900.0, 450.0, 60.0),
        light_spacing_m=35.0,
        tree_spacing_m=12.0,
        history=True,
        reports=12,
        inspected_share=0.2,
    ),
    "city": Size(
        name="city",
        block_u=200.0,
        block_v=150.0,
        frontage_m=30.0,
        min_depth_m=45.0,
        window=None,
        light_spacing_m=40.0,
        tree_spacing_m=15.0,
        history=True,
        reports=300,
        inspected_share=0.05,
    ),
    "large": Size(
        name="large",
        block_u=75.0,
        block_v=60.0,
        frontage_m=6.5,
        min_depth_m=15.0,
        window=None,
        light_spacing_m=30.0,
        tree_spacing_m=10.0,
        history=False,
        reports=3000,
        inspected_share=0.02,
    ),
}
