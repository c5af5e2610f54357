"""The version of the planning data a note is computed from: the write counters of the zoning
layers (bumped by a database trigger on every statement that changes them, see
``layers.common.selectors.layer_stamps``) added up into one number, and the time of the last write.
A note records it at issuance; the verification page compares it with today's."""

from __future__ import annotations

from typing import Any

from layers.common.registry import get_layer
from layers.common.selectors import layer_stamps

# The layers a note's rules are read from (registered in ``layers/zoning/layers.py``).
ZONING_LAYERS = ("planning-documents", "zoning", "servitudes", "reserved-land")


def zoning_data_version() -> dict[str, Any]:
    """``{"version": N, "changed_at": ISO time or None, "layers": {slug: counter}}``; ``version``
    grows with every write to any of the zoning layers."""
    stamps = layer_stamps(get_layer(slug) for slug in ZONING_LAYERS)
    times = [s.changed_at for s in stamps.values() if s.changed_at is not None]
    return {
        "version": sum(s.version for s in stamps.values()),
        "changed_at": max(times).isoformat() if times else None,
        "layers": {slug: stamps[slug].version for slug in ZONING_LAYERS},
    }
