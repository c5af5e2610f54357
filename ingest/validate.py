"""Checks done on the file's values before they reach the database: attribute types (each value
must fit its layer field), required attributes, and coordinates that are absurd before any
reprojection. Geometry validity, type, reprojection and extent are checked in SQL (``writers``).

Every check returns one reason per feature (``None`` when the feature passes), so a report can
say why each rejected feature was refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from django.conf import settings
from django.contrib.gis.db import models as gis
from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.utils.translation import gettext as _

from layers.common.errors import IngestError
from layers.common.registry import simple_type

from .conf import option
from .mappings import Mapping
from .readers import shapes

SKIPPED = {"id", "geom", "created_at", "updated_at"}
TRUE = {"1", "true", "t", "yes", "y", "oui", "vrai", "o"}
FALSE = {"0", "false", "f", "no", "n", "non", "faux"}
BOOLEAN_TEXT = {**dict.fromkeys(TRUE, "true"), **dict.fromkeys(FALSE, "false")}


@dataclass(frozen=True)
class TargetField:
    """A layer attribute a file can fill."""

    name: str
    column: str
    kind: str  # string, integer, number, boolean, date, datetime
    max_length: int | None = None
    choices: dict[str, str] = field(default_factory=dict)  # lower(value or label) -> value
    int_range: tuple[int | None, int | None] | None = None
    null: bool = True
    default: Any = None  # used when the file has no value; None means NULL
    has_default: bool = False  # False: a value is required, or NULL when ``null``
    db_default: bool = False  # the database fills it when the column is not written
    unique: bool = False


def target_fields(model: type[models.Model]) -> list[TargetField]:
    """The attributes of a layer model a file can write (not the id, geometry, timestamps or
    generated columns)."""
    out: list[TargetField] = []
    for f in model._meta.concrete_fields:
        if (
            f.column is None  # not a column (a concrete field always has one)
            or f.name in SKIPPED
            or isinstance(f, (models.GeneratedField, ArrayField, gis.GeometryField))
        ):
            continue
        internal = f.target_field if isinstance(f, models.ForeignKey) else f
        kind = simple_type(f)
        int_range = None
        if kind == "integer":
            int_range = connection.ops.integer_field_range(internal.get_internal_type())
        choices: dict[str, str] = {}
        for value, label in f.flatchoices if f.choices else ():
            choices[str(label).lower()] = str(value)
            choices[str(value).lower()] = str(value)
        has_default = f.has_default() or (kind == "string" and f.blank and not f.null)
        default = f.get_default() if f.has_default() else ("" if has_default else None)
        out.append(
            TargetField(
                name=f.attname,  # ``regulation_id`` for a foreign key: the file holds the id
                column=f.column,
                kind=kind,
                max_length=getattr(f, "max_length", None) if kind == "string" else None,
                choices=choices,
                int_range=int_range,
                null=f.null,
                default=default,
                has_default=has_default,
                db_default=f.db_default is not models.NOT_PROVIDED,
                unique=f.unique,
            )
        )
    return out


def required_missing(
    fields: list[TargetField], columns: dict[str, str], mapping: Mapping
) -> list[str]:
    """Attributes the layer needs that neither the file nor the mapping provides."""
    return [
        f.name
        for f in fields
        if not (f.null or f.has_default or f.db_default)
        and f.name not in columns
        and f.name not in mapping.values
    ]


class Reasons:
    """The reasons given against features, kept for those features only (most have none)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.items: dict[int, list[str]] = {}

    def add(self, mask: np.ndarray, message: str | Callable[[int], str]) -> None:
        for i in np.flatnonzero(mask):
            text = message(int(i)) if callable(message) else message
            self.items.setdefault(int(i), []).append(text)

    def joined(self) -> np.ndarray:
        """One entry per feature: its reasons joined by ``; ``, or ``None``."""
        out = np.full(self.n, None, dtype=object)
        for i, found in self.items.items():
            out[i] = "; ".join(found)
        return out

    def mask(self) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        out[list(self.items)] = True
        return out


