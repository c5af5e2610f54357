"""Layer rules (``LayerOptions.rules``): what a layer's geometries must respect beyond their own
validity, declared once in the registry and checked on every write path (``layers.common.guards``):
one feature's write through the OGC API (the portal's editor, QGIS), and an ingest's staged rows.

- :class:`NoOverlap`: a feature may not overlap the features of the named layers (its own layer
  among them: parcels may not overlap parcels) by more than a tolerance, in m² in all;
- :class:`Within`: a feature must lie inside the union of a layer's features (green spaces inside
  the municipal boundary, the union of the arrondissements), to a tolerance in metres.

A rule names other layers by slug; as apps register in any order, a slug that is never registered
is reported by the system check ``layers.E001`` (and by the rule itself when it is first checked).

Every check is SQL on the storage SRID, candidates found by the layers' GiST indexes (``&&``)
before any exact test: one feature against a million parcels costs a few index probes. A write
that breaks a rule gets :class:`~layers.common.guards.RuleViolation` with the figure measured
and the part at fault as GeoJSON in CRS84; an ingest's staged rows get their reason, set-based
(a few statements per rule, whatever the number of rows). One search is not SQL: which staged
rows of an ingest overlap each other is found in memory, by one R-tree and one vectorized
DE-9IM tests over the whole batch, in threads (:func:`_overlapping_pairs`), several times faster
than a self-join of the staging table.

What is not checked: a geometry the write does not change (an attribute edit, an upsert's
unchanged row) is the layer's already, and is left alone, so a feature saved before a rule was
declared can still be edited; it counts as the other side of every check all the same. Two
writes in concurrent transactions are each checked against the layer as it was committed, so
they can together break a rule that neither breaks alone.
"""

from __future__ import annotations

import json
import uuid
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import shapely
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import translation
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from psycopg import sql

from geoportal.cpus import usable_cpus
from geoportal.language import active_language, number_text
from layers.common.conf import gis_settings
from layers.common.errors import sql_format
from layers.common.guards import RuleViolation

if TYPE_CHECKING:
    from django.contrib.gis.geos import GEOSGeometry
    from django.db.backends.utils import CursorWrapper

    from layers.common.registry import Layer

# Interiors that share an area (DE-9IM): unlike ``ST_Intersects``, false for neighbours that only
# share an edge, so the intersection is computed for the few pairs that do overlap.
INTERIORS_OVERLAP = "2********"
# The in-memory search of an ingest's overlapping rows (:func:`_overlapping_pairs`) takes the
# rows in steps of this many, which bounds the memory its pairs take (a parcel of a cadastre has
# about eight neighbours), and runs the steps' DE-9IM tests in this many threads: GEOS lets go of
# Python's lock while it works, so they use as many processors.
PAIR_STEP_ROWS = 50_000
PAIR_THREADS = min(4, usable_cpus())
NAMED_AT_MOST = 5  # features named in a message, then "and N more"
AND_MORE = gettext_noop("%(names)s and %(count)s more")
DECIMALS = 7  # of the offending area's CRS84 coordinates, as the downloads write them


def _number(value: float, decimals: int | None = None) -> str:
    """A figure as a planner reads it in the active language, as every page writes numbers
    (Django's formats, ``geoportal/formats``): ``1``, ``0,5``, ``1.497,4`` in French and Arabic,
    ``1,497.4`` in English; ``decimals``: that many, else as few as the value needs."""
    if decimals is None:
        decimals = len(format(value, "f").rstrip("0").partition(".")[2])
    return number_text(value, decimals)


def _pattern(message: str, *args: str) -> sql.Composable:
    """``message`` as a literal ``format()`` pattern (:func:`sql_format`), inside a statement
    that runs with bound parameters, as all of this module's do: its ``%`` are doubled so the
    driver leaves them to PostgreSQL."""
    return sql.Literal(sql_format(message, *args).replace("%", "%%"))


