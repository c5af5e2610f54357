"""Zone regulations typical of Casablanca's plans d'aménagement (règlement d'aménagement)."""

from __future__ import annotations

from typing import Any

HOUSING = ["habitation", "commerce de proximité", "bureaux", "équipements de quartier"]
NUISANCES = ["industrie", "entrepôts", "activités nuisibles"]

# Each use of the regulations in Arabic and English (French: the regulation's own word).
USES = {
    "habitation": ("السكن", "housing"),
    "commerce de proximité": ("تجارة القرب", "local shops"),
    "bureaux": ("المكاتب", "offices"),
    "équipements de quartier": ("تجهيزات الحي", "neighbourhood facilities"),
    "industrie": ("الصناعة", "industry"),
    "entrepôts": ("المستودعات", "warehouses"),
    "activités nuisibles": ("الأنشطة المضرة بالجوار", "nuisance activities"),
    "hôtellerie": ("الفندقة", "hotels"),
    "services": ("الخدمات", "services"),
    "artisanat": ("الصناعة التقليدية", "crafts"),
    "commerce": ("التجارة", "shops"),
    "restauration": ("المطاعم", "restaurants"),
    "loisirs": ("الترفيه", "leisure"),
    "équipements publics": ("التجهيزات العمومية", "public facilities"),
    "jardins": ("الحدائق", "gardens"),
    "aires de jeux": ("فضاءات الألعاب", "playgrounds"),
    "kiosques": ("الأكشاك", "kiosks"),
    "toute construction": ("كل بناء", "any building"),
}

