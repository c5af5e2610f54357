"""The tile store: finished tiles keyed by their ETag, which already holds the layers' version
counters, so an edited layer simply stops matching and is recomputed on the next request.

``TILES["CACHE"]`` chooses the store: ``"files"`` (under ``var/cache/tiles``, shared by every
worker of one machine), the alias of a Django cache (shared by several machines, e.g. Redis), or
``""`` for none."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

from django.core.cache import caches

from layers.common.conf import shared_dir
from tiles.conf import tile_settings


class TileStore(Protocol):
    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, content: bytes) -> None: ...


class NoStore:
    def get(self, key: str) -> bytes | None:
        return None

    def put(self, key: str, content: bytes) -> None:
        return None


class FileStore:
    """``<root>/<key>``, written atomically; an empty file is a cached empty tile.

    ``key`` is ``<tile path>/<etag>``; older versions of the same tile are removed on write."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def put(self, key: str, content: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.iterdir():  # previous versions of this tile
            if old.name != path.name and not old.name.startswith("."):
                old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".")
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, path)


class DjangoCacheStore:
    def __init__(self, alias: str) -> None:
        self.cache = caches[alias]

    def get(self, key: str) -> bytes | None:
        content: bytes | None = self.cache.get(f"tiles:{key}")  # put() stores bytes only
        return content

    def put(self, key: str, content: bytes) -> None:
        self.cache.set(f"tiles:{key}", content, timeout=None)


def tile_store() -> TileStore:
    choice = tile_settings()["CACHE"]
    if not choice:
        return NoStore()
    if choice == "files":
        root = tile_settings().get("CACHE_DIR") or shared_dir() / "cache" / "tiles"
        return FileStore(Path(root))
    return DjangoCacheStore(choice)