def _number_sql(expr: sql.Composable) -> sql.Composable:
    """SQL of ``expr`` rounded to 0.1 as :func:`_number` writes it: ``to_char`` with a fixed
    "," between thousands and "." before the decimal, then both swapped for the language's."""
    grouped = int(get_format("NUMBER_GROUPING")) == 3
    pattern = "FM999,999,999,999,990.0" if grouped else "FM999999999999990.0"
    separators = f"{get_format('THOUSAND_SEPARATOR')}{get_format('DECIMAL_SEPARATOR')}"
    return sql.SQL("translate(to_char(round(({})::numeric, 1), {}), ',.', {})").format(
        expr, sql.Literal(pattern), sql.Literal(separators)
    )


def _titles(slugs: tuple[str, ...]) -> str:
    """The layers' titles in the active language."""
    from layers.common.registry import get_layer

    return ", ".join(get_layer(slug).title(active_language()) for slug in slugs)


def _in_each_language(text: Callable[[], str]) -> dict[str, str]:
    """``text()`` in each of the platform's languages: a rule's label, which the editor shows."""
    out = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            out[code] = text()
    return out


def _referenced(slug: str) -> Layer:
    """The layer a rule names, or a configuration error naming it."""
    from layers.common.errors import UnknownLayer
    from layers.common.registry import get_layer

    try:
        return get_layer(slug)
    except UnknownLayer:
        raise ImproperlyConfigured(
            f"a layer rule names the layer {slug!r}, never registered"
        ) from None


def _polygonal(layer: Layer) -> bool:
    return layer.geometry_type in ("Polygon", "MultiPolygon")


def _pk(layer: Layer, alias: str) -> sql.Identifier:
    """The id column of ``layer``'s row alias ``alias``."""
    return sql.Identifier(alias, layer.column(layer.model._meta.pk.name))


def _feature_name(layer: Layer, alias: str) -> sql.Composable:
    """SQL naming a stored feature of ``layer`` (row alias ``alias``) in a message: its label
    (``TF 123/C``), else ``feature 42``."""
    pk = _pk(layer, alias)
    fallback = sql.SQL("format({}, {})").format(_pattern(_("feature %(id)s"), "id"), pk)
    if not layer.options.label_field:
        return fallback
    label = sql.Identifier(alias, layer.column(layer.options.label_field))
    return sql.SQL("coalesce(nullif({}::text, ''), {})").format(label, fallback)


def _names_sql(names: str, count: str) -> sql.Composable:
    """SQL of the message's list of names from an array ``names`` of ``count`` elements."""
    return sql.SQL(
        "CASE WHEN {count} > {most} "
        "THEN format({more}, array_to_string({names}[1:{most}], ', '), {count} - {most}) "
        "ELSE array_to_string({names}, ', ') END"
    ).format(
        names=sql.Identifier(names),
        count=sql.Identifier(count),
        most=sql.Literal(NAMED_AT_MOST),
        more=_pattern(_(AND_MORE), "names", "count"),
    )


def _names(names: list[str], count: int) -> str:
    """The message's list of the first names of ``count`` features."""
    shown = ", ".join(names[:NAMED_AT_MOST])
    if count <= NAMED_AT_MOST:
        return shown
    return _(AND_MORE) % {"names": shown, "count": count - NAMED_AT_MOST}


@dataclass(frozen=True)
class Staged:
    """An ingest's staged rows as the rules read them.

    ``table`` is the staging table (the layer's columns, ``geom`` in the storage SRID, ``_fid``,
    ``_reason``), whose ``_reason`` a rule sets. ``rows`` is a temporary table of the rows still
    accepted, with a GiST index on ``geom`` when a rule looks them up by their geometry
    (:meth:`Rule.probes_rows`) and some row is checked: ``_fid``, ``geom``, ``_label`` (the
    layer's label attribute when the file gives it) and ``_checked``, whether the rules check
    the row: every row, but in an upsert not one whose geometry is the shape the layer holds for
    its key.
    ``mode``/``key``: what the write replaces."""

    cur: CursorWrapper
    layer: Layer
    table: sql.Identifier
    rows: sql.Identifier
    mode: str
    key: str | None

    @property
    def upsert_key(self) -> str | None:
        """The key of an upsert (None: an append or a replace)."""
        return self.key if self.mode == "upsert" else None

    def kept(self, alias: str) -> sql.Composable | None:
        """SQL true for a stored row of the layer (alias ``alias``) the write keeps, or None when
        it keeps none: every row in an append; none in a replace; in an upsert, the rows whose
        key no accepted staged row has."""
        if self.mode == "replace":
            return None
        key = self.upsert_key
        if key is None:
            return sql.SQL("true")
        return sql.SQL(
            "NOT EXISTS (SELECT 1 FROM {s} r WHERE r.{k} = {a}.{k} AND r._reason IS NULL)"
        ).format(s=self.table, k=sql.Identifier(key), a=sql.Identifier(alias))

    @staticmethod
    def name(alias: str) -> sql.Composable:
        """SQL naming a row of ``rows`` (alias ``alias``) in a message: ``feature 7 of the
        file``, followed by its label when the file gives it."""
        return sql.SQL(
            "format({pattern}, {a}._fid) || coalesce(' (' || nullif({a}._label, '') || ')', '')"
        ).format(
            pattern=_pattern(_("feature %(number)s of the file"), "number"),
            a=sql.Identifier(alias),
        )


