"""The tile files a front web server (nginx, ``make run``) sends without Python.

A tile of one public layer is written by the app as
``<cache>/front/<slug>/<version token>/<z>/<x>/<y>.mvt`` (the token: :func:`version_token`) (``.empty`` for an empty tile, which the
front leaves to the app and its 204). ``<cache>/live/<slug>`` is a symbolic link to the folder of
the layer's current version; the front looks up ``live/<slug>/<z>/<x>/<y>.mvt`` and, when it is not
there, asks the app. Only the listener (:func:`listen`, ``manage.py tile_front``) moves the links:
it waits on the ``layers_version`` notifications, which PostgreSQL sends when a write commits,
then reads the versions and re-points every link. An app worker that read a version just before a
write committed can only write into the old version's folder, which the front no longer reads.
The window in which the front may still send the previous version of a tile is the time between
the commit and the listener's re-pointing (milliseconds); a stopped listener removes the links,
so the front then asks the app for everything.

**ETag.** nginx's ETag of a file is ``"<mtime hex>-<size hex>"``. The app sets each file's
modification time from 31 bits of its content's CRC-32 and sends the same ETag for these tiles, so a
tile's ETag is the same whichever of the two answers, and a tile whose content did not change
across a version keeps its ETag (the client gets a 304 instead of the same bytes again). Tiles of
several layers, of internal layers, or of another store keep the ETag of :func:`tiles.vector.tile_etag`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
from django.core.signals import setting_changed
from django.dispatch import receiver

from layers.common.conf import shared_dir
from layers.common.registry import Layer, layers
from layers.common.selectors import NEVER_WRITTEN, Stamp
from tiles.conf import tile_settings

EMPTY_SUFFIX = ".empty"


def cache_root() -> Path:
    return Path(tile_settings().get("CACHE_DIR") or shared_dir() / "cache" / "tiles")


def eligible(tile_layers: Sequence[Layer]) -> bool:
    """Tiles the front may send: one public layer, with the files store."""
    return tile_settings()["CACHE"] == "files" and len(tile_layers) == 1 and tile_layers[0].public


def tile_path(layer: Layer, stamp: Stamp, z: int, x: int, y: int) -> str:
    """The file of the tile ``z/x/y`` of ``layer`` at ``stamp`` (a string: a ``Path`` built per
    tile cost a tenth of a deep-zoom tile's Python)."""
    return f"{folder_name(layer, stamp)}/{z}/{x}/{y}.mvt"


# Version folders by (layer, stamp) identities, with what they were computed from: the folder's
# token hashes the layer's tile options and the settings, and its path joins the cache's root,
# which a worker would otherwise do for each tile it draws (a tenth of a deep-zoom tile's Python).
# Emptied when a setting changes (tests replace them: Django's ``setting_changed``).
_FOLDERS: dict[tuple[int, Stamp], tuple[Layer, str, str]] = {}
FOLDERS_KEPT = 256


@receiver(setting_changed)
def _forget_folders(**kwargs: object) -> None:
    _FOLDERS.clear()


def version_token(layer: Layer, stamp: Stamp) -> str:
    """The name of a version's folder: the tile ETag key of the layer at that version (its stamp,
    tile attributes, zoom range, bands and the tile settings), so a deploy that changes how the
    layer is drawn starts a new folder even without a write."""
    return _folder(layer, stamp)[1]


def folder_name(layer: Layer, stamp: Stamp) -> str:
    """:func:`version_folder` as a string."""
    return _folder(layer, stamp)[2]


def _folder(layer: Layer, stamp: Stamp) -> tuple[Layer, str, str]:
    from tiles.vector import tile_etag  # tiles.vector imports this module

    kept = _FOLDERS.get((id(layer), stamp))
    if kept is not None and kept[0] is layer:
        return kept
    token = tile_etag([layer], {layer.slug: stamp}, 0, 0, 0)
    folder = str(cache_root() / "front" / layer.slug / token)
    if len(_FOLDERS) >= FOLDERS_KEPT:
        _FOLDERS.clear()
    kept = _FOLDERS[(id(layer), stamp)] = (layer, token, folder)
    return kept


def version_folder(layer: Layer, stamp: Stamp) -> Path:
    return Path(folder_name(layer, stamp))


# The version folders this process has already made (:func:`retire_older_versions`), by path.
_MADE: set[str] = set()
MADE_KEPT = 1024


def retire_older_versions(layer: Layer, stamp: Stamp) -> None:
    """Called before a tile of a version is written: when the version's folder is new, move the
    layer's other version folders out of the way (a rename, instant) and delete them in the
    background, so the store holds one version of each tile even without the listener. A folder
    this process made is not looked at again (a ``stat`` a tile otherwise)."""
    key = folder_name(layer, stamp)
    if key in _MADE:
        return
    if len(_MADE) >= MADE_KEPT:
        _MADE.clear()
    _MADE.add(key)
    current = Path(key)
    if current.is_dir():
        return
    token = current.name
    current.mkdir(parents=True, exist_ok=True)
    trash = cache_root() / "trash"
    trash.mkdir(exist_ok=True)
    for old in current.parent.iterdir():
        if old.name != token and not old.name.startswith("."):
            with contextlib.suppress(OSError):  # another worker moved it first
                old.rename(trash / f"{layer.slug}-{old.name}-{os.getpid()}-{time.monotonic_ns()}")
    threading.Thread(
        target=shutil.rmtree, args=(trash,), kwargs={"ignore_errors": True}, daemon=True
    ).start()


def file_etag(path: str | Path) -> str | None:
    """The ETag nginx sends for ``path`` (without quotes), None when there is no such file."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return f"{int(st.st_mtime):x}-{st.st_size:x}"


def content_time(content: bytes) -> int:
    """The modification time given to a tile file: 31 bits of a checksum of its content (CRC-32:
    a fifth of BLAKE2b's time on a tile; the ETag holds the size too, and a tile of another
    version is in another folder)."""
    return zlib.crc32(content) & 0x7FFFFFFF


def _umask() -> int | None:
    """The process's umask as Linux reports it (None elsewhere): read, not set and restored,
    which would race with a thread creating a file."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", "rb") as status:
        for line in status:
            if line.startswith(b"Umask:"):
                return int(line.split()[1], 8)
    return None


