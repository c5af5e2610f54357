"""The synthetic city: every generated layer as a ``Table`` in the storage SRID, in load order.
Deterministic: one seed, one numpy generator, fixed order of draws."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from . import assets, names
from .frame import CityFrame
from .network import Network, build_network
from .planning import Area, build_reserved, build_servitudes, build_zones, zone_codes
from .regulations import CATEGORY, CURRENT_USE, REGULATION_NOTES, REGULATIONS
from .sizes import Size
from .tables import Table

Step = Callable[[str], None]


def _multi_lines(geoms: np.ndarray) -> np.ndarray:
    return np.array([shapely.MultiLineString([g]) for g in geoms], dtype=object)


def _multi_polygons(geoms) -> np.ndarray:
    out = []
    for g in geoms:
        out.append(g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]))
    return np.array(out, dtype=object)


def _dates(rng: np.random.Generator, n: int, start: dt.date, end: dt.date) -> list[dt.date]:
    days = rng.integers(0, (end - start).days, n)
    return [start + dt.timedelta(days=int(d)) for d in days]


def _owner(points: np.ndarray, areas: list[Area]) -> np.ndarray:
    """Index of the area holding each point (the nearest one for a point on no area)."""
    xy = shapely.get_coordinates(points)
    owner = np.full(len(xy), -1)
    for k, area in enumerate(areas):
        shapely.prepare(area.geom)
        free = np.flatnonzero(owner < 0)
        owner[free[shapely.contains_xy(area.geom, xy[free, 0], xy[free, 1])]] = k
    lost = np.flatnonzero(owner < 0)
    if len(lost):
        tree = shapely.STRtree(np.array([a.geom for a in areas], dtype=object))
        owner[lost] = tree.query_nearest(points[lost], all_matches=False)[1]
    return owner


@dataclass
class _City:
    """What every layer of the synthetic city is drawn from."""

    frame: CityFrame
    arrondissements: list[Area]
    prefectures: list[Area]
    size: Size
    rng: np.random.Generator
    codes: dict[tuple[int, int], str]
    net: Network

    def world(self, geoms: Any) -> Any:
        return self.frame.to_world(geoms)

    def boulevards(self) -> tuple[np.ndarray, np.ndarray]:
        lines = np.array([b[0] for b in self.net.boulevard_lines], dtype=object)
        return lines, np.array([b[1] for b in self.net.boulevard_lines])


@dataclass
class _Facilities:
    parcels: np.ndarray  # indexes of the public parcels that hold a facility
    kinds: np.ndarray  # index into names.FACILITY_KINDS
    points: np.ndarray  # a point on each parcel (local frame)
    addresses: list[str]


def generate_city(
    frame: CityFrame,
    arrondissements: list[Area],
    prefectures: list[Area],
    size: Size,
    seed: int,
    step: Step = lambda _: None,
) -> list[Table]:
    """Every generated layer, in load order (parents before children). ``step`` is told the
    name of each stage as it starts."""
    return list(iter_city(frame, arrondissements, prefectures, size, seed, step))


def iter_city(
    frame: CityFrame,
    arrondissements: list[Area],
    prefectures: list[Area],
    size: Size,
    seed: int,
    step: Step = lambda _: None,
) -> Iterator[Table]:
    """The generated layers one by one, in load order, each as soon as it is made: a loader
    can write one while the next is generated. The same seed gives the same tables."""
    rng = np.random.default_rng(seed)
    step("zoning grid")
    codes = zone_codes(frame, arrondissements, rng)
    step("streets, blocks and parcels")
    net = build_network(frame, size, codes, rng)
    c = _City(frame, arrondissements, prefectures, size, rng, codes, net)
    step("roads")
    yield from _checked(_roads(c))
    step("street lights and furniture")
    yield from _checked(_street_assets(c))
    step("parcels")
    parcels, facilities = _parcels(c)
    yield from _checked([parcels])
    step("green spaces and trees")
    yield from _checked(_greenery(c))
    step("zoning plan")
    yield from _checked(_planning(c, len(parcels)))
    step("facilities and citizen reports")
    yield from _checked([_facilities(c, facilities), _reports(c)])


def _checked(tables: list[Table]) -> list[Table]:
    for t in tables:
        t.check()
    return tables


def _roads(c: _City) -> list[Table]:
    """Road segments, and inspections that set their condition and last inspection date."""
    rng, size, net, world = c.rng, c.size, c.net, c.world
    roads = net.roads
    n_roads = len(roads)
    inspected = np.flatnonzero(rng.random(n_roads) < size.inspected_share)
    condition = rng.integers(25, 100, n_roads)
    last = np.full(n_roads, None, dtype=object)
    survey = dt.date(2021, 6, 15)
    last[:] = survey
    ins_rows: dict[str, list] = {
        k: [] for k in ("id", "segment_id", "date", "inspector", "score", "defects", "notes")
    }
    defects_all = ["pothole", "cracking", "rutting", "ravelling", "drainage", "marking", "kerb"]
    inspectors = [
        "Service voirie – Anfa",
        "Service voirie – Est",
        "Casa Aménagement",
        "Bureau d'études LPEE",
    ]
    for k in inspected:
        n = int(rng.integers(1, 4))
        dates = sorted(_dates(rng, n, dt.date(2023, 1, 1), dt.date(2026, 10, 1)))
        score = int(condition[k])
        for d in dates:
            score = int(np.clip(score + rng.integers(-12, 6), 0, 100))
            found = [x for x in defects_all if rng.random() < (100 - score) / 250]
            ins_rows["id"].append(len(ins_rows["id"]) + 1)
            ins_rows["segment_id"].append(int(k) + 1)
            ins_rows["date"].append(d)
            ins_rows["inspector"].append(inspectors[int(rng.integers(0, len(inspectors)))])
            ins_rows["score"].append(score)
            ins_rows["defects"].append(found)
            ins_rows["notes"].append("")
        condition[k] = score
        last[k] = dates[-1]
    segments = Table(
        "roads_roadsegment",
        {
            "id": np.arange(1, n_roads + 1),
            "name_fr": roads.name_fr,
            "name_ar": roads.name_ar,
            "road_class": roads.road_class,
            "surface": roads.surface,
            "width_m": roads.width_m,
            "lanes": roads.lanes,
            "one_way": roads.one_way,
            "manager": roads.manager,
            "condition_index": condition,
            "last_inspection": last.tolist(),
            "geom": _multi_lines(world(roads.geom)),
        },
    )
    return [segments, Table("roads_inspection", ins_rows)]


def _street_assets(c: _City) -> list[Table]:
    """Street lights along every road; bus shelters and bins along the boulevards, benches and
    fountains in the parks."""
    rng, net, world, roads = c.rng, c.net, c.world, c.net.roads
    bl_lines, bl_width = c.boulevards()
    lights, which = assets.along(roads.geom, c.size.light_spacing_m, roads.width_m / 2 - 1.0)
    ok = assets.inside(lights, net.fabric)
    lights, which = lights[ok], which[ok]
    n = len(lights)
    lamp = rng.choice(["led", "led", "led", "sodium", "metal_halide"], n)
    major = np.isin(
        np.array(roads.road_class, dtype=object)[which],
        ["motorway", "trunk", "primary", "secondary"],
    )
    lights_table = Table(
        "roads_streetlight",
        {
            "id": np.arange(1, n + 1),
            "lamp_type": lamp,
            "power_w": np.where(major, 150, np.where(lamp == "led", 60, 100)),
            "status": rng.choice(["working"] * 18 + ["faulty", "off"], n),
            "install_date": _dates(rng, n, dt.date(2005, 1, 1), dt.date(2026, 1, 1)),
            "geom": world(lights),
        },
    )
    shelters, _ = assets.along(bl_lines, 400.0, bl_width / 2 + 2.0)
    bins, _ = assets.along(bl_lines, 120.0, bl_width / 2 + 1.5)
    park_polys = [g for g, _ in net.parks] + [g for g, _ in net.gardens]
    benches = assets.scatter(park_polys, 4.0, rng)
    fountains = assets.scatter([g for g, _ in net.parks], 0.1, rng)
    furniture = np.concatenate([shelters, bins, benches, fountains])
    kinds = (
        ["bus_shelter"] * len(shelters)
        + ["bin"] * len(bins)
        + ["bench"] * len(benches)
        + ["fountain"] * len(fountains)
    )
    ok = assets.inside(furniture, net.fabric)
    furniture, kinds = furniture[ok], np.array(kinds, dtype=object)[ok]
    n = len(furniture)
    furniture_table = Table(
        "roads_streetfurniture",
        {
            "id": np.arange(1, n + 1),
            "kind": kinds,
            "status": rng.choice(["working"] * 18 + ["faulty", "removed"], n),
            "install_date": _dates(rng, n, dt.date(2010, 1, 1), dt.date(2026, 1, 1)),
            "geom": world(furniture),
        },
    )
    return [lights_table, furniture_table]


def _parcels(c: _City) -> tuple[Table, _Facilities]:
    """Parcels with their reference, land status, areas, use and address; some public parcels
    are chosen for the facilities."""
    rng, net, world, arrondissements = c.rng, c.net, c.world, c.arrondissements
    parcels = net.parcels
    n_parcels = len(parcels.geom)
    centres = shapely.point_on_surface(parcels.geom)
    arr = _owner(centres, arrondissements)
    status = rng.choice(
        ["titled", "requisition", "unregistered", "habous", "collective", "public_domain"],
        n_parcels,
        p=[0.72, 0.12, 0.07, 0.03, 0.02, 0.04],
    )
    n_fac = max(12, n_parcels // 150)
    fac_parcels = np.sort(rng.choice(n_parcels, size=min(n_fac, n_parcels), replace=False))
    status[fac_parcels] = "public_domain"
    tf_numbers = rng.permutation(n_parcels * 4)[:n_parcels] + 1000
    r_numbers = rng.permutation(n_parcels * 4)[:n_parcels] + 100
    suffix = rng.choice(["C", "C", "C", "D", "63", "47"], n_parcels)
    reference = []
    for k in range(n_parcels):
        s = status[k]
        if s in ("titled", "habous", "public_domain"):
            reference.append(f"TF {tf_numbers[k]}/{suffix[k]}")
        elif s == "requisition":
            reference.append(f"R {r_numbers[k]}/{suffix[k]}")
        else:
            reference.append(f"NI-{arrondissements[arr[k]].code}-{k + 1:06d}")
    area = shapely.area(parcels.geom)
    official = np.round(area * (1 + rng.normal(0, 0.01, n_parcels)))
    official_col = [
        None if s in ("unregistered", "collective") else float(a)
        for s, a in zip(status, official, strict=True)
    ]
    use_draw = rng.random(n_parcels)
    use = []
    for code, d in zip(parcels.zone_code, use_draw, strict=True):
        options = CURRENT_USE[CATEGORY[code]]
        use.append(options[int(d * len(options))])
    fac_kind = rng.integers(0, len(names.FACILITY_KINDS), len(fac_parcels))
    for k, fk in zip(fac_parcels, fac_kind, strict=True):
        use[k] = names.FACILITY_KINDS[fk][1].lower()
    address = [
        f"{num}, {street}, {arrondissements[a].name_fr}"
        for num, street, a in zip(parcels.number, parcels.street_fr, arr, strict=True)
    ]
    table = Table(
        "parcels_parcel",
        {
            "id": np.arange(1, n_parcels + 1),
            "reference": reference,
            "land_status": status,
            "official_area_m2": official_col,
            "current_use": use,
            "address": address,
            "geom": world(parcels.geom),
        },
    )
    return table, _Facilities(
        fac_parcels, fac_kind, centres[fac_parcels], [address[k] for k in fac_parcels]
    )


def _greenery(c: _City) -> list[Table]:
    """Parks, gardens, squares, sports grounds and tree alignments; trees along the boulevards
    and in the parks."""
    rng, net, world = c.rng, c.net, c.world
    bl_lines, bl_width = c.boulevards()
    g_geom, g_fr, g_ar, g_kind = [], [], [], []
    for geom, (fr, ar, kind) in net.parks:
        g_geom.append(geom)
        g_fr.append(fr)
        g_ar.append(ar)
        g_kind.append(kind)
    labels = {
        "garden": ("Jardin", "حديقة"),
        "square": ("Square", "ساحة"),
        "sports_ground": ("Terrain de sport", "ملعب"),
    }
    for n, (geom, kind) in enumerate(net.gardens):
        fr, ar = names.EPONYMS[n % len(names.EPONYMS)]
        g_geom.append(geom)
        g_fr.append(f"{labels[kind][0]} {fr}")
        g_ar.append(f"{labels[kind][1]} {ar}")
        g_kind.append(kind)
    for geom, _, fr, ar in net.boulevard_lines[:6]:
        strip = shapely.intersection(shapely.buffer(geom, 1.5, cap_style="flat"), net.fabric)
        if strip.area > 100:
            g_geom.append(strip)
            g_fr.append(f"Alignement d'arbres, {fr}")
            g_ar.append(f"صف الأشجار، {ar}")
            g_kind.append("tree_alignment")
    n = len(g_geom)
    spaces = Table(
        "greenspaces_greenspace",
        {
            "id": np.arange(1, n + 1),
            "name_fr": g_fr,
            "name_ar": g_ar,
            "kind": g_kind,
            "manager": ["Commune de Casablanca"] * n,
            "irrigation": rng.choice(["sprinkler", "drip", "manual", "none"], n),
            "public_access": [k != "sports_ground" for k in g_kind],
            "opening_hours": [
                "Mo-Su 08:00-20:00" if k in ("park", "garden") else "" for k in g_kind
            ],
            "geom": _multi_polygons(world(np.array(g_geom, dtype=object))),
        },
    )
    trees, _ = assets.along(bl_lines, c.size.tree_spacing_m, bl_width / 2 - 2.0)
    park_trees = assets.scatter([g for g, _ in net.parks], 60.0, rng)
    trees = np.concatenate([trees, park_trees])
    trees = trees[assets.inside(trees, net.fabric)]
    n = len(trees)
    tree_table = Table(
        "greenspaces_tree",
        {
            "id": np.arange(1, n + 1),
            "species": rng.choice(names.TREE_SPECIES, n),
            "height_m": np.round(rng.uniform(3, 18, n), 1),
            "planted_year": rng.integers(1950, 2025, n),
            "condition": rng.choice(["good"] * 6 + ["fair"] * 3 + ["poor", "dead"], n),
            "geom": world(trees),
        },
    )
    return [spaces, tree_table]


def _planning(c: _City, n_parcels: int) -> list[Table]:
    """One plan d'aménagement per préfecture with the whole set of regulations, its zones,
    the servitudes and the reserved land."""
    rng, net, world, frame, prefectures = c.rng, c.net, c.world, c.frame, c.prefectures
    tables: list[Table] = []
    docs = Table(
        "zoning_planningdocument",
        {
            "id": [p.id for p in prefectures],
            "name": [
                f"Plan d'aménagement de la préfecture d'arrondissements {p.name_fr}"
                for p in prefectures
            ],
            "reference": [f"PA-{p.code}" for p in prefectures],
            "approval_date": [
                dt.date(2015 + k % 7, 3 + k % 9, 10 + k) for k in range(len(prefectures))
            ],
            "decree": [f"Décret n° 2-{15 + k % 7}-{300 + 17 * k}" for k in range(len(prefectures))],
            "status": ["in_force"] * len(prefectures),
            "geom": _multi_polygons(world(np.array([p.geom for p in prefectures], dtype=object))),
        },
    )
    tables.append(docs)
    reg_cols: dict[str, list] = {"id": [], "document_id": []}
    reg_id: dict[tuple[int, str], int] = {}
    for p in prefectures:
        for r in REGULATIONS:
            rid = len(reg_cols["id"]) + 1
            reg_id[(p.id, r["code"])] = rid
            reg_cols["id"].append(rid)
            reg_cols["document_id"].append(p.id)
            for key, value in {**REGULATION_NOTES, **r}.items():
                reg_cols.setdefault(key, []).append(value)
    tables.append(Table("zoning_zoneregulation", reg_cols))
    zoning = build_zones(frame, prefectures, c.codes, [g for g, _ in net.parks])
    n = len(zoning.geom)
    labels_by_code = {r["code"]: r for r in REGULATIONS}
    regulation_ids = [
        reg_id[(prefectures[p].id, c)] for p, c in zip(zoning.prefecture, zoning.code, strict=True)
    ]
    zones = Table(
        "zoning_zone",
        {
            "id": np.arange(1, n + 1),
            "regulation_id": regulation_ids,
            "code": zoning.code,
            "label_fr": [labels_by_code[c]["label_fr"] for c in zoning.code],
            "label_ar": [labels_by_code[c]["label_ar"] for c in zoning.code],
            "label_en": [labels_by_code[c]["label_en"] for c in zoning.code],
            "category": [CATEGORY[c] for c in zoning.code],
            "geom": world(zoning.geom),
        },
    )
    tables.append(zones)
    serv = build_servitudes(frame, shapely.Point(0, 0).buffer(1100.0), net.railway)
    n = len(serv.geom)
    servitudes = Table(
        "zoning_servitude",
        {
            "id": np.arange(1, n + 1),
            "kind": serv.kind,
            "label": serv.label,
            "label_ar": serv.label_ar,
            "label_en": serv.label_en,
            "legal_reference": serv.legal_reference,
            "effect": serv.effect,
            "effect_ar": serv.effect_ar,
            "effect_en": serv.effect_en,
            "width_m": serv.width_m,
            "geom": world(np.array(serv.geom, dtype=object)),
        },
    )
    tables.append(servitudes)
    reserved = build_reserved(frame, net.blocks, max(7, min(n_parcels // 400, 600)), rng)
    n = len(reserved.geom)
    r_geom = np.array(reserved.geom, dtype=object)
    doc_of: np.ndarray | list[int] = (
        _owner(shapely.point_on_surface(r_geom), prefectures) if n else []
    )
    reserved_table = Table(
        "zoning_reservedland",
        {
            "id": np.arange(1, n + 1),
            "kind": reserved.kind,
            "label": reserved.label,
            "label_ar": reserved.label_ar,
            "label_en": reserved.label_en,
            "reference": reserved.reference,
            "road_width_m": reserved.road_width_m,
            "document_id": [prefectures[d].id for d in doc_of],
            "geom": world(r_geom),
        },
    )
    tables.append(reserved_table)

    return tables


def _facilities(c: _City, fac: _Facilities) -> Table:
    fac_parcels, fac_kind = fac.parcels, fac.kinds
    n = len(fac_parcels)
    fr_names, ar_names, kinds, hours = [], [], [], []
    for j, (k, fk) in enumerate(zip(fac_parcels, fac_kind, strict=True)):
        kind, prefix_fr, prefix_ar, opening = names.FACILITY_KINDS[fk]
        ep_fr, ep_ar = names.EPONYMS[(j * 7 + int(k)) % len(names.EPONYMS)]
        fr_names.append(f"{prefix_fr} {ep_fr}")
        ar_names.append(f"{prefix_ar} {ep_ar}")
        kinds.append(kind)
        hours.append(opening)
    return Table(
        "facilities_facility",
        {
            "id": np.arange(1, n + 1),
            "kind": kinds,
            "name_fr": fr_names,
            "name_ar": ar_names,
            "address": fac.addresses,
            "opening_hours": hours,
            "geom": c.world(fac.points),
        },
    )


def _reports(c: _City) -> Table:
    """A few citizen reports a few metres from random road segments."""
    rng, size, roads, world = c.rng, c.size, c.net.roads, c.world
    n_roads = len(roads)
    n = min(size.reports, n_roads)
    seg = np.sort(rng.choice(n_roads, size=n, replace=False))
    pts = shapely.line_interpolate_point(roads.geom[seg], rng.uniform(0.1, 0.9, n), normalized=True)
    kind = rng.choice(list(names.REPORT_TEXTS), n)
    status = rng.choice(
        ["new", "acknowledged", "in_progress", "resolved", "rejected"],
        n,
        p=[0.35, 0.2, 0.2, 0.2, 0.05],
    )
    reported = [
        dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC) + dt.timedelta(minutes=int(m))
        for m in rng.integers(0, 300 * 24 * 60, n)
    ]
    resolved = [
        r + dt.timedelta(days=9) if s == "resolved" else None
        for r, s in zip(reported, status, strict=True)
    ]
    return Table(
        "facilities_citizenreport",
        {
            "id": np.arange(1, n + 1),
            "kind": kind,
            "description": [names.REPORT_TEXTS[k] for k in kind],
            "status": status,
            "reported_at": reported,
            "resolved_at": resolved,
            "reporter_contact": [""] * n,
            "geom": world(pts),
        },
    )