def _stage_rows(cur: CursorWrapper, staged: Staged) -> None:
    """Fill ``staged.rows`` from the staging table (see :class:`Staged`)."""
    layer, key = staged.layer, staged.upsert_key
    cur.execute(sql.SQL("SELECT * FROM {} LIMIT 0").format(staged.table))
    columns = {column.name for column in cur.description or ()}
    label_field = layer.options.label_field
    label: sql.Composable = sql.SQL("NULL")
    if label_field is not None and layer.column(label_field) in columns:
        label = sql.Identifier("s", layer.column(label_field))
    checked: sql.Composable = sql.SQL("true")
    if key is not None:
        checked = sql.SQL(
            "NOT EXISTS (SELECT 1 FROM {t} kept WHERE kept.{k} = s.{k} "
            "AND ST_Equals(kept.geom, s.geom))"
        ).format(t=sql.Identifier(layer.table), k=sql.Identifier(key))
    cur.execute(
        sql.SQL(
            "CREATE TEMP TABLE {rows} AS SELECT s._fid, s.geom, {label}::text AS _label, "
            "{checked} AS _checked FROM {stage} s WHERE s._reason IS NULL"
        ).format(rows=staged.rows, label=label, checked=checked, stage=staged.table)
    )


def _overlapping_pairs(staged: Staged) -> sql.Identifier | None:
    """The pairs of staged rows whose interiors share an area, as a new temporary table
    ``(x, y)`` of their ``_fid``, or None when there is none. A pair of checked rows is in it
    once, from its first row (``x``); a pair with a row the rules do not check, from the checked
    one.

    The pairs are found in memory, with GEOS through shapely, rather than by a self-join of the
    staging table: an R-tree over the batch gives every pair whose boxes meet (what ``&&``
    gives), then vectorized DE-9IM tests, in threads, keep those whose interiors overlap. A
    self-join probes the GiST index once a row (about 20 µs each) and runs ``ST_Relate`` once a
    pair of neighbours (9 µs with the GEOS 3.11 of Debian 12's PostGIS): on 200,000 parcels
    edge to edge, 16 s, against 1.8 s here on two processors (3.5 s in one thread), most of it
    the tests of the 400,000 pairs of neighbours whose boxes overlap. The areas, names and
    reasons stay in SQL."""
    fids, checked, shapes = [], [], []
    wkb: list[bytes] = []
    copy_out = sql.SQL(
        "COPY (SELECT _fid, _checked, ST_AsBinary(geom) FROM {}) TO STDOUT (FORMAT binary)"
    ).format(staged.rows)
    with staged.cur.cursor.copy(copy_out) as copy:
        copy.set_types(["int4", "bool", "bytea"])
        for fid, check, geom in copy.rows():
            fids.append(fid)
            checked.append(check)
            wkb.append(geom)
            if len(wkb) == PAIR_STEP_ROWS:  # made shapes a step at a time, not held as bytes
                shapes.append(shapely.from_wkb(wkb))
                wkb = []
    if wkb:
        shapes.append(shapely.from_wkb(wkb))
    del wkb
    if not fids:
        return None
    fid, check = np.array(fids, dtype=np.int32), np.array(checked, dtype=bool)
    del fids, checked
    asking = np.flatnonzero(check)  # the R-tree is asked for the checked rows only
    if not len(asking):
        return None
    geoms = np.concatenate(shapes)
    del shapes
    tree = shapely.STRtree(geoms)
    box = shapely.bounds(geoms)

    def candidates(start: int) -> tuple[np.ndarray, np.ndarray]:
        """The pairs to test of one step's rows, as indexes into ``geoms``."""
        step = asking[start : start + PAIR_STEP_ROWS]
        first, second = tree.query(geoms[step])  # boxes that meet
        first = step[first]
        keep = (first != second) & ((fid[second] > fid[first]) | ~check[second])
        # Boxes that meet only along an edge or at a corner hold interiors that cannot meet:
        # the pair is left out before the exact test (neighbours along the storage CRS's axes).
        width = np.minimum(box[first, 2], box[second, 2]) - np.maximum(
            box[first, 0], box[second, 0]
        )
        height = np.minimum(box[first, 3], box[second, 3]) - np.maximum(
            box[first, 1], box[second, 1]
        )
        keep &= (width > 0) & (height > 0)
        return first[keep], second[keep]

    def overlapping(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        overlap = shapely.relate_pattern(geoms[first], geoms[second], INTERIORS_OVERLAP)
        return fid[first[overlap]], fid[second[overlap]]

    # The R-tree is asked in this thread, a step at a time; each step's exact tests go to the
    # pool as soon as its pairs are known. At most two steps a thread wait, which bounds memory.
    found: list[tuple[np.ndarray, np.ndarray]] = []
    waiting: deque[Future[tuple[np.ndarray, np.ndarray]]] = deque()
    with ThreadPoolExecutor(max_workers=PAIR_THREADS) as pool:
        for start in range(0, len(asking), PAIR_STEP_ROWS):
            if len(waiting) >= 2 * PAIR_THREADS:
                found.append(waiting.popleft().result())
            waiting.append(pool.submit(overlapping, *candidates(start)))
        found.extend(step.result() for step in waiting)
    xs = np.concatenate([x for x, _ in found])
    ys = np.concatenate([y for _, y in found])
    if not len(xs):
        return None
    table = sql.Identifier(f"ingest_pairs_{uuid.uuid4().hex[:10]}")
    staged.cur.execute(sql.SQL("CREATE TEMP TABLE {} (x integer, y integer)").format(table))
    with staged.cur.cursor.copy(sql.SQL("COPY {} (x, y) FROM STDIN").format(table)) as copy:
        for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
            copy.write_row((x, y))
    return table


class Rule(ABC):
    """A rule of a layer's geometries. Subclasses are frozen dataclasses with a stable machine
    ``name`` (``no-overlap``, the ``rule`` of a :class:`RuleViolation`) and a ``label`` in French,
    Arabic and English for the planners."""

    name: ClassVar[str]

    @property
    @abstractmethod
    def label(self) -> dict[str, str]: ...

    @abstractmethod
    def references(self) -> tuple[str, ...]:
        """Slugs of the layers the rule reads."""

    @abstractmethod
    def problems(self, layer: Layer, known: dict[str, Layer]) -> list[str]:
        """Why the rule cannot apply to ``layer``, given the layers registered so far (``known``,
        by slug; a slug not in it yet is not a problem here, see ``layers.E001``)."""

    @abstractmethod
    def check_feature(self, layer: Layer, geom: GEOSGeometry, *, pk: int | None) -> None:
        """Raise :class:`RuleViolation` if ``geom`` (storage SRID), to be stored as feature
        ``pk`` (None: a new feature) of ``layer``, breaks the rule."""

    @abstractmethod
    def check_staged(self, staged: Staged) -> None:
        """Give their reason to the staged rows that break the rule."""

    def probes_rows(self, staged: Staged) -> bool:
        """Whether :meth:`check_staged` looks ``staged.rows`` up by their geometry, which then
        get a GiST index. No, unless a rule says so."""
        return False


@dataclass(frozen=True)
class NoOverlap(Rule):
    """A feature may not overlap the features of ``layers`` (slugs of polygon layers, its own
    among them or not) by more than ``tolerance_m2`` in all: the area of the union of its
    intersections with them. Features that share an edge do not overlap. A feature is never
    compared with itself (the stored row it replaces), and in an ingest the staged rows are
    compared with each other too: two that overlap are both refused, each naming the other."""

    layers: tuple[str, ...]
    tolerance_m2: float = 1.0

    name: ClassVar[str] = "no-overlap"

    @property
    def label(self) -> dict[str, str]:
        return _in_each_language(
            lambda: (
                _("May not overlap any feature of: %(layers)s (tolerance %(tolerance)s m²)")
                % {"layers": _titles(self.layers), "tolerance": _number(self.tolerance_m2)}
            )
        )

    def references(self) -> tuple[str, ...]:
        return self.layers

    def problems(self, layer: Layer, known: dict[str, Layer]) -> list[str]:
        out = []
        if not self.layers:
            out.append("no-overlap names no layer")
        if self.tolerance_m2 < 0:
            out.append("no-overlap: tolerance_m2 must be 0 or more")
        for other in [layer, *(known[s] for s in self.layers if s in known)]:
            if not _polygonal(other):
                out.append(
                    f"no-overlap compares areas; {other.slug!r} is a {other.geometry_type} layer"
                )
        return out

    def _tolerance(self) -> str:
        return _("(tolerance %(tolerance)s m²)") % {"tolerance": _number(self.tolerance_m2)}

    def _others(self) -> list[Layer]:
        return [_referenced(slug) for slug in self.layers]

    def check_feature(self, layer: Layer, geom: GEOSGeometry, *, pk: int | None) -> None:
        hits = []
        for order, other in enumerate(self._others()):
            same = other.slug == layer.slug
            pk_col = _pk(other, "t")
            hits.append(
                sql.SQL(
                    "SELECT ST_CollectionExtract(ST_Intersection(%(g)s, t.geom), 3) AS g, "
                    "{name} AS name, {order} AS layer_order, {pk} AS id "
                    "FROM {table} t WHERE t.geom && %(g)s "
                    "AND ST_Relate(%(g)s, t.geom, %(pattern)s){not_self}"
                ).format(
                    name=self._name(layer, other),
                    order=sql.Literal(order),
                    pk=pk_col,
                    table=sql.Identifier(other.table),
                    not_self=sql.SQL(" AND {} IS DISTINCT FROM %(pk)s").format(pk_col)
                    if same
                    else sql.SQL(""),
                )
            )
        query = sql.SQL(
            "WITH hit AS ({hits}), "
            "overlap AS (SELECT ST_Union(g) AS g, array_agg(name ORDER BY layer_order, id) AS names, "
            "count(*) AS n FROM hit) "
            "SELECT ST_Area(g), ST_AsGeoJSON(ST_Transform(g, %(api)s), {decimals}), names, n "
            "FROM overlap WHERE n > 0"
        ).format(hits=sql.SQL(" UNION ALL ").join(hits), decimals=sql.Literal(DECIMALS))
        params = {
            "g": _ewkb(geom),
            "pk": pk,
            "pattern": INTERIORS_OVERLAP,
            "api": gis_settings()["API_SRID"],
        }
        with connection.cursor() as cur:
            cur.execute(query, params)
            row = cur.fetchone()
        if row is None:
            return
        area, area_json, names, count = row
        if area is None or area <= self.tolerance_m2:
            return
        message = (
            _("overlaps %(names)s by %(area)s m² in all %(tolerance)s")
            if count > 1
            else _("overlaps %(names)s by %(area)s m² %(tolerance)s")
        )
        figures = {
            "names": _names(list(names), count),
            "area": _number(round(area, 1), decimals=1),
            "tolerance": self._tolerance(),
        }
        raise RuleViolation(
            message % figures,
            rule=self.name,
            area=json.loads(area_json),
        )

    def _stored(self, staged: Staged) -> list[tuple[int, Layer, sql.Composable]]:
        """The layers whose stored features the staged rows are compared with, as (order,
        layer, SQL true for a stored row the write keeps, alias ``t``): those holding any
        feature, but in a replace not the layer's own (none of its features stays)."""
        out = []
        for order, other in enumerate(self._others()):
            keep = staged.kept("t") if other.slug == staged.layer.slug else sql.SQL("true")
            if keep is None:
                continue
            table = sql.Identifier(other.table)
            staged.cur.execute(sql.SQL("SELECT EXISTS (SELECT FROM {})").format(table))
            if staged.cur.fetchone()[0]:
                out.append((order, other, keep))
        return out

    def probes_rows(self, staged: Staged) -> bool:
        """Yes when there are stored features to compare with: the join from them may probe
        the staged rows. Not in a layer's first load, nor in a replace of its own layer
        alone (the staged rows are compared with each other in memory)."""
        return bool(self._stored(staged))

    def check_staged(self, staged: Staged) -> None:
        layer = staged.layer
        hits = []
        for order, other, keep in self._stored(staged):
            # The candidates the write keeps first (OFFSET 0: the exact test is not pushed
            # under the cheap ones), then the exact test.
            hits.append(
                sql.SQL("""
                SELECT _fid, ST_CollectionExtract(ST_Intersection(sg, tg), 3), name, {order}, id
                FROM (SELECT s._fid, s.geom AS sg, t.geom AS tg, {name} AS name, {pk} AS id
                      FROM {rows} s JOIN {table} t ON t.geom && s.geom
                      WHERE s._checked AND {keep} OFFSET 0) candidate
                WHERE ST_Relate(sg, tg, %(pattern)s)""").format(
                    order=sql.Literal(order),
                    name=self._name(layer, other),
                    pk=_pk(other, "t"),
                    rows=staged.rows,
                    table=sql.Identifier(other.table),
                    keep=keep,
                )
            )
        pairs: sql.Composable = sql.SQL("")
        found = _overlapping_pairs(staged) if layer.slug in self.layers else None
        if found is not None:
            # Each overlapping pair of staged rows gives each checked row of the pair its hit.
            pairs = sql.SQL("""
              pair AS (
                SELECT s._fid AS x, b._fid AS y, b._checked AS y_checked,
                       {x_name} AS x_name, {y_name} AS y_name,
                       ST_CollectionExtract(ST_Intersection(s.geom, b.geom), 3) AS g
                FROM {found} p JOIN {rows} s ON s._fid = p.x JOIN {rows} b ON b._fid = p.y
              ),""").format(
                found=found, rows=staged.rows, x_name=staged.name("s"), y_name=staged.name("b")
            )
            last = sql.Literal(len(self.layers))  # after the stored features
            hits += [
                sql.SQL("SELECT x, g, y_name, {order}, y FROM pair").format(order=last),
                sql.SQL("SELECT y, g, x_name, {order}, x FROM pair WHERE y_checked").format(
                    order=last
                ),
            ]
        if not hits:
            return
        query = sql.SQL("""
            WITH {pairs}
            hit (_fid, g, name, layer_order, id) AS ({hits}),
            overlap AS (
              SELECT _fid, ST_Area(ST_Union(g)) AS area,
                     array_agg(name ORDER BY layer_order, id) AS names, count(*) AS n
              FROM hit GROUP BY _fid
            )
            UPDATE {stage} s SET _reason = format(
                CASE WHEN o.n > 1 THEN %(in_all)s ELSE %(one)s END,
                {names}, {area})
            FROM overlap o WHERE s._fid = o._fid AND o.area > %(tolerance_m2)s
        """).format(
            stage=staged.table,
            pairs=pairs,
            hits=sql.SQL(" UNION ALL ").join(hits),
            names=_names_sql("names", "n"),
            area=_number_sql(sql.SQL("o.area")),
        )
        staged.cur.execute(
            query,
            {
                "pattern": INTERIORS_OVERLAP,
                "in_all": sql_format(
                    _("overlaps other features %(tolerance)s: %(names)s by %(area)s m² in all"),
                    "names",
                    "area",
                    tolerance=self._tolerance(),
                ),
                "one": sql_format(
                    _("overlaps other features %(tolerance)s: %(names)s by %(area)s m²"),
                    "names",
                    "area",
                    tolerance=self._tolerance(),
                ),
                "tolerance_m2": self.tolerance_m2,
            },
        )
        if found is not None:
            staged.cur.execute(sql.SQL("DROP TABLE {}").format(found))

    def _name(self, layer: Layer, other: Layer) -> sql.Composable:
        """SQL naming a feature of ``other`` (row alias ``t``) in the messages of ``layer``'s
        rule: its label, followed by the layer's title when it is another layer."""
        name = _feature_name(other, "t")
        if other.slug == layer.slug:
            return name
        return sql.SQL("{} || ' (' || {} || ')'").format(
            name, sql.Literal(other.title(active_language()))
        )


@dataclass(frozen=True)
class Within(Rule):
    """A feature must lie inside the union of the features of ``layer`` (a polygon layer: the
    municipal boundary is the union of the arrondissements), to ``tolerance_m``: no point of it
    farther than that outside. The part at fault is the part outside the union.

    While ``layer`` has no features at all (a database where the boundaries are not loaded yet)
    the rule cannot be checked and is skipped: an empty boundary would otherwise refuse every
    feature of the layer."""

    layer: str
    tolerance_m: float = 0.5

    name: ClassVar[str] = "within"

    @property
    def label(self) -> dict[str, str]:
        return _in_each_language(
            lambda: (
                _("Must lie inside: %(layers)s (tolerance %(tolerance)s m)")
                % {"layers": _titles((self.layer,)), "tolerance": _number(self.tolerance_m)}
            )
        )

    def references(self) -> tuple[str, ...]:
        return (self.layer,)

    def problems(self, layer: Layer, known: dict[str, Layer]) -> list[str]:
        out = []
        if self.tolerance_m < 0:
            out.append("within: tolerance_m must be 0 or more")
        if self.layer == layer.slug:
            out.append("within: a layer cannot lie inside itself")
        boundary = known.get(self.layer)
        if boundary is not None and not _polygonal(boundary):
            out.append(
                f"within needs a polygon layer; {self.layer!r} is a {boundary.geometry_type} layer"
            )
        return out

    def _tolerance(self) -> str:
        return _("(tolerance %(tolerance)s m)") % {"tolerance": _number(self.tolerance_m)}

    def _by(self, boundary: Layer) -> sql.Composable:
        """SQL of how far ``outside`` (the part of a feature outside the union) is out: its area,
        its length (lines), or the distance to the nearest boundary feature (points)."""
        return sql.SQL(
            "CASE ST_Dimension(outside) "
            "WHEN 2 THEN format({area}, {by_area}) "
            "WHEN 1 THEN format({length}, {by_length}) "
            "ELSE format({distance}, {by_distance}) END"
        ).format(
            area=_pattern(_("%(value)s m²"), "value"),
            length=_pattern(_("%(value)s m of its length"), "value"),
            distance=_pattern(_("%(value)s m"), "value"),
            by_area=_number_sql(sql.SQL("ST_Area(outside)")),
            by_length=_number_sql(sql.SQL("ST_Length(outside)")),
            by_distance=_number_sql(
                sql.SQL(
                    "SELECT max((SELECT ST_Distance(b.geom, d.geom) FROM {} b "
                    "ORDER BY b.geom <-> d.geom LIMIT 1)) FROM ST_Dump(outside) d"
                ).format(sql.Identifier(boundary.table))
            ),
        )

    def check_feature(self, layer: Layer, geom: GEOSGeometry, *, pk: int | None) -> None:
        boundary = _referenced(self.layer)
        query = sql.SQL("""
            WITH near AS (
              SELECT ST_Union(b.geom) AS u FROM {table} b WHERE b.geom && ST_Expand(%(g)s, %(tol)s)
            ), part AS (
              SELECT u, CASE WHEN u IS NULL THEN %(g)s ELSE ST_Difference(%(g)s, u) END AS outside
              FROM near WHERE EXISTS (SELECT 1 FROM {table})
              AND (u IS NULL OR NOT ST_Covers(u, %(g)s))
            )
            SELECT {by}, ST_AsGeoJSON(ST_Transform(outside, %(api)s), {decimals})
            FROM part
            WHERE u IS NULL OR NOT ST_Covers(ST_Buffer(ST_Intersection(u,
                ST_Expand(ST_Envelope(%(g)s), 2 * %(tol)s)), %(tol)s), %(g)s)
        """).format(
            table=sql.Identifier(boundary.table),
            by=self._by(boundary),
            decimals=sql.Literal(DECIMALS),
        )
        params = {
            "g": _ewkb(geom),
            "tol": self.tolerance_m,
            "api": gis_settings()["API_SRID"],
        }
        with connection.cursor() as cur:
            cur.execute(query, params)
            row = cur.fetchone()
        if row is not None:
            raise RuleViolation(
                _("lies outside %(layer)s by %(by)s %(tolerance)s")
                % {
                    "layer": boundary.title(active_language()),
                    "by": row[0],
                    "tolerance": self._tolerance(),
                },
                rule=self.name,
                area=json.loads(row[1]),
            )

    def check_staged(self, staged: Staged) -> None:
        boundary = _referenced(self.layer)
        query = sql.SQL("""
            WITH city AS MATERIALIZED (SELECT ST_Union(geom) AS u FROM {table}),
            part AS (
              SELECT s._fid, ST_Difference(s.geom, city.u) AS outside
              FROM {rows} s, city
              WHERE city.u IS NOT NULL AND s._checked
              AND NOT ST_Covers(city.u, s.geom)
              AND NOT ST_Covers(ST_Buffer(ST_Intersection(city.u,
                  ST_Expand(ST_Envelope(s.geom), 2 * %(tol)s)), %(tol)s), s.geom)
            )
            UPDATE {stage} s SET _reason = format(%(outside)s, {by})
            FROM part WHERE s._fid = part._fid
        """).format(
            table=sql.Identifier(boundary.table),
            stage=staged.table,
            rows=staged.rows,
            by=self._by(boundary),
        )
        staged.cur.execute(
            query,
            {
                "tol": self.tolerance_m,
                "outside": sql_format(
                    _("lies outside %(layer)s %(tolerance)s by %(by)s"),
                    "by",
                    layer=boundary.title(active_language()),
                    tolerance=self._tolerance(),
                ),
            },
        )


def _ewkb(geom: GEOSGeometry) -> Any:
    """A GEOS geometry as a bound parameter PostGIS reads as ``geometry`` (EWKB, with its SRID)."""
    return bytes(geom.ewkb)


def check_feature(
    layer: Layer, geom: GEOSGeometry, *, pk: int | None, before: GEOSGeometry | None = None
) -> None:
    """Raise :class:`RuleViolation` for the first rule of ``layer`` that ``geom`` (storage SRID),
    to be stored as feature ``pk`` (None: a new one), breaks. ``before``: the geometry stored
    now; a write that leaves its shape as it is is not checked."""
    if not layer.options.rules or (before is not None and before.equals(geom)):
        return
    for rule in layer.options.rules:
        rule.check_feature(layer, geom, pk=pk)


def check_staged(
    cur: CursorWrapper, layer: Layer, stage: sql.Identifier, *, mode: str, key: str | None
) -> None:
    """Give their reason to the staged rows of an ingest into ``layer`` that break one of its
    rules (``mode``/``key``: what the write replaces; see :class:`Staged`). A row refused by
    one rule is not compared by the next: it will not be written."""
    if not layer.options.rules:
        return
    rows = sql.Identifier(f"ingest_rules_{uuid.uuid4().hex[:10]}")
    staged = Staged(cur, layer, stage, rows, mode, key)
    _stage_rows(cur, staged)
    # The rules refuse only the rows they check: an upsert that moves no geometry (a delivery
    # that changes attributes only) has nothing for them (for a million parcels, 5 s less).
    cur.execute(sql.SQL("SELECT EXISTS (SELECT FROM {} WHERE _checked)").format(rows))
    if not cur.fetchone()[0]:
        cur.execute(sql.SQL("DROP TABLE {}").format(rows))
        return
    if any(rule.probes_rows(staged) for rule in layer.options.rules):
        # The rows' GiST index and statistics, for the rules that look them up by geometry
        # (0.5 s for 200,000 parcels).
        cur.execute(sql.SQL("CREATE INDEX ON {} USING gist (geom)").format(rows))
        cur.execute(sql.SQL("ANALYZE {}").format(rows))
    for rule in layer.options.rules:
        rule.check_staged(staged)
        cur.execute(
            sql.SQL(
                "DELETE FROM {rows} r USING {stage} s WHERE s._fid = r._fid "
                "AND s._reason IS NOT NULL"
            ).format(rows=rows, stage=stage)
        )
    cur.execute(sql.SQL("DROP TABLE {}").format(rows))
