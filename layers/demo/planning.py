"""The zoning plan of the demo city: one plan d'aménagement per préfecture, zones on a coarse grid
whose edges follow streets, servitudes and reserved land. Local frame throughout."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .frame import CityFrame
from .network import to_multipolygons
from .regulations import ARRONDISSEMENT_MIX
from .sizes import ZONE_PITCH_M


@dataclass(frozen=True)
class Area:
    """A real administrative area in the local frame."""

    id: int
    code: str
    name_fr: str
    name_ar: str
    geom: BaseGeometry


def zone_codes(
    frame: CityFrame, arrondissements: list[Area], rng: np.random.Generator
) -> dict[tuple[int, int], str]:
    """The zone code of every cell of the zoning grid, drawn from the arrondissement's mix."""
    umin, vmin, umax, vmax = frame.city.bounds
    i = np.arange(int(np.floor(umin / ZONE_PITCH_M)), int(np.ceil(umax / ZONE_PITCH_M)))
    j = np.arange(int(np.floor(vmin / ZONE_PITCH_M)), int(np.ceil(vmax / ZONE_PITCH_M)))
    ii, jj = (a.ravel() for a in np.meshgrid(i, j, indexing="ij"))
    cells = shapely.box(
        ii * ZONE_PITCH_M, jj * ZONE_PITCH_M, (ii + 1) * ZONE_PITCH_M, (jj + 1) * ZONE_PITCH_M
    )
    geoms = np.array([a.geom for a in arrondissements], dtype=object)
    tree = shapely.STRtree(geoms)
    # The arrondissement holding most of the cell: nearest to the cell's centre point inside it.
    centres = shapely.point_on_surface(shapely.intersection(cells, frame.city))
    present = ~shapely.is_empty(centres)
    owner = np.full(len(cells), -1)
    idx = np.flatnonzero(present)
    owner[idx] = tree.query_nearest(centres[idx], all_matches=False)[1]
    coast_distance = shapely.distance(frame.coast, centres)
    centre_distance = np.hypot((ii + 0.5) * ZONE_PITCH_M, (jj + 0.5) * ZONE_PITCH_M)
    draw = rng.random(len(cells))
    equip = rng.random(len(cells))
    out: dict[tuple[int, int], str] = {}
    for k in idx:
        code = arrondissements[owner[k]].code
        mix = ARRONDISSEMENT_MIX.get(code, [("R+4", 1.0)])
        weights = np.cumsum([w for _, w in mix])
        zone = mix[int(np.searchsorted(weights / weights[-1], draw[k]))][0]
        if centre_distance[k] < 800.0:
            zone = "C"
        elif code in ("061410101", "061410131") and coast_distance[k] < 900.0:
            zone = "ZT"
        elif equip[k] < 0.07:
            zone = "E"
        out[(int(ii[k]), int(jj[k]))] = zone
    return out


@dataclass
class Zoning:
    geom: np.ndarray
    prefecture: list[int]  # index into the prefectures list
    code: list[str]


def build_zones(
    frame: CityFrame,
    prefectures: list[Area],
    codes: dict[tuple[int, int], str],
    parks: list[BaseGeometry],
) -> Zoning:
    """Zones without overlaps covering the city: cells of one code merged within each préfecture,
    parks cut out as green zones."""
    park_union = shapely.union_all(parks) if parks else shapely.Polygon()
    geoms, pref, code = [], [], []
    keys = sorted(codes)
    by_code: dict[str, list[BaseGeometry]] = {}
    for key in keys:
        i, j = key
        box = shapely.box(
            i * ZONE_PITCH_M, j * ZONE_PITCH_M, (i + 1) * ZONE_PITCH_M, (j + 1) * ZONE_PITCH_M
        )
        by_code.setdefault(codes[key], []).append(box)
    merged = {c: shapely.union_all(boxes) for c, boxes in sorted(by_code.items())}
    for p, area in enumerate(prefectures):
        for c, cells in merged.items():
            g = shapely.difference(shapely.intersection(cells, area.geom), park_union)
            for part in shapely.get_parts(g):
                if part.geom_type == "Polygon" and part.area > 1.0:
                    geoms.append(part)
                    pref.append(p)
                    code.append(c)
        g = shapely.intersection(park_union, area.geom)
        for part in shapely.get_parts(g):
            if part.geom_type == "Polygon" and part.area > 1.0:
                geoms.append(part)
                pref.append(p)
                code.append("VE")
    multi = to_multipolygons(np.array(geoms, dtype=object), np.arange(len(geoms)), len(geoms))
    return Zoning(geom=multi, prefecture=pref, code=code)


@dataclass
class Servitudes:
    geom: list[BaseGeometry]
    kind: list[str]
    label: list[str]
    legal_reference: list[str]
    effect: list[str]
    width_m: list[float | None]