# One entry per zone code; every planning document of the demo has the whole set.
REGULATIONS: list[dict[str, Any]] = [
    {
        "code": "C",
        "label_fr": "Zone centre-ville, immeubles R+8",
        "label_ar": "منطقة وسط المدينة، عمارات ط+8",
        "label_en": "City-centre zone, G+8 buildings",
        "category": "centre",
        "max_height_m": 30.0,
        "max_floors": 9,
        "cos": 5.0,
        "ces": 0.8,
        "min_plot_area_m2": 300.0,
        "min_frontage_m": 15.0,
        "setback_road_m": 0.0,
        "setback_side_m": 0.0,
        "setback_rear_m": 5.0,
        "allowed_uses": [*HOUSING, "hôtellerie", "services"],
        "prohibited_uses": NUISANCES,
    },
    {
        "code": "I",
        "label_fr": "Zone d'immeubles R+6",
        "label_ar": "منطقة عمارات ط+6",
        "label_en": "Apartment-building zone G+6",
        "category": "collective_housing",
        "max_height_m": 23.0,
        "max_floors": 7,
        "cos": 3.6,
        "ces": 0.7,
        "min_plot_area_m2": 300.0,
        "min_frontage_m": 15.0,
        "setback_road_m": 0.0,
        "setback_side_m": 0.0,
        "setback_rear_m": 5.0,
        "allowed_uses": HOUSING,
        "prohibited_uses": NUISANCES,
    },
    {
        "code": "R+4",
        "label_fr": "Zone d'habitat R+4",
        "label_ar": "منطقة سكنية ط+4",
        "label_en": "Housing zone G+4",
        "category": "collective_housing",
        "max_height_m": 15.5,
        "max_floors": 5,
        "cos": 2.8,
        "ces": 0.7,
        "min_plot_area_m2": 120.0,
        "min_frontage_m": 10.0,
        "setback_road_m": 0.0,
        "setback_side_m": 0.0,
        "setback_rear_m": 4.0,
        "allowed_uses": HOUSING,
        "prohibited_uses": NUISANCES,
    },
    {
        "code": "HE",
        "label_fr": "Habitat économique R+3",
        "label_ar": "السكن الاقتصادي ط+3",
        "label_en": "Economic housing G+3",
        "category": "economic_housing",
        "max_height_m": 12.5,
        "max_floors": 4,
        "cos": 2.6,
        "ces": 0.8,
        "min_plot_area_m2": 80.0,
        "min_frontage_m": 8.0,
        "setback_road_m": 0.0,
        "setback_side_m": 0.0,
        "setback_rear_m": 0.0,
        "allowed_uses": HOUSING,
        "prohibited_uses": NUISANCES,
    },
    {
        "code": "M",
        "label_fr": "Zone mixte habitat et activités R+5",
        "label_ar": "منطقة مختلطة ط+5",
        "label_en": "Mixed housing and business zone G+5",
        "category": "mixed",
        "max_height_m": 19.0,
        "max_floors": 6,
        "cos": 3.0,
        "ces": 0.7,
        "min_plot_area_m2": 250.0,
        "min_frontage_m": 12.0,
        "setback_road_m": 0.0,
        "setback_side_m": 0.0,
        "setback_rear_m": 4.0,
        "allowed_uses": [*HOUSING, "artisanat", "services"],
        "prohibited_uses": ["activités nuisibles"],
    },
    {
        "code": "VA",
        "label_fr": "Zone de villas isolées",
        "label_ar": "منطقة الفيلات المستقلة",
        "label_en": "Detached villa zone",
        "category": "villa",
        "max_height_m": 8.5,
        "max_floors": 2,
        "cos": 0.4,
        "ces": 0.25,
        "min_plot_area_m2": 500.0,
        "min_frontage_m": 18.0,
        "setback_road_m": 5.0,
        "setback_side_m": 4.0,
        "setback_rear_m": 4.0,
        "allowed_uses": ["habitation"],
        "prohibited_uses": ["commerce", *NUISANCES],
        "notes": "Une seule villa par lot ; clôtures sur voie de 2 m de hauteur au plus.",
        "notes_ar": "فيلا واحدة في كل بقعة؛ ولا يتجاوز علو الأسوار المطلة على الطريق مترين.",
        "notes_en": "One villa per plot; fences on the street 2 m high at most.",
    },
    {
        "code": "ZI",
        "label_fr": "Zone industrielle",
        "label_ar": "منطقة صناعية",
        "label_en": "Industrial zone",
        "category": "industrial",
        "max_height_m": 15.0,
        "max_floors": 3,
        "cos": 1.5,
        "ces": 0.6,
        "min_plot_area_m2": 1000.0,
        "min_frontage_m": 25.0,
        "setback_road_m": 6.0,
        "setback_side_m": 4.0,
        "setback_rear_m": 4.0,
        "allowed_uses": ["industrie", "entrepôts", "bureaux"],
        "prohibited_uses": ["habitation"],
    },
    {
        "code": "ZT",
        "label_fr": "Zone touristique balnéaire",
        "label_ar": "منطقة سياحية شاطئية",
        "label_en": "Seaside tourism zone",
        "category": "tourism",
        "max_height_m": 15.5,
        "max_floors": 5,
        "cos": 1.2,
        "ces": 0.4,
        "min_plot_area_m2": 2000.0,
        "min_frontage_m": 30.0,
        "setback_road_m": 10.0,
        "setback_side_m": 6.0,
        "setback_rear_m": 6.0,
        "allowed_uses": ["hôtellerie", "restauration", "loisirs"],
        "prohibited_uses": ["industrie", "entrepôts"],
        "notes": "Un accès public au rivage est maintenu tous les 500 m au plus.",
        "notes_ar": "يُحافَظ على ممر عمومي إلى الشاطئ كل 500 متر على الأكثر.",
        "notes_en": "A public access to the shore is kept at least every 500 m.",
    },
    {
        "code": "E",
        "label_fr": "Zone d'équipements publics",
        "label_ar": "منطقة التجهيزات العمومية",
        "label_en": "Public facilities zone",
        "category": "equipment",
        "max_height_m": 16.0,
        "max_floors": 4,
        "cos": 1.5,
        "ces": 0.5,
        "min_plot_area_m2": None,
        "min_frontage_m": None,
        "setback_road_m": 5.0,
        "setback_side_m": 5.0,
        "setback_rear_m": 5.0,
        "allowed_uses": ["équipements publics"],
        "prohibited_uses": ["habitation", *NUISANCES],
    },
    {
        "code": "VE",
        "label_fr": "Zone verte (espaces verts et parcs)",
        "label_ar": "منطقة خضراء",
        "label_en": "Green zone (green spaces and parks)",
        "category": "green",
        "max_height_m": 4.0,
        "max_floors": 1,
        "cos": 0.02,
        "ces": 0.02,
        "min_plot_area_m2": None,
        "min_frontage_m": None,
        "setback_road_m": None,
        "setback_side_m": None,
        "setback_rear_m": None,
        "allowed_uses": ["jardins", "aires de jeux", "kiosques"],
        "prohibited_uses": ["toute construction"],
    },
]


