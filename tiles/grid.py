"""Web Mercator tile grid arithmetic (EPSG:3857, XYZ scheme, origin at the top left)."""

from __future__ import annotations

import math

from django.utils.translation import gettext as _

from layers.common.errors import NotFound
from tiles.conf import tile_settings

# Half the width of the Web Mercator world, in metres.
WORLD_HALF = 20037508.342789244


def check_tile(z: int, x: int, y: int) -> None:
    """Refuse a tile that does not exist in the grid or lies deeper than ``TILES["MAX_ZOOM"]``."""
    if not 0 <= z <= tile_settings()["MAX_ZOOM"]:
        raise NotFound(
            _("zoom %(z)s is outside 0..%(max)s") % {"z": z, "max": tile_settings()["MAX_ZOOM"]}
        )
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise NotFound(
            _("tile %(z)s/%(x)s/%(y)s does not exist: x and y run from 0 to %(last)s")
            % {"z": z, "x": x, "y": y, "last": 2**z - 1}
        )


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) of the tile in EPSG:3857 metres."""
    size = tile_width(z)
    xmin = -WORLD_HALF + x * size
    ymax = WORLD_HALF - y * size
    return xmin, ymax - size, xmin + size, ymax


def tile_width(z: int) -> float:
    """Side of a tile at zoom ``z`` in EPSG:3857 metres."""
    return 2 * WORLD_HALF / 2.0**z


def tile_center_latitude(z: int, y: int) -> float:
    """Latitude in degrees of the tile's centre row."""
    n = math.pi * (1 - 2 * (y + 0.5) / 2**z)
    return math.degrees(math.atan(math.sinh(n)))
