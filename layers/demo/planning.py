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
    label_ar: list[str]
    label_en: list[str]
    legal_reference: list[str]
    effect: list[str]
    effect_ar: list[str]
    effect_en: list[str]
    width_m: list[float | None]


def build_servitudes(
    frame: CityFrame, centre_area: BaseGeometry, railway: BaseGeometry
) -> Servitudes:
    """The servitudes of the demo city, labels and effects in French, Arabic and English."""
    city = frame.city
    s = Servitudes([], [], [], [], [], [], [], [], [], [])

    def add(geom, kind, label, ref, effect, width=None):
        geom = shapely.intersection(geom, city)
        polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 10.0]
        if polys:
            s.geom.append(shapely.MultiPolygon(polys))
            s.kind.append(kind)
            s.label.append(label[0])
            s.label_ar.append(label[1])
            s.label_en.append(label[2])
            s.legal_reference.append(ref)
            s.effect.append(effect[0])
            s.effect_ar.append(effect[1])
            s.effect_en.append(effect[2])
            s.width_m.append(width)

    add(
        shapely.buffer(frame.coast, 100.0),
        "maritime_public_domain",
        (
            "Domaine public maritime et bande littorale",
            "الملك العمومي البحري والشريط الساحلي",
            "Maritime public domain and coastal strip",
        ),
        "Dahir du 1er juillet 1914 sur le domaine public ; loi n° 81-12 relative au littoral",
        (
            "Bande de 100 m inconstructible à compter de la limite du domaine public maritime, "
            "sauf équipements liés à la mer autorisés.",
            "شريط عرضه 100 متر يُمنع فيه البناء ابتداءً من حد الملك العمومي البحري، باستثناء "
            "التجهيزات المرتبطة بالبحر المرخص بها.",
            "A 100 m strip where building is forbidden from the limit of the maritime public "
            "domain, except authorised sea-related facilities.",
        ),
        100.0,
    )
    add(
        shapely.buffer(railway, 25.0, cap_style="flat"),
        "railway",
        (
            "Emprise et servitude de la voie ferrée (ONCF)",
            "وعاء السكة الحديدية وارتفاقها (المكتب الوطني للسكك الحديدية)",
            "Railway land and easement (ONCF)",
        ),
        "Dahir du 28 mai 1935 sur la police des chemins de fer",
        (
            "Aucune construction à moins de 25 m de l'axe de la voie ; clôtures soumises à l'avis "
            "de l'ONCF.",
            "يُمنع كل بناء على مسافة تقل عن 25 متراً من محور السكة؛ وتخضع الأسوار لرأي المكتب "
            "الوطني للسكك الحديدية.",
            "No building within 25 m of the track's centre line; fences subject to the opinion "
            "of ONCF.",
        ),
        50.0,
    )
    for k, line in enumerate(HIGH_VOLTAGE):
        add(
            shapely.buffer(shapely.LineString(line), 20.0, cap_style="flat"),
            "high_voltage",
            (
                f"Ligne haute tension 225 kV n° {k + 1} (ONEE)",
                f"خط الجهد العالي 225 كيلوفولط رقم {k + 1} (المكتب الوطني للكهرباء والماء الصالح "
                "للشرب)",
                f"225 kV high-voltage line no. {k + 1} (ONEE)",
            ),
            "Dahir n° 1-63-226 du 5 octobre 1963 ; arrêté sur les distances de sécurité",
            (
                "Couloir de 40 m : aucune construction ni plantation de haute tige sous la ligne.",
                "ممر عرضه 40 متراً: يُمنع تحت الخط كل بناء وكل غرس للأشجار العالية.",
                "A 40 m corridor: no building and no tall trees under the line.",
            ),
            40.0,
        )
    for label, (u, v, w, d) in CEMETERIES.items():
        box = shapely.box(u, v, u + w, v + d)
        name_ar, name_en = CEMETERY_NAMES[label]
        add(
            shapely.buffer(box, 35.0),
            "cemetery",
            (f"Abords du {label}", f"محيط {name_ar}", f"Surroundings of the {name_en}"),
            "Dahir du 29 juillet 1938 sur les cimetières",
            (
                "Zone non aedificandi de 35 m autour du cimetière ; puits interdits.",
                "منطقة يُمنع فيها البناء بعرض 35 متراً حول المقبرة؛ ويُمنع حفر الآبار.",
                "A 35 m no-build zone around the cemetery; wells forbidden.",
            ),
            35.0,
        )
    add(
        centre_area,
        "heritage",
        (
            "Périmètre du centre-ville historique (architecture XXe siècle)",
            "محيط وسط المدينة التاريخي (عمارة القرن العشرين)",
            "Historic city-centre perimeter (20th-century architecture)",
        ),
        "Loi n° 22-80 relative aux monuments historiques et sites ; arrêté d'inscription",
        (
            "Démolitions et façades soumises à l'avis de l'Inspection des monuments historiques ; "
            "hauteur et alignement des immeubles existants conservés.",
            "يخضع الهدم والواجهات لرأي مفتشية المباني التاريخية؛ ويُحافَظ على علو العمارات القائمة "
            "وعلى تصفيفها.",
            "Demolitions and façades subject to the opinion of the Inspectorate of Historic "
            "Monuments; height and alignment of the existing buildings kept.",
        ),
    )
    add(
        shapely.box(0, 500, 900, 1100),
        "heritage",
        ("Ancienne médina", "المدينة القديمة", "Old medina"),
        "Loi n° 22-80 relative aux monuments historiques et sites",
        (
            "Tissu traditionnel protégé : gabarit R+2 maximum, matériaux et ouvertures "
            "réglementés.",
            "نسيج عمراني تقليدي محمي: علو أقصاه طابق أرضي وطابقان، والمواد والفتحات خاضعة للضوابط.",
            "Protected traditional fabric: ground floor and two storeys at most, materials and "
            "openings regulated.",
        ),
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
CEMETERY_NAMES = {
    # French label -> (Arabic, English)
    "cimetière Chouhada (Ben M'sick)": (
        "مقبرة الشهداء (ابن مسيك)",
        "Chouhada cemetery (Ben M'sick)",
    ),
    "cimetière Sbata": ("مقبرة سباتة", "Sbata cemetery"),
}


@dataclass
class Reserved:
    geom: list[BaseGeometry]
    kind: list[str]
    label: list[str]
    label_ar: list[str]
    label_en: list[str]
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
    # kind, label in French, Arabic and English, prefix of the reference
    ("school", ("Groupe scolaire projeté", "مجموعة مدرسية مبرمجة", "Planned school"), "E"),
    ("mosque", ("Mosquée projetée", "مسجد مبرمج", "Planned mosque"), "M"),
    ("hospital", ("Centre hospitalier projeté", "مركز استشفائي مبرمج", "Planned hospital"), "H"),
    (
        "green_space",
        ("Espace vert public projeté", "مساحة خضراء عمومية مبرمجة", "Planned public green space"),
        "EV",
    ),
    ("sports", ("Complexe sportif projeté", "مركب رياضي مبرمج", "Planned sports complex"), "S"),
    (
        "administration",
        ("Équipement administratif projeté", "مرفق إداري مبرمج", "Planned administrative building"),
        "A",
    ),
    ("parking", ("Parking public projeté", "موقف عمومي للسيارات مبرمج", "Planned car park"), "P"),
]


