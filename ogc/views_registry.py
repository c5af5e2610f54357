"""Read-only collections that are not layers: a publication view in schema ``ogc`` that derives
its rows from layers (the arrondissements' indicators), declared by the app that owns it.

Each is served like a layer's collection, read-only: no write method, no tiles, no catalogue
entry. ``stamp_layer`` names the layer whose version keys the collection's count (the view has
one row per feature of that layer). ``refresh``, if given, is called before every read of the
collection's items: a materialised view brings itself up to date there."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReadOnlyCollection:
    slug: str  # the OGC collection id and the view's name in schema ``ogc``
    title: dict[str, str]  # by language: fr, ar, en
    description: dict[str, str]
    fields: tuple[str, ...]  # the published properties (without the geometry)
    stamp_layer: str
    label_field: str | None = None
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)  # by language
    refresh: Callable[[], None] | None = None


_COLLECTIONS: dict[str, ReadOnlyCollection] = {}


def register_collection(collection: ReadOnlyCollection) -> None:
    _COLLECTIONS[collection.slug] = collection


def read_only_collection(slug: str) -> ReadOnlyCollection | None:
    return _COLLECTIONS.get(slug)


def read_only_collections() -> Iterator[ReadOnlyCollection]:
    yield from sorted(_COLLECTIONS.values(), key=lambda c: c.slug)


def refresh_collection(slug: str) -> None:
    """Bring a read-only collection's rows up to date before a read (nothing for a layer)."""
    derived = _COLLECTIONS.get(slug)
    if derived is not None and derived.refresh is not None:
        derived.refresh()
