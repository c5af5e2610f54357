"""How one file is loaded: the options of an ingest, typed and checked once.

The command line (``manage.py ingest``), the planners' web pages (their forms and the
:class:`~ingest.models.IngestJob` row that keeps the options between requests) and the background
run all build an :class:`IngestOptions`; ``as_dict``/``from_dict`` are the stored form, whose keys
are the option names and the form fields' names."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_args

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from layers.common.errors import IngestError
from layers.rasters.models import RasterLayer

from .mappings import Mapping
from .readers import parse_srs

Mode = Literal["append", "replace", "upsert"]
MODES: tuple[Mode, ...] = get_args(Mode)
MAPPING_KEYS = ("fields", "values", "choices")  # the stored form of the field mapping
Scalar = str | int | float | bool


class InvalidOption(IngestError):
    """Options that cannot work; ``field`` names the option at fault (a form shows it there)."""

    code = "invalid-ingest-option"
    title = _("Invalid ingest option")


def _text(value: object, name: str) -> str | None:
    """An optional text option: ``None`` or ``""`` (an empty form field) is no value."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidOption(
            gettext("option %(name)s: expected text, not %(type)s")
            % {"name": name, "type": type(value).__name__},
            field=name,
        )
    return value.strip() or None


@dataclass(frozen=True)
class IngestOptions:
    """Options of one ingest. Built from a form, the command line or a stored row, and refused
    (:class:`IngestError`) when they cannot work: an unknown mode, an upsert without a key, a
    coordinate system or an encoding nobody knows, a mapping that is not text to text.

    The mapping file's own ``key``, ``srs``, ``encoding`` and ``source_layer`` are used where the
    option itself is not given; once built, the options hold the values in force and ``mapping``
    only the field mapping (``fields``, ``values``, ``choices``)."""

    mode: Mode = "append"
    key: str | None = None  # the attribute that identifies a feature (upsert)
    srs: str | None = None  # the file's CRS when it has none, or to override it
    source_layer: str | None = None  # the layer (or sheet) inside the file
    encoding: str | None = None  # attribute encoding when the file does not say
    dry_run: bool = False  # check everything, write nothing
    accept_partial: bool = False  # load the valid features, skip the rejected ones
    mapping: Mapping = field(default_factory=Mapping)
    # A GeoTIFF becomes a raster layer of its own: its name, kind and title.
    raster_name: str | None = None
    raster_kind: str = RasterLayer.Kind.OTHER.value
    raster_title: str | None = None

    def __post_init__(self) -> None:
        m = self.mapping
        if not isinstance(m, Mapping):
            raise InvalidOption(
                gettext("option mapping: expected a field mapping"), field="mapping"
            )
        resolved = {
            "key": _text(self.key, "key") or _text(m.key, "key"),
            "srs": _text(self.srs, "srs") or _text(m.srs, "srs"),
            "source_layer": _text(self.source_layer, "source_layer")
            or _text(m.source_layer, "source_layer"),
            "encoding": _text(self.encoding, "encoding") or _text(m.encoding, "encoding"),
            "raster_name": _text(self.raster_name, "raster_name"),
            "raster_title": _text(self.raster_title, "raster_title"),
            "mapping": Mapping(
                fields=_mapping_fields(m.fields),
                values=_mapping_values(m.values),
                choices=_mapping_choices(m.choices),
            ),
        }
        for name, value in resolved.items():
            object.__setattr__(self, name, value)  # frozen: normalised once, here
        if self.mode not in MODES:
            raise InvalidOption(
                gettext("unknown mode %(mode)r: one of %(modes)s")
                % {"mode": self.mode, "modes": ", ".join(MODES)},
                field="mode",
            )
        if self.mode == "upsert" and not self.key:
            raise InvalidOption(
                gettext(
                    "--mode upsert needs --key FIELD (the attribute that identifies a feature)"
                ),
                field="key",
            )
        if self.srs:
            try:
                parse_srs(self.srs)
            except IngestError as exc:
                raise InvalidOption(str(exc), field="srs") from None
        if self.encoding:
            try:
                codecs.lookup(self.encoding)
            except LookupError:
                raise InvalidOption(
                    gettext("unknown encoding %(encoding)r") % {"encoding": self.encoding},
                    field="encoding",
                ) from None
        if self.raster_kind not in RasterLayer.Kind.values:
            kinds = ", ".join(RasterLayer.Kind.values)
            message = gettext("raster kind %(kind)r: one of %(kinds)s") % {
                "kind": self.raster_kind,
                "kinds": kinds,
            }
            raise InvalidOption(message, field="raster_kind")
        for flag in ("dry_run", "accept_partial"):
            if not isinstance(getattr(self, flag), bool):
                raise InvalidOption(
                    gettext("option %(name)s: expected true or false") % {"name": flag}, field=flag
                )

    def as_dict(self) -> dict[str, Any]:
        """The stored form (a JSON object): every option by name, the mapping as its three
        tables. ``from_dict(options.as_dict()) == options``."""
        out: dict[str, Any] = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name != "mapping"
        }
        out["fields"] = dict(self.mapping.fields)
        out["values"] = dict(self.mapping.values)
        out["choices"] = {k: dict(v) for k, v in self.mapping.choices.items()}
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IngestOptions:
        """Options from their stored form; a missing option has its default, an unknown one is
        an error (a name misspelt by a writer would otherwise be silently dropped)."""
        names = {f.name for f in fields(cls)} - {"mapping"}
        unknown = set(data) - names - set(MAPPING_KEYS)
        if unknown:
            names_text = ", ".join(sorted(unknown))
            raise InvalidOption(
                gettext("unknown ingest options: %(names)s") % {"names": names_text},
                field=sorted(unknown)[0],
            )
        mapping = Mapping(
            fields=data.get("fields") or {},
            values=data.get("values") or {},
            choices=data.get("choices") or {},
        )
        return cls(mapping=mapping, **{k: v for k, v in data.items() if k in names})


