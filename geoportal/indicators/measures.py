"""The SQL that measures each arrondissement from the layers, and the indicators computed from
those measures, in one statement.

``measure_query`` gives one row per arrondissement and one for the city (``id`` NULL), with the
measures (population, areas, lengths, counts) and then one column per indicator, named by its
key. The city's measures are the sums of the arrondissements', so its ratios weigh each
arrondissement by its size. Table and column names are quoted identifiers; values (distances,
choices) are bound parameters, or literals in the view's DDL (``literal=True``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import sql

from geoportal.indicators.definitions import (
    GRADES,
    OPEN_REPORT_STATUSES,
    WALK_DISTANCE_M,
    Indicator,
)
from layers.boundaries.models import Arrondissement
from layers.facilities.models import CitizenReport, Facility
from layers.greenspaces.models import GreenSpace, Tree
from layers.parcels.models import LandStatus, Parcel
from layers.roads.models import AssetStatus, RoadSegment, StreetLight
from layers.zoning.models import ReservedLand


def _table(model: type) -> sql.Identifier:
    return sql.Identifier(model._meta.db_table)  # type: ignore[attr-defined]


class _Params:
    """Collects values as named placeholders (``%(v0)s``) or, for DDL, as literals."""

    def __init__(self, literal: bool) -> None:
        self.literal = literal
        self.values: dict[str, Any] = {}

    def __call__(self, value: Any) -> sql.Composable:
        if self.literal:
            return sql.Literal(value)
        name = f"v{len(self.values)}"
        self.values[name] = value
        return sql.Placeholder(name)


def _by_choice(
    p: _Params, aggregate: str, value: str, column: str, choices: Sequence[str], prefix: str
) -> list[sql.Composable]:
    """``<aggregate>(<value>) FILTER (WHERE <column> = <choice>) AS <prefix><choice>`` each."""
    return [
        sql.SQL("coalesce({agg}({value}) FILTER (WHERE {col} = {choice}), 0) AS {name}").format(
            agg=sql.SQL(aggregate),
            value=sql.SQL(value),
            col=sql.SQL(column),
            choice=p(choice),
            name=sql.Identifier(f"{prefix}{choice.lower()}"),
        )
        for choice in choices
    ]


MEASURE_PREFIX = "m_"  # measures are output as m_<name>: an indicator may share a name


def measure_columns() -> list[str]:
    """The measure columns, in order (after ``id, code, name_fr, name_ar``)."""
    return [
        "population",
        "area_m2",
        "green_m2",
        "green_near_m2",
        "trees",
        "road_m",
        *(f"road_m_{g.lower()}" for g in GRADES),
        "lights",
        *(f"parcels_n_{s.value}" for s in LandStatus),
        *(f"parcels_m2_{s.value}" for s in LandStatus),
        "reserved_m2",
        *(f"reserved_m2_{k.value}" for k in ReservedLand.Kind),
        "facilities",
        *(f"facilities_{k.value}" for k in Facility.Kind),
        "open_reports",
    ]


def measure_query(
    indicators: Sequence[Indicator], *, literal: bool = False, with_city: bool = True
) -> tuple[sql.Composed, dict[str, Any]]:
    """The statement and its parameters: ``id, code, name_fr, name_ar``, the measures (as
    ``m_<name>``), then
    ``indicators`` by key; with ``with_city`` a last row for the whole city (``id`` NULL)."""
    p = _Params(literal)
    walk = p(WALK_DISTANCE_M)
    walk2 = p(WALK_DISTANCE_M)
    parts: dict[str, sql.Composable] = {
        "arr": _table(Arrondissement),
        "green": _table(GreenSpace),
        "tree": _table(Tree),
        "road": _table(RoadSegment),
        "light": _table(StreetLight),
        "parcel": _table(Parcel),
        "reserved": _table(ReservedLand),
        "facility": _table(Facility),
        "report": _table(CitizenReport),
        "walk": walk,
        "walk2": walk2,
        "dead": p("dead"),
        "removed": p(AssetStatus.REMOVED.value),
        "open": sql.SQL(", ").join(p(s) for s in OPEN_REPORT_STATUSES),
        "road_grades": sql.SQL(", ").join(_by_choice(p, "sum", "len", "grade", GRADES, "road_m_")),
        "parcel_counts": sql.SQL(", ").join(
            _by_choice(
                p, "count", "*", "p.land_status", [s.value for s in LandStatus], "parcels_n_"
            )
        ),
        "parcel_areas": sql.SQL(", ").join(
            _by_choice(
                p,
                "sum",
                "p.computed_area_m2",
                "p.land_status",
                [s.value for s in LandStatus],
                "parcels_m2_",
            )
        ),
        "reserved_kinds": sql.SQL(", ").join(
            _by_choice(
                p, "sum", "r.area", "r.kind", [k.value for k in ReservedLand.Kind], "reserved_m2_"
            )
        ),
        "facility_kinds": sql.SQL(", ").join(
            _by_choice(p, "count", "*", "f.kind", [k.value for k in Facility.Kind], "facilities_")
        ),
    }
    columns = measure_columns()
    coalesced = sql.SQL(", ").join(
        sql.SQL("coalesce({c}, 0)::float8 AS {c}").format(c=sql.Identifier(c))
        for c in columns
        if c not in ("population", "area_m2")
    )
    summed = sql.SQL(", ").join(
        sql.SQL("sum({c}) AS {c}").format(c=sql.Identifier(c)) for c in columns
    )
    plain = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    prefixed = sql.SQL(", ").join(
        sql.SQL("{} AS {}").format(sql.Identifier(c), sql.Identifier(MEASURE_PREFIX + c))
        for c in columns
    )
    computed = sql.SQL("").join(
        sql.SQL(", ({}) AS {}").format(sql.SQL(ind.expression), sql.Identifier(ind.key))
        for ind in indicators
    )
    city = sql.SQL(" UNION ALL SELECT NULL::bigint, '', '', '', {summed} FROM measures").format(
        summed=summed
    )
    statement = sql.SQL(MEASURES_SQL).format(
        **parts,
        coalesced=coalesced,
        plain=plain,
        prefixed=prefixed,
        computed=computed,
        city=city if with_city else sql.SQL(""),
    )
    return statement, p.values


# Each part joins on the index (``&&`` through ST_Intersects / ST_DWithin); a feature crossing a
# boundary counts by its clipped part (areas, lengths), by the point it stands on (points), or
# by a point inside it (parcels, which are counted whole in one arrondissement).
MEASURES_SQL = """
WITH arr AS (
  SELECT a.id, a.code, a.name_fr, a.name_ar, a.population_2024::float8 AS population,
         ST_Area(a.geom) AS area_m2, a.geom
    FROM {arr} a
), green AS (
  SELECT a.id, sum(CASE WHEN ST_CoveredBy(g.geom, a.geom) THEN ST_Area(g.geom)
                        ELSE ST_Area(ST_Intersection(g.geom, a.geom)) END) AS green_m2
    FROM arr a JOIN {green} g ON ST_Intersects(g.geom, a.geom)
   WHERE g.public_access
   GROUP BY a.id
), green_near AS (
  SELECT a.id, ST_Area(ST_Intersection(a.geom, n.zone)) AS green_near_m2
    FROM arr a
   CROSS JOIN LATERAL (
     SELECT ST_Union(ST_Buffer(g.geom, {walk}, 'quad_segs=16')) AS zone
       FROM {green} g
      WHERE g.public_access AND ST_DWithin(g.geom, a.geom, {walk2})
   ) n
), trees AS (
  SELECT a.id, count(*) AS trees
    FROM arr a JOIN {tree} t ON ST_Intersects(t.geom, a.geom)
   WHERE t.condition <> {dead}
   GROUP BY a.id
), roads AS (
  SELECT a.id, sum(len) AS road_m, {road_grades}
    FROM arr a
    JOIN LATERAL (
      SELECT r.condition_grade AS grade,
             CASE WHEN ST_CoveredBy(r.geom, a.geom) THEN ST_Length(r.geom)
                  ELSE ST_Length(ST_Intersection(r.geom, a.geom)) END AS len
        FROM {road} r
       WHERE ST_Intersects(r.geom, a.geom)
      OFFSET 0  -- measured here, beside its arrondissement: after the grouping's sort, each row
                -- would carry a copy of the polygon (150 MB sorted on disk, 2 s more on large)
    ) r ON true
   GROUP BY a.id
), lights AS (
  SELECT a.id, count(*) AS lights
    FROM arr a JOIN {light} l ON ST_Intersects(l.geom, a.geom)
   WHERE l.status <> {removed}
   GROUP BY a.id
), parcels AS (
  SELECT a.id, {parcel_counts}, {parcel_areas}
    FROM arr a JOIN {parcel} p ON p.geom && a.geom AND ST_Intersects(a.geom, ST_PointOnSurface(p.geom))
   GROUP BY a.id
), reserved AS (
  SELECT a.id, sum(r.area) AS reserved_m2, {reserved_kinds}
    FROM arr a
    JOIN LATERAL (
      SELECT s.kind, CASE WHEN ST_CoveredBy(s.geom, a.geom) THEN ST_Area(s.geom)
                          ELSE ST_Area(ST_Intersection(s.geom, a.geom)) END AS area
        FROM {reserved} s
       WHERE ST_Intersects(s.geom, a.geom)
    ) r ON true
   GROUP BY a.id
), facilities AS (
  SELECT a.id, count(*) AS facilities, {facility_kinds}
    FROM arr a JOIN {facility} f ON ST_Intersects(f.geom, a.geom)
   GROUP BY a.id
), reports AS (
  SELECT a.id, count(*) AS open_reports
    FROM arr a JOIN {report} c ON ST_Intersects(c.geom, a.geom)
   WHERE c.status IN ({open})
   GROUP BY a.id
), measures AS (
  SELECT arr.id, arr.code, arr.name_fr, arr.name_ar, arr.population, arr.area_m2, {coalesced}
    FROM arr
    LEFT JOIN green USING (id) LEFT JOIN green_near USING (id) LEFT JOIN trees USING (id)
    LEFT JOIN roads USING (id) LEFT JOIN lights USING (id) LEFT JOIN parcels USING (id)
    LEFT JOIN reserved USING (id) LEFT JOIN facilities USING (id) LEFT JOIN reports USING (id)
), rows AS (
  SELECT id, code, name_fr, name_ar, {plain} FROM measures{city}
)
SELECT id, code, name_fr, name_ar, {prefixed}{computed} FROM rows ORDER BY id NULLS LAST
"""