def build_servitudes(
    frame: CityFrame, centre_area: BaseGeometry, railway: BaseGeometry
) -> Servitudes:
    city = frame.city
    s = Servitudes([], [], [], [], [], [])

    def add(geom, kind, label, ref, effect, width=None):
        geom = shapely.intersection(geom, city)
        polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 10.0]
        if polys:
            s.geom.append(shapely.MultiPolygon(polys))
            s.kind.append(kind)
            s.label.append(label)
            s.legal_reference.append(ref)
            s.effect.append(effect)
            s.width_m.append(width)

    add(
        shapely.buffer(frame.coast, 100.0),
        "maritime_public_domain",
        "Domaine public maritime et bande littorale",
        "Dahir du 1er juillet 1914 sur le domaine public ; loi n° 81-12 relative au littoral",
        "Bande de 100 m inconstructible à compter de la limite du domaine public maritime, sauf "
        "équipements liés à la mer autorisés.",
        100.0,
    )
    add(
        shapely.buffer(railway, 25.0, cap_style="flat"),
        "railway",
        "Emprise et servitude de la voie ferrée (ONCF)",
        "Dahir du 28 mai 1935 sur la police des chemins de fer",
        "Aucune construction à moins de 25 m de l'axe de la voie ; clôtures soumises à l'avis de "
        "l'ONCF.",
        50.0,
    )
    for k, line in enumerate(HIGH_VOLTAGE):
        add(
            shapely.buffer(shapely.LineString(line), 20.0, cap_style="flat"),
            "high_voltage",
            f"Ligne haute tension 225 kV n° {k + 1} (ONEE)",
            "Dahir n° 1-63-226 du 5 octobre 1963 ; arrêté sur les distances de sécurité",
            "Couloir de 40 m : aucune construction ni plantation de haute tige sous la ligne.",
            40.0,
        )
    for label, (u, v, w, d) in CEMETERIES.items():
        box = shapely.box(u, v, u + w, v + d)
        add(
            shapely.buffer(box, 35.0),
            "cemetery",
            f"Abords du {label}",
            "Dahir du 29 juillet 1938 sur les cimetières",
            "Zone non aedificandi de 35 m autour du cimetière ; puits interdits.",
            35.0,
        )
    add(
        centre_area,
        "heritage",
        "Périmètre du centre-ville historique (architecture XXe siècle)",
        "Loi n° 22-80 relative aux monuments historiques et sites ; arrêté d'inscription",
        "Démolitions et façades soumises à l'avis de l'Inspection des monuments historiques ; "
        "hauteur et alignement des immeubles existants conservés.",
    )
    add(
        shapely.box(0, 500, 900, 1100),
        "heritage",
        "Ancienne médina",
        "Loi n° 22-80 relative aux monuments historiques et sites",
        "Tissu traditionnel protégé : gabarit R+2 maximum, matériaux et ouvertures réglementés.",
    )
    return s


HIGH_VOLTAGE = [
    [(6500, -9500), (9000, -6000), (12500, -3200), (16000, -2600)],
    [(-10500, -9000), (-8000, -6000), (-5200, -3600)],
]
CEMETERIES = {
    # label -> (u, v, width, depth) of the cemetery itself, metres in the local frame
    "cimetière Chouhada (Ben M'sick)": (1500.0, -5800.0, 600.0, 450.0),
    "cimetière Sbata": (3300.0, -8200.0, 450.0, 360.0),
}


@dataclass
class Reserved:
    geom: list[BaseGeometry]
    kind: list[str]
    label: list[str]
    reference: list[str]
    road_width_m: list[float | None]


PLANNED_ROADS = [
    # (reference, width, line) in the local frame
    ("V1", 40.0, [(-9000, -5200), (-4000, -7600), (1000, -8600)]),
    ("V2", 30.0, [(7000, -7000), (8500, -4500), (9500, -2200)]),
    ("V3", 20.0, [(-3200, -2200), (-2200, -3400), (-800, -4200)]),
    ("V4", 30.0, [(11000, -6500), (13500, -4800)]),
]

SITE_KINDS = [
    ("school", "Groupe scolaire", "E"),
    ("mosque", "Mosquée", "M"),
    ("hospital", "Centre hospitalier", "H"),
    ("green_space", "Espace vert public", "EV"),
    ("sports", "Complexe sportif", "S"),
    ("administration", "Équipement administratif", "A"),
    ("parking", "Parking public", "P"),
]


def build_reserved(
    frame: CityFrame, blocks: np.ndarray, count: int, rng: np.random.Generator
) -> Reserved:
    """Planned roads (with their width) and reserved sites chosen among the blocks."""
    r = Reserved([], [], [], [], [])
    for ref, width, line in PLANNED_ROADS:
        geom = shapely.intersection(
            shapely.buffer(shapely.LineString(line), width / 2, cap_style="flat"), frame.city
        )
        polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
        if polys:
            r.geom.append(shapely.MultiPolygon(polys))
            r.kind.append("road")
            r.label.append(f"Voie projetée {ref}, emprise {width:.0f} m")
            r.reference.append(ref)
            r.road_width_m.append(width)
    usable = np.flatnonzero(shapely.get_type_id(blocks) == 3)
    picks: np.ndarray | list[int] = (
        rng.choice(usable, size=min(count, len(usable)), replace=False) if len(usable) else []
    )
    for n, k in enumerate(sorted(picks)):
        kind, label, prefix = SITE_KINDS[n % len(SITE_KINDS)]
        r.geom.append(shapely.MultiPolygon([blocks[k]]))
        r.kind.append(kind)
        r.label.append(f"{label} projeté")
        r.reference.append(f"{prefix}{n // len(SITE_KINDS) + 1}")
        r.road_width_m.append(None)
    return r