def _translated_uses(regulation: dict[str, Any]) -> dict[str, list[str]]:
    """``allowed_uses_ar``, ``allowed_uses_en``, ``prohibited_uses_ar``... from ``USES``."""
    out = {}
    for key in ("allowed_uses", "prohibited_uses"):
        out[f"{key}_ar"] = [USES[use][0] for use in regulation[key]]
        out[f"{key}_en"] = [USES[use][1] for use in regulation[key]]
    return out


REGULATIONS = [{**r, **_translated_uses(r)} for r in REGULATIONS]

# The columns a regulation without notes writes (every regulation writes the same columns).
REGULATION_NOTES = {"notes": "", "notes_ar": "", "notes_en": ""}

CATEGORY = {r["code"]: r["category"] for r in REGULATIONS}

# Which zone codes each arrondissement draws from, with weights (HCP code -> [(code, weight)]).
ARRONDISSEMENT_MIX: dict[str, list[tuple[str, float]]] = {
    "061410101": [("VA", 0.7), ("I", 0.2), ("M", 0.1)],  # Anfa
    "061410103": [("I", 0.6), ("M", 0.3), ("VA", 0.1)],  # Maârif
    "061410107": [("I", 0.6), ("M", 0.4)],  # Sidi Belyout
    "061410111": [("I", 0.4), ("R+4", 0.6)],  # Al-Fida
    "061410113": [("I", 0.6), ("R+4", 0.4)],  # Mers-Sultan
    "061410121": [("ZI", 0.6), ("R+4", 0.4)],  # Aïn-Sebaâ
    "061410123": [("ZI", 0.5), ("I", 0.2), ("R+4", 0.3)],  # Asoukhour Assawda
    "061410125": [("R+4", 0.7), ("ZI", 0.3)],  # Hay-Mohammadi
    "061410131": [("R+4", 0.5), ("HE", 0.3), ("VA", 0.2)],  # Hay-Hassani
    "061410141": [("R+4", 0.5), ("HE", 0.3), ("VA", 0.2)],  # Aïn-Chock
    "061410151": [("ZI", 0.6), ("R+4", 0.4)],  # Sidi Bernoussi
    "061410153": [("HE", 0.6), ("R+4", 0.3), ("ZI", 0.1)],  # Sidi Moumen
    "061410161": [("HE", 0.5), ("R+4", 0.5)],  # Ben-M'sick
    "061410163": [("HE", 0.5), ("R+4", 0.5)],  # Sbata
    "061410171": [("HE", 0.6), ("R+4", 0.4)],  # Moulay Rachid
    "061410173": [("HE", 0.5), ("R+4", 0.5)],  # Sidi Othmane
}

# Parcel frontage per zone category, as a multiple of the size's frontage, and rows per block.
FRONTAGE = {
    "centre": 1.4,
    "collective_housing": 1.2,
    "economic_housing": 0.7,
    "mixed": 1.0,
    "villa": 2.0,
    "industrial": 3.0,
    "tourism": 3.0,
    "equipment": 2.5,
    "green": 3.0,
}

CURRENT_USE = {
    "centre": ["immeuble d'habitation", "commerce", "bureaux", "hôtel"],
    "collective_housing": ["immeuble d'habitation", "immeuble d'habitation", "commerce"],
    "economic_housing": ["maison R+2", "maison R+3", "terrain nu"],
    "mixed": ["immeuble d'habitation", "atelier", "commerce", "bureaux"],
    "villa": ["villa", "villa", "terrain nu"],
    "industrial": ["usine", "entrepôt", "terrain nu"],
    "tourism": ["hôtel", "restaurant", "terrain nu"],
    "equipment": ["équipement public", "terrain nu"],
    "green": ["jardin"],
}
