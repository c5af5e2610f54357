"""System checks of the ``RENSEIGNEMENT`` settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

POSITIVE = (
    "SLIVER_WIDTH_M", "SLIVER_AREA_M2", "FRONTAGE_MARGIN_M", "FRONTAGE_MIN_LENGTH_M",
    "MAX_ROAD_WIDTH_M", "MAX_OUTLINE_AREA_M2", "MAX_OUTLINE_VERTICES", "MAX_BODY_BYTES",
    "MAP_MAX_FEATURES", "REUSE_HOURS",
)  # fmt: skip


@register()
def check_renseignement_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    opts = getattr(settings, "RENSEIGNEMENT", None)
    if not isinstance(opts, dict):
        return [Error("settings.RENSEIGNEMENT must be a dict", id="renseignement.E001")]
    errors = []
    for key in POSITIVE:
        value = opts.get(key)
        if not isinstance(value, (int, float)) or value < 0:
            errors.append(
                Error(f"RENSEIGNEMENT[{key!r}] must be a number >= 0", id="renseignement.E002")
            )
    limits = opts.get("RATE_LIMITS")
    if not isinstance(limits, dict) or not {"note", "issue"} <= set(limits):
        errors.append(
            Error("RENSEIGNEMENT['RATE_LIMITS'] needs 'note' and 'issue'", id="renseignement.E003")
        )
    else:
        for bucket, pair in limits.items():
            ok = isinstance(pair, (tuple, list)) and len(pair) == 2
            if not ok or not all(isinstance(v, int) and v > 0 for v in pair):
                errors.append(
                    Error(
                        f"RENSEIGNEMENT['RATE_LIMITS'][{bucket!r}] must be (requests, seconds)",
                        id="renseignement.E003",
                    )
                )
    credit = opts.get("DATA_CREDIT")
    if isinstance(credit, dict):  # one text per language: French at least
        credit = credit.get("fr")
    if not isinstance(credit, str) or not credit.strip():
        errors.append(
            Error(
                "RENSEIGNEMENT['DATA_CREDIT'] must name the source of the parcels, roads and "
                "planning layers (a text, or a text per language with 'fr')",
                id="renseignement.E005",
            )
        )
    return errors
