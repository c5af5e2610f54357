"""Field mappings: how a source file's columns become a layer's attributes.

A mapping is declared once per source (a surveyor's export, the land registry's extract...) in a
TOML file passed with ``--mapping``::

    key = "reference"                 # optional: the key for --mode upsert
    srs = "EPSG:26191"                # optional: the CRS when the file does not carry one
    encoding = "cp1256"               # optional: the attribute encoding when there is no .cpg

    [fields]                          # layer attribute = source column
    reference = "NUM_TITRE"
    official_area_m2 = "CONTENANCE"

    [values]                          # layer attribute = a constant for every feature
    land_status = "titled"

    [choices.current_use]             # source value = layer value
    "Habitat" = "housing"

Attributes not mentioned are matched to source columns of the same name (case-insensitive, or cut
to the 10 characters a shapefile keeps).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from layers.common.errors import IngestError

_KNOWN_KEYS = {"key", "srs", "encoding", "source_layer", "fields", "values", "choices"}


@dataclass(frozen=True)
class Mapping:
    fields: dict[str, str] = field(default_factory=dict)  # layer attribute -> source column
    values: dict[str, Any] = field(default_factory=dict)  # layer attribute -> constant
    choices: dict[str, dict[str, str]] = field(default_factory=dict)
    key: str | None = None
    srs: str | None = None
    encoding: str | None = None
    source_layer: str | None = None


def load_mapping(path: Path) -> Mapping:
    """Read a TOML mapping file; unknown sections are an error, not silently ignored."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise IngestError(
            _("mapping %(file)s: %(error)s") % {"file": Path(path).name, "error": exc}
        ) from None
    unknown = set(data) - _KNOWN_KEYS
    if unknown:
        raise IngestError(
            _("mapping %(file)s: unknown entries %(entries)s")
            % {"file": Path(path).name, "entries": ", ".join(sorted(unknown))}
        )
    fields = {str(k): str(v) for k, v in data.get("fields", {}).items()}
    choices = {
        str(k): {str(a): str(b) for a, b in v.items()} for k, v in data.get("choices", {}).items()
    }
    return Mapping(
        fields=fields,
        values=dict(data.get("values", {})),
        choices=choices,
        key=data.get("key"),
        srs=data.get("srs"),
        encoding=data.get("encoding"),
        source_layer=data.get("source_layer"),
    )


def resolve_columns(targets: list[str], columns: list[str], mapping: Mapping) -> dict[str, str]:
    """Layer attribute -> source column: the mapping's explicit choices, then same-name matches."""
    by_lower = {c.lower(): c for c in columns}
    out: dict[str, str] = {}
    for target, source in mapping.fields.items():
        if target not in targets:
            raise IngestError(
                _("the mapping names %(attribute)r, which the layer does not have")
                % {"attribute": target}
            )
        if source not in columns:
            found = by_lower.get(source.lower())
            if found is None:
                has = ", ".join(columns) or _("no attributes")
                raise IngestError(
                    _(
                        "the mapping reads column %(column)r, which the file does not have "
                        "(it has %(columns)s)"
                    )
                    % {"column": source, "columns": has}
                )
            source = found
        out[target] = source
    for target in targets:
        if target in out or target in mapping.values:
            continue
        # Same name, or the name cut to 10 characters as shapefiles (dBase) store it.
        found = by_lower.get(target.lower()) or by_lower.get(target.lower()[:10])
        if found is not None:
            out[target] = found
    return out
