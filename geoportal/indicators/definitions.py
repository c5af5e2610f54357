"""The city in figures: each indicator defined once, with its unit, the text of its formula and
its sources (layer slugs, shown with the layers' titles), translated through the ``locale/``
catalogues, and the SQL expression that computes it from the measures of
:mod:`geoportal.indicators.measures`.

An expression is fixed text written here, over measure columns only; it never holds a value
from a request. Breakdowns (road grades, land statuses, reserved-land uses, facility kinds)
give one indicator per choice of the model's field, so a new choice brings its indicator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from layers.facilities.models import Facility
from layers.parcels.models import LandStatus
from layers.zoning.models import ReservedLand

GRADES = ("A", "B", "C", "D", "E")
WALK_DISTANCE_M = 300.0  # "within 300 m of a green space"
OPEN_REPORT_STATUSES = ("new", "acknowledged", "in_progress")
CENSUS = "census"  # the source of the population: the 2024 census, not a layer


@dataclass(frozen=True)
class Group:
    key: str
    title: Promise


GROUPS = (
    Group("population", _("Population")),
    Group("green", _("Espaces verts et arbres")),
    Group("roads", _("Voirie et éclairage")),
    Group("parcels", _("Foncier")),
    Group("reserved", _("Réserves foncières")),
    Group("facilities", _("Équipements")),
    Group("reports", _("Signalements")),
)


@dataclass(frozen=True)
class Indicator:
    key: str
    group: str
    label: Promise | str
    unit: Promise | str
    formula: Promise | str
    sources: tuple[str, ...]  # layer slugs, or CENSUS
    expression: str  # SQL over the measure columns (see measures.py), fixed text
    decimals: int = 1
    staff_only: bool = False  # reads an internal layer
    higher_is_better: bool | None = None  # for readers of the API; None: neither

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "group": self.group,
            "label": str(self.label),
            "unit": str(self.unit),
            "formula": str(self.formula),
            "sources": list(self.sources),
            "decimals": self.decimals,
            "higher_is_better": self.higher_is_better,
        }


PER_KM2 = _("hab./km²")
PER_10K = _("pour 10.000 hab.")
M2_PER_INHABITANT = _("m²/hab.")
PERCENT = _("%")
HECTARES = _("ha")
KM = _("km")
COUNT = _("nombre")


def _indicators() -> tuple[Indicator, ...]:
    out: list[Indicator] = [
        Indicator(
            "population",
            "population",
            _("Population"),
            _("habitants"),
            _("Population municipale du recensement général (RGPH) 2024."),
            (CENSUS, "arrondissements"),
            "population",
            decimals=0,
        ),
        Indicator(
            "area_km2",
            "population",
            _("Superficie"),
            _("km²"),
            _("Surface du polygone de l'arrondissement, en projection locale."),
            ("arrondissements",),
            "area_m2 / 1e6",
            decimals=2,
        ),
        Indicator(
            "density",
            "population",
            _("Densité"),
            PER_KM2,
            _("Population 2024 divisée par la superficie en km²."),
            (CENSUS, "arrondissements"),
            "population / NULLIF(area_m2 / 1e6, 0)",
            decimals=0,
        ),
        Indicator(
            "green_m2_per_inhabitant",
            "green",
            _("Espace vert par habitant"),
            M2_PER_INHABITANT,
            _(
                "Surface des espaces verts ouverts au public comprise dans l'arrondissement, divisée par sa population."
            ),
            ("green-spaces", CENSUS),
            "green_m2 / NULLIF(population, 0)",
            decimals=2,
            higher_is_better=True,
        ),
        Indicator(
            "green_300m_share",
            "green",
            _("Population à moins de 300 m d'un espace vert"),
            PERCENT,
            _(
                "Part de la surface de l'arrondissement à moins de 300 m d'un espace vert ouvert au public ; la population est supposée répartie uniformément sur la surface."
            ),
            ("green-spaces", "arrondissements"),
            "100 * green_near_m2 / NULLIF(area_m2, 0)",
            higher_is_better=True,
        ),
        Indicator(
            "trees_per_1000",
            "green",
            _("Arbres pour 1.000 habitants"),
            _("pour 1.000 hab."),
            _(
                "Arbres vivants (état autre que « mort ») dans l'arrondissement, pour 1.000 habitants."
            ),
            ("trees", CENSUS),
            "1000 * trees / NULLIF(population, 0)",
            higher_is_better=True,
        ),
        Indicator(
            "road_km",
            "roads",
            _("Linéaire de voirie"),
            KM,
            _("Longueur des tronçons de voirie découpés par la limite de l'arrondissement."),
            ("roads",),
            "road_m / 1000",
        ),
    ]
    for grade in GRADES:
        out.append(
            Indicator(
                f"road_km_{grade.lower()}",
                "roads",
                format_lazy(_("Voirie en état {grade}"), grade=grade),
                KM,
                format_lazy(
                    _("Longueur des tronçons dont l'indice d'état donne la note {grade}."),
                    grade=grade,
                ),
                ("roads",),
                f"road_m_{grade.lower()} / 1000",
            )
        )
    out += [
        Indicator(
            "road_share_de",
            "roads",
            _("Part de la voirie en état D ou E"),
            PERCENT,
            _(
                "Longueur notée D ou E divisée par la longueur notée (A à E) ; les tronçons jamais inspectés n'entrent pas dans le calcul."
            ),
            ("roads",),
            "100 * (road_m_d + road_m_e) / NULLIF(road_m_a + road_m_b + road_m_c + road_m_d + road_m_e, 0)",
            higher_is_better=False,
        ),
        Indicator(
            "lights_per_km",
            "roads",
            _("Points lumineux par km de voirie"),
            _("par km"),
            _(
                "Lampadaires non déposés dans l'arrondissement, divisés par le linéaire de voirie en km."
            ),
            ("street-lights", "roads"),
            "lights / NULLIF(road_m / 1000, 0)",
            higher_is_better=True,
        ),
    ]
    for status in LandStatus:
        out += [
            Indicator(
                f"parcels_{status.value}",
                "parcels",
                format_lazy(_("Parcelles : {status}"), status=status.label),
                COUNT,
                _(
                    "Nombre de parcelles de ce statut foncier dont un point intérieur est dans l'arrondissement."
                ),
                ("parcels",),
                f"parcels_n_{status.value}",
                decimals=0,
            ),
            Indicator(
                f"parcels_{status.value}_ha",
                "parcels",
                format_lazy(_("Surface des parcelles : {status}"), status=status.label),
                HECTARES,
                _("Surface calculée des mêmes parcelles, en hectares."),
                ("parcels",),
                f"parcels_m2_{status.value} / 10000",
            ),
        ]
    out.append(
        Indicator(
            "reserved_ha",
            "reserved",
            _("Réserves foncières"),
            HECTARES,
            _("Surface des emplacements réservés comprise dans l'arrondissement, en hectares."),
            ("reserved-land",),
            "reserved_m2 / 10000",
        )
    )
    for kind in ReservedLand.Kind:
        out.append(
            Indicator(
                f"reserved_{kind.value}_ha",
                "reserved",
                format_lazy(_("Réserves foncières : {use}"), use=kind.label),
                HECTARES,
                _(
                    "Surface des emplacements réservés à cet usage comprise dans l'arrondissement, en hectares."
                ),
                ("reserved-land",),
                f"reserved_m2_{kind.value} / 10000",
            )
        )
    out.append(
        Indicator(
            "facilities_per_10k",
            "facilities",
            _("Équipements pour 10.000 habitants"),
            PER_10K,
            _("Équipements publics de tous types dans l'arrondissement, pour 10.000 habitants."),
            ("facilities", CENSUS),
            "10000 * facilities / NULLIF(population, 0)",
            decimals=2,
            higher_is_better=True,
        )
    )
    for facility in Facility.Kind:
        out.append(
            Indicator(
                f"facilities_{facility.value}_per_10k",
                "facilities",
                format_lazy(_("{kind} pour 10.000 habitants"), kind=facility.label),
                PER_10K,
                _("Équipements de ce type dans l'arrondissement, pour 10.000 habitants."),
                ("facilities", CENSUS),
                f"10000 * facilities_{facility.value} / NULLIF(population, 0)",
                decimals=2,
                higher_is_better=True,
            )
        )
    out.append(
        Indicator(
            "open_reports_per_10k",
            "reports",
            _("Signalements ouverts pour 10.000 habitants"),
            PER_10K,
            _(
                "Signalements citoyens nouveaux, pris en compte ou en cours dans l'arrondissement, pour 10.000 habitants."
            ),
            ("citizen-reports", CENSUS),
            "10000 * open_reports / NULLIF(population, 0)",
            decimals=2,
            staff_only=True,
            higher_is_better=False,
        )
    )
    return tuple(out)


INDICATORS: tuple[Indicator, ...] = _indicators()
BY_KEY: dict[str, Indicator] = {ind.key: ind for ind in INDICATORS}
DEFAULT = "density"


def visible_indicators(staff: bool) -> list[Indicator]:
    """The indicators a reader may see: the staff-only ones (internal layers) for staff alone."""
    return [ind for ind in INDICATORS if staff or not ind.staff_only]
