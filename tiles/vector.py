"""Vector tiles of registry layers: version lookup, ETag, cache, then the one SQL statement."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from geoportal.replicas import read_connection
from layers.common.conf import gis_settings
from layers.common.errors import InvalidRequest, UnknownLayer
from layers.common.registry import Layer, get_layer
from layers.common.selectors import Stamp, layer_stamps
from layers.common.users import AnyUser
from tiles import front
from tiles.cache import tile_store
from tiles.conf import tile_settings
from tiles.grid import check_tile
from tiles.mvt import build_stamped_tile_query, build_tile_query, layers_at_zoom


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
            raise UnknownLayer(_("unknown layer %(slug)s") % {"slug": repr(name)})
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


Execute = Callable[[str, dict[str, Any]], bytes]


def django_execute(statement: str, params: dict[str, Any]) -> bytes:
    """Run a tile statement on Django's connection (the request's replica, or the primary)."""
    with read_connection().cursor() as cur:
        cur.execute(statement, params)
        return bytes(cur.fetchone()[0])


def render_tile(
    layers: Sequence[Layer], z: int, x: int, y: int, execute: Execute = django_execute
) -> bytes:
    """Run the tile statement: the MVT bytes, empty when no layer has a feature there."""
    drawn = layers_at_zoom(layers, z)
    if not drawn:
        return b""
    statement, params = build_tile_query(drawn, z, x, y)
    return execute(statement, params)


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak forms and ``*`` included)."""
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or f'"{etag}"' in tags


@dataclass(frozen=True)
class TileAnswer:
    status: int  # 200, 204 (empty) or 304 (the client's copy is current)
    content: bytes
    etag: str
    public: bool


def answer_vector_tile(
    layers: Sequence[Layer],
    stamps: dict[str, Stamp],
    z: int,
    x: int,
    y: int,
    if_none_match: str = "",
    execute: Execute = django_execute,
) -> TileAnswer:
    """The answer to a request for the tile ``z/x/y`` of ``layers`` (checked and visible), their
    version ``stamps`` read: from the front's files for one public layer (:mod:`tiles.front`),
    else from the tile store, computed and kept when missing. Shared by the Django view and the
    lean tile path, so both answer alike."""
    public = all(lyr.public for lyr in layers)
    if front.eligible(layers):
        layer, stamp = layers[0], stamps[layers[0].slug]
        path = front.tile_path(layer, stamp, z, x, y)
        etag = front.file_etag(path)
        if etag is None and not front.is_empty(path):
            rendered = render_tile(layers, z, x, y, execute)
            return _front_answer(layer, stamp, (z, x, y), path, rendered, if_none_match)
        return _front_answer(layer, stamp, (z, x, y), path, None, if_none_match, etag)
    etag = tile_etag(layers, stamps, z, x, y)
    if etag_matches(if_none_match, etag):
        return TileAnswer(304, b"", etag, public)
    store = tile_store()
    key = f"{','.join(lyr.slug for lyr in layers)}/{z}/{x}/{y}/{etag}.mvt"
    content = store.get(key)
    if content is None:
        content = render_tile(layers, z, x, y, execute)
        store.put(key, content)
    return TileAnswer(200 if content else 204, content, etag, public)


StampedExecute = Callable[[str, dict[str, Any]], tuple[bytes, Stamp]]


def answer_unstored_tile(
    layer: Layer,
    guess: Stamp,
    z: int,
    x: int,
    y: int,
    if_none_match: str,
    execute: StampedExecute,
    front_missed: bool = False,
) -> TileAnswer | None:
    """The answer to a tile of one public layer that the front's files do not hold at the
    version ``guess`` (the last one the caller saw), drawn with the layer's current stamp in one
    statement (:func:`tiles.mvt.build_stamped_tile_query`) and stored as
    :func:`answer_vector_tile` stores it; None when the files hold it at ``guess``, or the layer
    is not drawn at ``z``: the caller then reads the stamp first (:func:`answer_vector_tile`).

    Behind the front server, a request that reaches the app is one for a tile the files do not
    hold, and a version rarely changes between two tiles: this spares a deep-zoom tile's round
    trip for the stamp, a third of its cost. The tile and the stamp come from one snapshot, so a
    stale ``guess`` costs nothing but its look-up: the tile is stored under the stamp read.
    ``front_missed``: the front server has just looked for the tile's file and not found it, so
    only its empty mark is looked for (a file written meanwhile is written again, alike)."""
    path = front.tile_path(layer, guess, z, x, y)
    if not layers_at_zoom([layer], z):
        return None
    if (not front_missed and front.file_etag(path)) or front.is_empty(path):
        return None
    statement, params = build_stamped_tile_query(layer, z, x, y)
    rendered, stamp = execute(statement, params)
    if stamp != guess:
        path = front.tile_path(layer, stamp, z, x, y)
    return _front_answer(layer, stamp, (z, x, y), path, rendered, if_none_match)


def _front_answer(
    layer: Layer,
    stamp: Stamp,
    tile: tuple[int, int, int],
    path: str,
    rendered: bytes | None,
    if_none_match: str,
    etag: str | None = None,
) -> TileAnswer:
    """The answer to the tile ``tile`` of the front's files at ``stamp`` (its file ``path``):
    ``rendered`` now (then stored, ``.empty`` for an empty tile), or read from its file of ETag
    ``etag`` (None: an empty tile)."""
    z, x, y = tile
    if rendered is not None:
        front.retire_older_versions(layer, stamp)
        etag = front.write(path, rendered)
    if etag is None:  # an empty tile: no file for the front, the layer's ETag
        etag = tile_etag([layer], {layer.slug: stamp}, z, x, y)
        status = 304 if etag_matches(if_none_match, etag) else 204
        return TileAnswer(status, b"", etag, True)
    if etag_matches(if_none_match, etag):
        return TileAnswer(304, b"", etag, True)
    return TileAnswer(200, Path(path).read_bytes() if rendered is None else rendered, etag, True)
