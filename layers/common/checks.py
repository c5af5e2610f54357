"""System checks of the layer registry (``manage.py check``, and ``--tag layers``: the checks a
command that loads layers runs, as ``ingest`` does)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, Tags, register

LAYERS = "layers"  # the tag of the checks of what the layers rest on

# The system checks of a command that loads layers (``ingest``, ``load_demo``, the queue's worker):
# the models and what the layers rest on. Not those of the web server (URLs, templates, OGC,
# tiles), which would load the portal's views and pygeoapi for nothing: about a second of each
# start. ``manage.py check``, ``migrate`` and the servers' starts run them all.
LOAD_CHECKS = (Tags.models, LAYERS)


@register(LAYERS)
def check_rule_layers(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Every layer a rule names is registered (apps register in any order, so ``register`` cannot
    tell a slug that comes later from one that never comes)."""
    from layers.common.registry import unknown_rule_layers

    return [
        Error(
            f"layer {slug!r}: its rule {rule!r} names the layer {other!r}, which is not registered",
            id="layers.E001",
        )
        for slug, rule, other in unknown_rule_layers()
    ]