def _mapping_fields(value: object) -> dict[str, str]:
    """Layer attribute -> source column; an attribute mapped to nothing is left out."""
    if not isinstance(value, dict):
        raise InvalidOption(
            gettext("mapping fields: expected a table of attribute = column"), field="fields"
        )
    out: dict[str, str] = {}
    for target, source in value.items():
        if source in (None, ""):
            continue
        if not isinstance(target, str) or not isinstance(source, str):
            raise InvalidOption(
                gettext("mapping fields: %(target)r = %(source)r is not text = text")
                % {"target": target, "source": source},
                field="fields",
            )
        out[target] = source
    return out


def _mapping_values(value: object) -> dict[str, Scalar]:
    """Layer attribute -> a constant; an empty constant is no constant."""
    if not isinstance(value, dict):
        raise InvalidOption(
            gettext("mapping values: expected a table of attribute = value"), field="values"
        )
    out: dict[str, Scalar] = {}
    for target, constant in value.items():
        if constant is None or constant == "":
            continue
        if not isinstance(target, str) or not isinstance(constant, Scalar):
            raise InvalidOption(
                gettext("mapping values: %(target)r = %(value)r is not a plain value")
                % {"target": target, "value": constant},
                field="values",
            )
        out[target] = constant
    return out


def _mapping_choices(value: object) -> dict[str, dict[str, str]]:
    """Layer attribute -> {source value: layer value}."""
    if not isinstance(value, dict):
        raise InvalidOption(
            gettext("mapping choices: expected a table per attribute"), field="choices"
        )
    out: dict[str, dict[str, str]] = {}
    for target, table in value.items():
        if not isinstance(target, str) or not isinstance(table, dict):
            raise InvalidOption(
                gettext("mapping choices: %(target)r is not a table of values")
                % {"target": target},
                field="choices",
            )
        if not all(isinstance(a, str) and isinstance(b, str) for a, b in table.items()):
            raise InvalidOption(
                gettext("mapping choices of %(target)r: expected text = text") % {"target": target},
                field="choices",
            )
        out[target] = dict(table)
    return out
