"""Streets, blocks and parcels of the demo city, in the local frame (see ``frame.py``).

The grid is axis-aligned in the local frame, so blocks and parcels are built as numpy arrays of
rectangles; only the blocks that touch the city's edge, a named boulevard, the railway or a park are
cut with shapely (vectorised)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from . import names
from .frame import CityFrame
from .regulations import CATEGORY, FRONTAGE
from .sizes import BOULEVARD_PITCH_M, ZONE_PITCH_M, Size


@dataclass
class Roads:
    geom: np.ndarray  # LineStrings
    name_fr: list[str]
    name_ar: list[str]
    road_class: list[str]
    width_m: np.ndarray
    lanes: list[int]
    one_way: list[bool]
    manager: list[str]
    surface: list[str]

    def __len__(self) -> int:
        return len(self.geom)


@dataclass
class Parcels:
    geom: np.ndarray  # Polygons or MultiPolygons
    zone_code: list[str]
    street_fr: list[str]
    number: np.ndarray


@dataclass
class Network:
    fabric: BaseGeometry  # where the grid is drawn (the city, or its centre for the small size)
    roads: Roads
    boulevard_lines: list[tuple[BaseGeometry, float, str, str]]  # tree-lined: (line, width, fr, ar)
    parcels: Parcels
    parks: list[tuple[BaseGeometry, tuple[str, str, str]]]
    gardens: list[tuple[BaseGeometry, str]]
    railway: BaseGeometry
    blocks: np.ndarray  # the blocks' polygons (parcels are cut from them)


def to_multipolygons(parts: np.ndarray, index: np.ndarray, n: int) -> np.ndarray:
    """Group polygon ``parts`` into ``n`` MultiPolygons by ``index`` (None where none)."""
    multi = np.full(n, None, dtype=object)
    if len(parts):
        used, inverse = np.unique(index, return_inverse=True)
        multi[used] = shapely.multipolygons(parts, indices=inverse)
    return multi


def _grid_names(count: int, offset: int, kind: str) -> list[tuple[str, str]]:
    out = []
    for k in range(count):
        if kind == "boulevard":
            out.append(names.BOULEVARDS[(k + offset) % len(names.BOULEVARDS)])
        elif kind == "avenue":
            fr, ar = names.EPONYMS[(k + offset) % len(names.EPONYMS)]
            out.append((f"Avenue {fr}", f"شارع {ar}"))
        elif k + offset < len(names.STREETS):
            out.append(names.STREETS[k + offset])
        else:
            n = k + offset - len(names.STREETS) + 1
            out.append((f"Rue {n}", f"زنقة {n}"))
    return out


class _Lines:
    """The grid lines in one direction: position, width, class and name of each."""

    def __init__(self, first: int, last: int, pitch: float, name_offset: int) -> None:
        self.index = np.arange(first, last + 1)
        self.pos = self.index * pitch
        every = max(1, round(BOULEVARD_PITCH_M / pitch))
        boulevard = self.index % every == 0
        avenue = ~boulevard & (self.index % max(1, every // 2) == 0)
        self.width = np.where(boulevard, 30.0, np.where(avenue, 20.0, 12.0))
        self.kind = np.where(boulevard, "boulevard", np.where(avenue, "avenue", "rue"))
        self.names: list[tuple[str, str]] = [("", "")] * len(self.index)
        for kind in ("boulevard", "avenue", "rue"):
            where = np.flatnonzero(self.kind == kind)
            for k, nm in zip(where, _grid_names(len(where), name_offset, kind), strict=True):
                self.names[k] = nm


def _inside(region: BaseGeometry, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return shapely.contains_xy(region, u, v)


def _special_roads(frame: CityFrame, region: BaseGeometry) -> list[dict]:
    """Named boulevards, the coast roads and the urban motorway, as lines clipped to ``region``."""
    out: list[dict] = []
    for fr, ar, bearing, length in names.RADIALS:
        dx, dy = frame.direction(bearing)
        line = shapely.LineString([(dx * 40, dy * 40), (dx * length, dy * length)])
        out.append({"line": line, "fr": fr, "ar": ar, "cls": "primary", "width": 36.0, "lanes": 6})
    for fr, ar, radius in names.RINGS:
        ring = shapely.Point(0, 0).buffer(radius, quad_segs=64).exterior
        cls = "trunk" if radius > 6000 else "primary"
        out.append({"line": ring, "fr": fr, "ar": ar, "cls": cls, "width": 40.0, "lanes": 6})
    motorway = shapely.LineString(
        [(-13000, -1600), (-5000, -3700), (2500, -4300), (9000, -3000), (15500, -1300)]
    )
    out.append(
        {
            "line": motorway,
            "fr": names.MOTORWAY[0],
            "ar": names.MOTORWAY[1],
            "cls": "motorway",
            "width": 40.0,
            "lanes": 6,
            "manager": "Autoroutes du Maroc",
        }
    )
    coast = _coast_profile(frame)
    if coast is not None:
        u, v = coast
        for (fr, ar), keep in (
            (names.CORNICHE, u < -1200),
            (names.COAST_ROAD_EAST, u > 3800),
        ):
            if keep.sum() >= 2:
                line = shapely.LineString(np.column_stack([u[keep], v[keep] - 150.0]))
                out.append(
                    {"line": line, "fr": fr, "ar": ar, "cls": "primary", "width": 30.0, "lanes": 4}
                )
    for road in out:
        road["line"] = shapely.intersection(road["line"], region)
    return [r for r in out if not r["line"].is_empty]


def _coast_profile(frame: CityFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """The coastline smoothed as a function of ``u`` (jetties and capes removed): a rolling median
    of the most seaward point in 100 m bins."""
    xy = shapely.get_coordinates(shapely.segmentize(frame.coast, 25.0))
    if len(xy) < 10:
        return None
    lo, hi = xy[:, 0].min() + 300.0, xy[:, 0].max() - 300.0
    edges = np.arange(lo, hi, 100.0)
    which = np.digitize(xy[:, 0], edges) - 1
    v = np.full(len(edges), np.nan)
    ok = (which >= 0) & (which < len(edges))
    np.fmax.at(v, which[ok], xy[ok, 1])
    centres = edges + 50.0
    have = ~np.isnan(v)
    v = np.interp(centres, centres[have], v[have])
    half = 7
    padded = np.pad(v, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    return centres, np.median(windows, axis=1)


GARDEN_KINDS = ["garden", "square", "sports_ground", "garden", "square"]

RAILWAY_LINES = [
    # Casa-Port to Aïn Sebaâ and on to Mohammedia, and the line south through Casa-Voyageurs.
    [(600, 250), (2000, -300), (3200, -900), (7000, -1200), (12000, -1500), (16000, -1300)],
    [(3200, -900), (2600, -2500), (2000, -5000), (1200, -12000)],
]


def build_network(
    frame: CityFrame,
    size: Size,
    zone_code_of_cell: dict[tuple[int, int], str],
    rng: np.random.Generator,
) -> Network:
    city = frame.city
    fabric = city
    if size.window is not None:
        fabric = shapely.intersection(city, shapely.box(*size.window))
    umin, vmin, umax, vmax = fabric.bounds
    bu, bv = size.block_u, size.block_v
    cols = _Lines(int(np.floor(umin / bu)), int(np.ceil(umax / bu)), bu, 0)  # constant u
    rows = _Lines(int(np.floor(vmin / bv)), int(np.ceil(vmax / bv)), bv, 7)  # constant v

    specials = _special_roads(frame, fabric)
    railway = shapely.intersection(shapely.MultiLineString(RAILWAY_LINES), city)
    cut = shapely.union_all(
        [shapely.buffer(r["line"], r["width"] / 2, cap_style="flat") for r in specials]
        + [shapely.buffer(railway, 12.0, cap_style="flat")]
    )

    # Parks snapped to the grid (edges on street centre lines, then set back by half a street).
    parks = []
    park_cells = []
    for fr, ar, kind, pu, pv, w, d in names.PARKS:
        i0, i1 = (
            round((pu - w / 2) / bu),
            max(round((pu + w / 2) / bu), round((pu - w / 2) / bu) + 1),
        )
        j0, j1 = (
            round((pv - d / 2) / bv),
            max(round((pv + d / 2) / bv), round((pv - d / 2) / bv) + 1),
        )
        park_cells.append((i0, i1, j0, j1))
        box = shapely.box(i0 * bu + 10, j0 * bv + 10, i1 * bu - 10, j1 * bv - 10)
        geom = shapely.difference(shapely.intersection(box, fabric), cut)
        if geom.area > 1000.0:
            parks.append((geom, (fr, ar, kind)))

    # Blocks: one per grid cell, set back by half the width of each street around it.
    ii: np.ndarray
    jj: np.ndarray
    u0: np.ndarray
    u1: np.ndarray
    v0: np.ndarray
    v1: np.ndarray
    gi: np.ndarray
    gj: np.ndarray
    cu: np.ndarray
    cv: np.ndarray
    simple: np.ndarray
    blocks: np.ndarray
    ii, jj = np.meshgrid(np.arange(len(cols.pos) - 1), np.arange(len(rows.pos) - 1), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    u0 = cols.pos[ii] + cols.width[ii] / 2
    u1 = cols.pos[ii + 1] - cols.width[ii + 1] / 2
    v0 = rows.pos[jj] + rows.width[jj] / 2
    v1 = rows.pos[jj + 1] - rows.width[jj + 1] / 2
    gi, gj = cols.index[ii], rows.index[jj]
    in_park = np.zeros(len(ii), dtype=bool)
    for i0, i1, j0, j1 in park_cells:
        in_park |= (gi >= i0) & (gi < i1) & (gj >= j0) & (gj < j1)
    cu, cv = (u0 + u1) / 2, (v0 + v1) / 2
    # Prepared (an index of their edges), the two shapes answer the blocks' predicates in a
    # fraction of the time; the answers are the same.
    shapely.prepare(fabric)
    shapely.prepare(cut)
    keep = ~in_park & shapely.intersects(fabric, shapely.box(u0, v0, u1, v1))
    ii, jj, u0, u1, v0, v1, gi, gj, cu, cv = (
        a[keep] for a in (ii, jj, u0, u1, v0, v1, gi, gj, cu, cv)
    )
    rects = shapely.box(u0, v0, u1, v1)
    simple = shapely.contains_properly(fabric, rects) & ~shapely.intersects(cut, rects)
    blocks = rects.copy()
    hard = np.flatnonzero(~simple)
    if len(hard):
        blocks[hard] = shapely.difference(shapely.intersection(rects[hard], fabric), cut)

    # A few blocks become gardens, squares and sports grounds instead of being cut into parcels.
    green = simple & (rng.random(len(rects)) < 0.025)
    gardens = [
        (blocks[k], GARDEN_KINDS[n % len(GARDEN_KINDS)])
        for n, k in enumerate(np.flatnonzero(green))
    ]
    built = ~green
    ii, jj, u0, u1, v0, v1, cu, cv, simple, blocks = (
        a[built] for a in (ii, jj, u0, u1, v0, v1, cu, cv, simple, blocks)
    )

    zone_i = np.floor(cu / ZONE_PITCH_M).astype(int)
    zone_j = np.floor(cv / ZONE_PITCH_M).astype(int)
    codes = np.array(
        [zone_code_of_cell.get((a, b), "R+4") for a, b in zip(zone_i, zone_j, strict=True)]
    )
    factor = np.array([FRONTAGE[CATEGORY[c]] for c in codes])
    width, depth = u1 - u0, v1 - v0
    frontage = size.frontage_m * factor * rng.uniform(0.85, 1.15, len(codes))
    ncol = np.maximum(1, np.round(width / frontage)).astype(int)
    # Large lots (villas, industry, hotels, equipment) are at most two deep.
    max_rows = np.where(factor >= 2.0, 2, 3)
    nrow = np.clip(np.floor(depth / (size.min_depth_m * np.maximum(1.0, factor / 2))), 1, max_rows)
    nrow = nrow.astype(int)
    per_block = ncol * nrow
    block_of = np.repeat(np.arange(len(ncol)), per_block)
    start = np.repeat(np.cumsum(per_block) - per_block, per_block)
    t = np.arange(len(block_of)) - start
    col, row = t // nrow[block_of], t % nrow[block_of]
    cw = width[block_of] / ncol[block_of]
    rh = depth[block_of] / nrow[block_of]
    pu0 = u0[block_of] + col * cw
    pv0 = v0[block_of] + row * rh
    pieces = shapely.box(pu0, pv0, pu0 + cw, pv0 + rh)
    cut_blocks = ~simple[block_of]
    idx = np.flatnonzero(cut_blocks)
    if len(idx):
        pieces[idx] = shapely.intersection(pieces[idx], blocks[block_of[idx]])
    # Keep the polygonal part of every piece, drop slivers.
    parts, part_of = shapely.get_parts(pieces, return_index=True)
    polygonal = shapely.get_type_id(parts) == 3
    parts, part_of = parts[polygonal], part_of[polygonal]
    big = shapely.area(parts) >= 1.0
    parts, part_of = parts[big], part_of[big]
    multi = to_multipolygons(parts, part_of, len(pieces))
    area = shapely.area(multi)
    ok = np.flatnonzero(np.nan_to_num(area) >= 40.0)
    bad = ok[~shapely.is_valid(multi[ok])]
    if len(bad):
        multi[bad] = shapely.make_valid(multi[bad])
    ok = ok[shapely.get_type_id(multi[ok]) == 6]

    # Addresses: the lower half of the rows fronts the street below the block, the rest the one above.
    b = block_of[ok]
    lower = 2 * row[ok] < nrow[b]
    front_row = np.where(lower, jj[b], jj[b] + 1)
    street = [rows.names[k][0] for k in front_row]
    side = np.where(lower, 1, 2)
    number = (np.floor((pu0[ok] - umin) / 8.0) * 2 + side).astype(int)
    parcels = Parcels(geom=multi[ok], zone_code=codes[b].tolist(), street_fr=street, number=number)

    roads = _grid_roads(fabric, cols, rows, parks, rng)
    roads = _append_specials(roads, specials)
    boulevards = [
        (r["line"], r["width"], r["fr"], r["ar"]) for r in specials if r["cls"] != "motorway"
    ]
    for lines, horizontal in ((cols, False), (rows, True)):
        for k in np.flatnonzero(lines.kind == "boulevard"):
            p = lines.pos[k]
            seg: BaseGeometry = (
                shapely.LineString([(umin, p), (umax, p)])
                if horizontal
                else shapely.LineString([(p, vmin), (p, vmax)])
            )
            seg = shapely.intersection(seg, fabric)
            if not seg.is_empty:
                boulevards.append((seg, 30.0, *lines.names[k]))
    return Network(
        fabric=fabric,
        roads=roads,
        boulevard_lines=boulevards,
        parcels=parcels,
        parks=parks,
        gardens=gardens,
        railway=railway,
        blocks=blocks,
    )


def _grid_roads(
    fabric: BaseGeometry, cols: _Lines, rows: _Lines, parks: list, rng: np.random.Generator
) -> Roads:
    """One segment per block side, kept where it lies in the fabric and outside the parks."""
    geoms, lines_of, horizontal = [], [], []
    inner = shapely.buffer(fabric, -max(np.diff(cols.pos).max(), np.diff(rows.pos).max()) / 2 - 1)
    shapely.prepare(inner)
    a: np.ndarray
    b: np.ndarray
    for lines, other, is_h in ((cols, rows, False), (rows, cols, True)):
        a, b = np.meshgrid(np.arange(len(lines.pos)), np.arange(len(other.pos) - 1), indexing="ij")
        a, b = a.ravel(), b.ravel()
        p, q0, q1 = lines.pos[a], other.pos[b], other.pos[b + 1]
        if is_h:
            x0, y0, x1, y1 = q0, p, q1, p
        else:
            x0, y0, x1, y1 = p, q0, p, q1
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        keep = _inside(fabric, x0, y0) & _inside(fabric, x1, y1) & _inside(fabric, mx, my)
        for geom, _ in parks:
            keep &= ~shapely.contains_xy(geom, mx, my)
        coords = np.stack([np.column_stack([x0, y0]), np.column_stack([x1, y1])], axis=1)
        lines_here = shapely.linestrings(coords[keep])
        # an edge whose ends are inside may still cross a notch of the city's outline; one whose
        # middle lies deeper inside than half its length cannot
        within = shapely.contains_xy(inner, mx[keep], my[keep])
        near = np.flatnonzero(~within)
        within[near] = shapely.covers(fabric, lines_here[near])
        keep[np.flatnonzero(keep)[~within]] = False
        geoms.append(lines_here[within])
        lines_of.append(a[keep])
        horizontal.append(np.full(keep.sum(), is_h))
    geom = np.concatenate(geoms)
    n = len(geom)
    name_fr, name_ar, cls, width, lanes, one_way = [], [], [], [], [], []
    for lines, idx in ((cols, lines_of[0]), (rows, lines_of[1])):
        for k in idx:
            fr, ar = lines.names[k]
            kind = lines.kind[k]
            name_fr.append(fr)
            name_ar.append(ar)
            cls.append({"boulevard": "secondary", "avenue": "tertiary", "rue": "residential"}[kind])
            width.append(lines.width[k])
            lanes.append({"boulevard": 4, "avenue": 2, "rue": 2}[kind])
    one_way_draw = rng.random(n)
    one_way = [(c == "residential" and d < 0.3) for c, d in zip(cls, one_way_draw, strict=True)]
    surface = rng.choice(["asphalt"] * 17 + ["concrete", "paving", "earth"], n).tolist()
    return Roads(
        geom=geom,
        name_fr=name_fr,
        name_ar=name_ar,
        road_class=cls,
        width_m=np.array(width),
        lanes=[1 if o else la for o, la in zip(one_way, lanes, strict=True)],
        one_way=one_way,
        manager=["Commune de Casablanca"] * n,
        surface=surface,
    )


def _split(line: BaseGeometry, step: float) -> list[BaseGeometry]:
    """Cut every part of ``line`` into pieces of about ``step`` metres."""
    out: list[BaseGeometry] = []
    for part in shapely.get_parts(shapely.line_merge(line)):
        if part.geom_type != "LineString" or part.length < 1.0:
            continue
        n = max(1, int(round(part.length / step)))
        marks = np.linspace(0.0, part.length, n + 1)
        for a, b in zip(marks[:-1], marks[1:], strict=True):
            piece = substring(part, a, b)
            if piece.geom_type == "LineString" and piece.length > 0.5:
                out.append(piece)
    return out


def _append_specials(roads: Roads, specials: list[dict]) -> Roads:
    geoms = list(roads.geom)
    for r in specials:
        pieces = _split(r["line"], 250.0)
        geoms.extend(pieces)
        n = len(pieces)
        roads.name_fr.extend([r["fr"]] * n)
        roads.name_ar.extend([r["ar"]] * n)
        roads.road_class.extend([r["cls"]] * n)
        roads.width_m = np.concatenate([roads.width_m, np.full(n, r["width"])])
        roads.lanes.extend([r["lanes"]] * n)
        roads.one_way.extend([r["cls"] == "motorway"] * n)
        roads.manager.extend([r.get("manager", "Commune de Casablanca")] * n)
        roads.surface.extend(["asphalt"] * n)
    roads.geom = np.array(geoms, dtype=object)
    return roads