def build_reserved(
    frame: CityFrame, blocks: np.ndarray, count: int, rng: np.random.Generator
) -> Reserved:
    """Planned roads (with their width) and reserved sites chosen among the blocks."""
    r = Reserved([], [], [], [], [], [], [])
    for ref, width, line in PLANNED_ROADS:
        geom = shapely.intersection(
            shapely.buffer(shapely.LineString(line), width / 2, cap_style="flat"), frame.city
        )
        polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
        if polys:
            r.geom.append(shapely.MultiPolygon(polys))
            r.kind.append("road")
            r.label.append(f"Voie projetée {ref}, emprise {width:.0f} m")
            r.label_ar.append(f"طريق مبرمجة {ref}، عرضها {width:.0f} م")
            r.label_en.append(f"Planned road {ref}, {width:.0f} m wide")
            r.reference.append(ref)
            r.road_width_m.append(width)
    usable = np.flatnonzero(shapely.get_type_id(blocks) == 3)
    picks: np.ndarray | list[int] = (
        rng.choice(usable, size=min(count, len(usable)), replace=False) if len(usable) else []
    )
    for n, k in enumerate(sorted(picks)):
        kind, (label, label_ar, label_en), prefix = SITE_KINDS[n % len(SITE_KINDS)]
        r.geom.append(shapely.MultiPolygon([blocks[k]]))
        r.kind.append(kind)
        r.label.append(label)
        r.label_ar.append(label_ar)
        r.label_en.append(label_en)
        r.reference.append(f"{prefix}{n // len(SITE_KINDS) + 1}")
        r.road_width_m.append(None)
    return r
