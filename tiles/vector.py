"""Vector tiles of registry layers: version lookup, ETag, cache, then the one SQL statement."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

from layers.common.conf import gis_settings
from layers.common.errors import InvalidRequest, UnknownLayer
from layers.common.registry import Layer, get_layer
from layers.common.selectors import Stamp, layer_stamps
from layers.common.users import AnyUser
from tiles.cache import tile_store
from tiles.conf import tile_settings
from tiles.grid import check_tile
from tiles.mvt import build_tile_query, layers_at_zoom


@dataclass(frozen=True)
class Tile:
    content: bytes
    etag: str
    public: bool


def resolve_layers(slugs: str, user: AnyUser) -> list[Layer]:
    """``"roads,parcels"`` -> the layers, in that order, each visible to ``user``. An internal
    layer the user may not see is reported as unknown, like a layer that does not exist."""
    names = slugs.split(",")
    if len(set(names)) != len(names):
        raise InvalidRequest(f"a layer is named twice in {slugs!r}", field="layers")
    found = []
    for name in names:
        layer = get_layer(name)
        if not layer.user_can_view(user):
            raise UnknownLayer(f"unknown layer {name!r}")
        found.append(layer)
    return found


def tile_etag(layers: Sequence[Layer], stamps: dict[str, Stamp], z: int, x: int, y: int) -> str:
    """A strong validator of the tile's content: the layers, their version stamps, their tile
    attributes, zoom range and bands, the tile settings and the tile address."""
    key = {
        "layers": [
            [
                lyr.slug,
                stamps[lyr.slug].token,
                lyr.options.tile_fields,
                lyr.options.min_zoom,
                lyr.options.max_zoom,
                lyr.options.max_features_per_tile,
                lyr.options.tile_bands,
            ]
            for lyr in layers
        ],
        "tiles": tile_settings(),
        "srid": [gis_settings()["STORAGE_SRID"], gis_settings()["TILE_SRID"]],
        "tile": [z, x, y],
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:32]


def tile_etag_for(layers: Sequence[Layer], z: int, x: int, y: int) -> str:
    """The ETag of a tile as the data stands now (one small query)."""
    check_tile(z, x, y)
    return tile_etag(layers, layer_stamps(layers), z, x, y)


def render_tile(layers: Sequence[Layer], z: int, x: int, y: int) -> bytes:
    """Run the tile statement: the MVT bytes, empty when no layer has a feature there."""
    drawn = layers_at_zoom(layers, z)
    if not drawn:
        return b""
    statement, params = build_tile_query(drawn, z, x, y)
    with connection.cursor() as cur:
        cur.execute(statement, params)
        return bytes(cur.fetchone()[0])


def get_vector_tile(layers: Sequence[Layer], z: int, x: int, y: int, etag: str) -> Tile:
    """The tile for ``etag`` (from :func:`tile_etag_for`), from the store or computed and stored."""
    store = tile_store()
    key = f"{','.join(lyr.slug for lyr in layers)}/{z}/{x}/{y}/{etag}.mvt"
    content = store.get(key)
    if content is None:
        content = render_tile(layers, z, x, y)
        store.put(key, content)
    return Tile(content=content, etag=etag, public=all(lyr.public for lyr in layers))