def _missing(s: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
        return s.isna().to_numpy()
    return (s.isna() | s.astype(str).str.strip().eq("")).to_numpy()


def _num_to_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _as_text(s: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(s):
        return s.map(_num_to_text, na_action="ignore")
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.map(lambda v: v.isoformat(), na_action="ignore")
    if pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return s  # already text (the usual case): no per-value conversion
    return s.map(str, na_action="ignore")


def coerce_attributes(
    frame: pd.DataFrame,
    fields: list[TargetField],
    columns: dict[str, str],
    mapping: Mapping,
    reasons: Reasons,
) -> pd.DataFrame:
    """The layer's attribute values as text ready for COPY (``None`` for NULL), one column per
    written attribute; features whose values do not fit get a reason."""
    n = len(frame)
    out: dict[str, pd.Series] = {}
    for f in fields:
        if f.name in columns:
            raw = frame[columns[f.name]].reset_index(drop=True)
            source = columns[f.name]
        elif f.name in mapping.values:
            raw = pd.Series([mapping.values[f.name]] * n, dtype=object)
            source = "(constant)"
        elif f.has_default:
            raw = pd.Series([None] * n, dtype=object)
            source = None
        else:
            continue  # left to the database default or NULL
        if f.name in mapping.choices:
            table = mapping.choices[f.name]
            text = _as_text(raw)
            raw = text.map(lambda v, t=table: t.get(v.strip(), v) if isinstance(v, str) else v)
        missing = _missing(raw)
        values = _coerce(f, raw, missing, reasons, source)
        if f.has_default and f.default is not None:
            values[missing] = _default_text(f)
        elif f.has_default:
            values[missing] = ""
        elif not f.null:
            reasons.add(missing, _("%(field)s is required") % {"field": f.name})
        out[f.column] = pd.Series(values, dtype=object)
    return pd.DataFrame(out)


def _default_text(f: TargetField) -> str:
    if isinstance(f.default, bool):
        return "true" if f.default else "false"
    return str(f.default)


def _coerce(
    f: TargetField, raw: pd.Series, missing: np.ndarray, reasons: Reasons, source: str | None
) -> np.ndarray:
    values = np.full(len(raw), None, dtype=object)
    present = ~missing
    label = f"{f.name} ({source})" if source and source != f.name else f.name

    def bad_value(message: str) -> Callable[[int], str]:
        """``message``: a translated text with ``%(field)s`` and ``%(value)s``."""
        return lambda i: message % {"field": label, "value": repr(raw.iloc[i])}

    if f.kind == "string":
        text = _as_text(raw)
        if f.choices:
            canon = text.str.strip().str.lower().map(f.choices)
            bad = present & canon.isna().to_numpy()
            allowed = ", ".join(sorted(set(f.choices.values())))
            not_one_of = _("%(field)s: %(value)s is not one of %(allowed)s")
            reasons.add(
                bad,
                lambda i: (
                    not_one_of % {"field": label, "value": repr(raw.iloc[i]), "allowed": allowed}
                ),
            )
            text = canon
        if f.max_length:
            long = present & (text.str.len() > f.max_length).fillna(False).to_numpy()
            reasons.add(
                long,
                _("%(field)s: longer than %(length)d characters")
                % {"field": label, "length": f.max_length},
            )
        values[present] = text.to_numpy()[present]
    elif f.kind in ("integer", "number"):
        num = pd.to_numeric(raw, errors="coerce").astype(float)
        arr = num.to_numpy()
        bad = present & ~np.isfinite(arr)
        if f.kind == "integer":
            lo, hi = f.int_range or (None, None)
            frac = np.isfinite(arr) & (np.mod(np.nan_to_num(arr), 1) != 0)
            out_of_range = np.isfinite(arr) & (
                (arr < lo if lo is not None else False) | (arr > hi if hi is not None else False)
            )
            not_integer = _("%(field)s: %(value)s is not an integer")
            reasons.add(present & bad, bad_value(not_integer))
            reasons.add(present & ~bad & frac, bad_value(not_integer))
            out_of = _("%(field)s: %(value)s is out of range (%(low)s to %(high)s)")
            reasons.add(
                present & ~bad & ~frac & out_of_range,
                lambda i: (
                    out_of % {"field": label, "value": repr(raw.iloc[i]), "low": lo, "high": hi}
                ),
            )
            ok = present & ~bad & ~frac & ~out_of_range
            values[ok] = arr[ok].astype(np.int64).astype(str)
        else:
            reasons.add(bad, bad_value(_("%(field)s: %(value)s is not a number")))
            ok = present & ~bad
            values[ok] = arr[ok].astype(str)  # the shortest text that reads back the same
    elif f.kind == "boolean":
        text = _as_text(raw).str.strip().str.lower()
        mapped = text.map(BOOLEAN_TEXT)
        bad = present & mapped.isna().to_numpy()
        reasons.add(bad, bad_value(_("%(field)s: %(value)s is not yes or no")))
        ok = present & ~bad
        values[ok] = mapped.to_numpy()[ok]
    elif f.kind in ("date", "datetime"):
        parsed = _parse_dates(raw)
        bad = present & parsed.isna().to_numpy()
        not_date = (
            _("%(field)s: %(value)s is not a date")
            if f.kind == "date"
            else _("%(field)s: %(value)s is not a date and time")
        )
        reasons.add(bad, bad_value(not_date))
        ok = present & ~bad
        if f.kind == "date":
            values[ok] = parsed.dt.strftime("%Y-%m-%d").to_numpy()[ok]
        else:
            # Naive times are the city's; PostgreSQL reads the offset written with each.
            if parsed.dt.tz is None:
                parsed = parsed.dt.tz_localize(settings.TIME_ZONE, ambiguous="NaT")
            values[ok] = parsed.dt.strftime("%Y-%m-%dT%H:%M:%S.%f%z").to_numpy()[ok]
    return values


DATE_FORMATS = ("ISO8601", "%d/%m/%Y", "%d/%m/%Y %H:%M", "%d-%m-%Y")


def _parse_dates(raw: pd.Series) -> pd.Series:
    """Each value as a timestamp (``NaT`` when missing or not a date), the formats of
    :data:`DATE_FORMATS` tried in turn on the whole column. Times with an offset are brought to
    UTC; a column of times without one stays naive."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        return raw.reset_index(drop=True)
    raw = raw.reset_index(drop=True)
    text = raw.map(_date_text, na_action="ignore")
    parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    aware = None
    for fmt in DATE_FORMATS:
        todo = parsed.isna() & text.notna()
        if not todo.any():
            break
        try:
            found = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        except (ValueError, TypeError):  # times with different offsets in one column
            found = pd.to_datetime(text[todo], format=fmt, errors="coerce", utc=True)
        if getattr(found.dt, "tz", None) is not None:
            aware = True
            found = found.dt.tz_convert("UTC").dt.tz_localize(None)
        parsed[todo] = found
    return parsed.dt.tz_localize("UTC") if aware else parsed


def _date_text(v: Any) -> str:
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return str(v).strip()


# Geometries made shapes at once by the checks: a step's shapes are dropped before the next
# step's are made, so a million parcels never stand in memory as shapes all together.
CHECK_STEP = 50_000


def check_geometries(wkb: np.ndarray, geographic: bool, reasons: Reasons) -> np.ndarray:
    """Features without geometry or with absurd coordinates get a reason. Returns the WKB to
    stage (``ingest.writers``): each feature's as read, ``None`` for the refused ones. ``wkb``:
    the geometries as read (``ingest.readers``), as GDAL writes them, which PostGIS reads
    whatever their dimensions."""
    limit = option("MAX_ABS_COORDINATE")
    if geographic:
        absurd_text = _("absurd coordinates (outside -180..180 / -90..90 degrees)")
    else:
        absurd_text = _("absurd coordinates (beyond %(limit)s m or not numbers)") % {
            "limit": f"{limit:g}"
        }
    n = len(wkb)
    empty = np.zeros(n, dtype=bool)
    absurd = np.zeros(n, dtype=bool)
    for start in range(0, n, CHECK_STEP):
        end = min(start + CHECK_STEP, n)
        geoms, unread = shapes(wkb[start:end])
        gone = (shapely.is_missing(geoms) | shapely.is_empty(geoms)) & ~unread
        geoms[gone] = None
        bounds = shapely.bounds(geoms)
        finite = np.isfinite(bounds).all(axis=1)
        if geographic:
            lon_ok = (bounds[:, 0] >= -180) & (bounds[:, 2] <= 180)
            lat_ok = (bounds[:, 1] >= -90) & (bounds[:, 3] <= 90)
            sane = finite & lon_ok & lat_ok
        else:
            sane = finite & (np.abs(np.nan_to_num(bounds, nan=np.inf)) <= limit).all(axis=1)
        empty[start:end] = gone
        absurd[start:end] = ~gone & ~sane & ~unread
    reasons.add(empty, _("no geometry"))
    reasons.add(absurd, absurd_text)
    staged = wkb.copy()  # of the references: the bytes themselves are not copied
    staged[empty | absurd] = None
    return staged


def require_known_layer_fields(missing: list[str]) -> None:
    if missing:
        names = ", ".join(missing)
        raise IngestError(
            _(
                "the layer needs %(fields)s, which the file does not have: map a column to it "
                'in a mapping file ([fields] %(first)s = "COLUMN") or give a constant ([values])'
            )
            % {"fields": names, "first": missing[0]}
        )
