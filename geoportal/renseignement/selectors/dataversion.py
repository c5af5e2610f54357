"""The version of the planning data a note is computed from: the write counters of the zoning
layers and of the zone regulations (bumped by a database trigger on every statement that changes
them, see ``layers.common.selectors.layer_stamps``) added up into one number, and the time of the
last write.
A note records it at issuance; the verification page compares it with today's."""

from __future__ import annotations

from typing import Any

from layers.common.models import LayerVersion
from layers.common.registry import get_layer
from layers.common.selectors import layer_stamps
from layers.zoning.models import ZoneRegulation

# The layers a note's rules are read from (registered in ``layers/zoning/layers.py``).
ZONING_LAYERS = ("planning-documents", "zoning", "servitudes", "reserved-land")


def zoning_data_version() -> dict[str, Any]:
    """``{"version": N, "changed_at": ISO time or None, "layers": {slug: counter}}``; ``version``
    grows with every write to any of the zoning layers."""
    stamps = layer_stamps(get_layer(slug) for slug in ZONING_LAYERS)
    counters = {slug: (stamps[slug].version, stamps[slug].changed_at) for slug in ZONING_LAYERS}
    # The regulations' counter (zoning migration 0006), a table but not a layer.
    regulations = LayerVersion.objects.filter(table_name=ZoneRegulation._meta.db_table).first()
    counters["regulations"] = (
        (regulations.version, regulations.changed_at) if regulations else (0, None)
    )
    times = [changed for _version, changed in counters.values() if changed is not None]
    return {
        "version": sum(version for version, _changed in counters.values()),
        "changed_at": max(times).isoformat() if times else None,
        "layers": {name: version for name, (version, _changed) in counters.items()},
    }