# Whether a file created with mode 0644 keeps it (nginx reads the tile files): the umask of a
# server process does not change, so the ``fchmod`` a tile is made only when it would not.
_UMASK = _umask()
_MODE_KEPT = _UMASK is not None and not _UMASK & 0o644


def write(path: str | Path, content: bytes) -> str | None:
    """Write a tile atomically (``.empty`` beside it for an empty tile), dated by its content;
    the file's ETag as :func:`file_etag` reads it (None for an empty tile).

    The temporary file's name is unique to the process and thread (a worker draws one tile at a
    time per thread), which spares ``mkstemp``'s random name and its ``fdopen``: about half of
    the write's time in a folder that already exists."""
    target = os.fspath(path) if content else _empty_name(path)
    folder = os.path.dirname(target)
    tmp = f"{folder}/.{os.getpid()}.{threading.get_ident()}.tmp"
    stamp = content_time(content)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        fd = os.open(tmp, flags, 0o644)
    except FileNotFoundError:  # the tile's folder is new (its folder is made once, not per tile)
        os.makedirs(folder, exist_ok=True)
        fd = os.open(tmp, flags, 0o644)
    try:
        if not _MODE_KEPT:
            os.fchmod(fd, 0o644)  # whatever the umask: the front server reads it
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        os.utime(fd, (stamp, stamp))
        os.close(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    os.replace(tmp, target)
    return f"{stamp:x}-{len(content):x}" if content else None


def _empty_name(path: str | Path) -> str:
    """The name that marks the tile ``path`` empty."""
    return os.fspath(path).removesuffix(".mvt") + EMPTY_SUFFIX


def is_empty(path: str | Path) -> bool:
    return os.path.exists(_empty_name(path))


def relink(stamps: dict[str, Stamp]) -> None:
    """Point ``live/<slug>`` at the folder of each public layer's version in ``stamps``, and remove
    the folders of older versions."""
    root = cache_root()
    live = root / "live"
    live.mkdir(parents=True, exist_ok=True)
    for layer in layers(public_only=True):
        stamp = stamps.get(layer.slug)
        if stamp is None:
            continue
        folder = version_folder(layer, stamp)
        folder.mkdir(parents=True, exist_ok=True)
        link = live / layer.slug
        if os.path.realpath(link) != str(folder.resolve()):
            tmp = live / f".{layer.slug}.{os.getpid()}"
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(folder)
            os.replace(tmp, link)
        for old in folder.parent.iterdir():
            if old.name != folder.name:
                shutil.rmtree(old, ignore_errors=True)


def unlink_all() -> None:
    """Remove every live link: the front then asks the app for every tile."""
    live = cache_root() / "live"
    if live.is_dir():
        for link in live.iterdir():
            if link.is_symlink():
                link.unlink(missing_ok=True)


def read_stamps(conn: psycopg.Connection[Any], of: Sequence[Layer]) -> dict[str, Stamp]:
    """The stamps of ``of`` by slug, read on a psycopg connection of its own (the lean tile path's,
    the listener's), as :func:`layers.common.selectors.layer_stamps` reads them on Django's."""
    by_table = {lyr.table: lyr.slug for lyr in of}
    stamps = dict.fromkeys(by_table.values(), NEVER_WRITTEN)
    rows = conn.execute(
        "SELECT table_name, version, changed_at FROM layers_version WHERE table_name = ANY(%s)",
        [list(by_table)],
    )
    for table, version, changed_at in rows:
        stamps[by_table[table]] = Stamp(version=version, changed_at=changed_at)
    return stamps


def listen(poll: float = 5.0) -> None:
    """Keep the live links on the current versions until stopped (SystemExit,
    KeyboardInterrupt), then remove them. Notifications that arrive together are handled by one
    re-pointing; the versions are read after them, so they include the commits announced."""
    from django.db import connections

    params = connections["default"].get_connection_params()
    params = {k: v for k, v in params.items() if k not in ("cursor_factory", "context")}
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute("LISTEN layers_version")
        try:
            relink(read_stamps(conn, list(layers(public_only=True))))
            while True:
                if list(conn.notifies(timeout=poll, stop_after=1)):
                    list(conn.notifies(timeout=0.01))  # and whatever came with it
                    relink(read_stamps(conn, list(layers(public_only=True))))
        finally:
            unlink_all()
