"""Generated rows, column by column, ready for COPY."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

# A column's values: a list, a tuple or a numpy array.
Column = Sequence[Any] | np.ndarray


@dataclass
class Table:
    """Rows for one database table. ``columns`` maps a column name to a sequence of values (all of
    the same length); a ``geom`` column holds shapely geometries in the storage SRID."""

    table: str
    columns: Mapping[str, Column] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def check(self) -> None:
        lengths = {name: len(values) for name, values in self.columns.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"{self.table}: columns of different lengths {lengths}")

    def rows(self, srid: int, chunk: int = 20_000) -> Iterator[tuple[Any, ...]]:
        """Rows as Python values; geometries as hex EWKB, which PostGIS reads in COPY text. The
        values are made ``chunk`` rows at a time, so that COPY starts at once and the database
        works on the first rows while the next are made."""
        for start in range(0, len(self), chunk):
            values: list[Sequence[Any]] = []
            for name, column in self.columns.items():
                part = column[start : start + chunk]
                if name == "geom":
                    geoms = shapely.set_srid(np.asarray(part, dtype=object), srid)
                    values.append(shapely.to_wkb(geoms, hex=True, include_srid=True).tolist())
                elif isinstance(part, np.ndarray):
                    values.append(part.tolist())
                else:
                    values.append(part)
            yield from zip(*values, strict=True)
