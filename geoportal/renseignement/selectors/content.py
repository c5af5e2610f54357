"""What a note says about the land, computed from the layers in force now: the overlay's raw rows
turned into a plain JSON-able dict (labels of the choices, areas and shares rounded)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.utils import translation

from geoportal.renseignement.selectors.overlay import run_overlay
from geoportal.renseignement.selectors.shares import PERCENT_DECIMALS, share_zones
from geoportal.renseignement.selectors.subjects import Subject
from layers.parcels.models import LandStatus
from layers.roads.models import RoadClass
from layers.zoning.models import PlanningDocument, ReservedLand, Servitude, ZoneCategory

REGULATION_KEYS = (
    "max_height_m", "max_floors", "cos", "ces", "min_plot_area_m2", "min_frontage_m",
    "setback_road_m", "setback_side_m", "setback_rear_m",
)  # fmt: skip
MEASURE_DECIMALS = 1  # areas (m²) and lengths (m) in the note, to one decimal


def _r(value: float | None, digits: int = MEASURE_DECIMALS) -> float | None:
    return None if value is None else round(float(value), digits)


def _regulation(reg: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": reg["code"],
        "label_fr": reg["label_fr"],
        "label_ar": reg.get("label_ar") or "",
        "category": reg["category"],
        "category_label": _choice_label(ZoneCategory, reg["category"]),
        **{k: reg.get(k) for k in REGULATION_KEYS},
        "allowed_uses": reg.get("allowed_uses") or [],
        "prohibited_uses": reg.get("prohibited_uses") or [],
        "notes": reg.get("notes") or "",
    }


def _choice_label(choices: type, value: str) -> str:
    """A coded value's name as the note states it: in French, the documents' language, whatever
    the language of the request (the stored content and its hashes must not depend on it)."""
    try:
        with translation.override("fr"):
            return str(choices(value).label)
    except ValueError:
        return value


def _subject(subject: Subject, total: float) -> dict[str, Any]:
    parcel = subject.parcel
    if parcel is not None:
        return {
            "kind": "parcel",
            "reference": parcel.reference,
            "land_status": parcel.land_status,
            "land_status_label": _choice_label(LandStatus, parcel.land_status),
            "address": parcel.address,
            "current_use": parcel.current_use,
            "official_area_m2": _r(parcel.official_area_m2),
            "computed_area_m2": _r(total),
        }
    return {
        "kind": "outline",
        "reference": None,
        "computed_area_m2": _r(total),
        "outline_sha256": hashlib.sha256(bytes(subject.geom.wkb)).hexdigest(),
    }


def note_content(subject: Subject) -> dict[str, Any]:
    """What the note says about the land, computed from the layers in force now."""
    raw = run_overlay(subject.geom)
    total = float(raw["area_m2"])
    shares = share_zones(total, raw["zones"], raw["uncovered"])
    zones = []
    outside = None
    for share in shares:
        z = share["zone"]
        if z is None:
            outside = {"area_m2": share["area_m2"], "share_pct": share["share_pct"]}
            continue
        zones.append(
            {
                "area_m2": share["area_m2"],
                "share_pct": share["share_pct"],
                "document_reference": z["document_reference"],
                "regulation": _regulation(z["regulation"]),
            }
        )
    # Servitudes and reserved land that only touch the boundary (or by less than the sliver area,
    # unless the land itself is that small) do not affect it.
    noise = min(settings.RENSEIGNEMENT["SLIVER_AREA_M2"], total / 2)
    servitudes = [
        {
            "kind": v["kind"],
            "kind_label": _choice_label(Servitude.Kind, v["kind"]),
            "label": v["label"],
            "legal_reference": v["legal_reference"],
            "effect": v["effect"],
            "width_m": v["width_m"],
            "area_m2": _r(v["area_m2"]),
            "length_m": _r(v["length_m"]),
        }
        for v in raw["servitudes"]
        if v["area_m2"] >= noise
    ]
    reserved = [
        {
            "kind": rl["kind"],
            "kind_label": _choice_label(ReservedLand.Kind, rl["kind"]),
            "label": rl["label"],
            "reference": rl["reference"],
            "road_width_m": rl["road_width_m"],
            "document_reference": rl["document_reference"],
            "area_m2": _r(rl["area_m2"]),
            "share_pct": _r(100 * rl["area_m2"] / total, PERCENT_DECIMALS) if total else None,
        }
        for rl in raw["reserved_land"]
        if rl["area_m2"] >= noise
    ]
    roads = [
        {
            "name_fr": r["name_fr"],
            "name_ar": r["name_ar"],
            "road_class": r["road_class"],
            "road_class_label": _choice_label(RoadClass, r["road_class"]),
            "width_m": r["width_m"],
            "distance_m": _r(r["distance_m"]),
            "frontage_m": _r(r["frontage_m"]),
        }
        for r in raw["roads"]
    ]
    doc = raw["planning_document"]
    if doc is not None:
        doc = {**doc, "status_label": _choice_label(PlanningDocument.Status, doc["status"])}
    return {
        "subject": _subject(subject, total),
        "arrondissement": raw["arrondissement"],
        "planning_document": doc,
        "zones": zones,
        "outside_zones": outside,
        "servitudes": servitudes,
        "reserved_land": reserved,
        "roads": roads,
    }
