"""A registered layer's options changed for the duration of a test, by the registry's own
``register``, and put back afterwards whatever happens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from layers.common.registry import Layer, get_layer, register


@contextmanager
def layer_options(slug: str, **changes: Any) -> Iterator[Layer]:
    """The layer ``slug`` registered with ``changes`` to its ``LayerOptions`` inside the block."""
    registered = get_layer(slug)
    register(registered.model, replace(registered.options, **changes))
    try:
        yield get_layer(slug)
    finally:
        register(registered.model, registered.options)
