"""What a note says about the land, computed from the layers in force now: the overlay's raw rows
turned into a plain JSON-able dict (labels of the choices, areas and shares rounded), in one
language. The planning data is read from its column in that language (``label_ar``,
``effect_en``...); where a planner has not filled it, the French value is given and its key is
listed in the item's ``in_french``, so the page shows that it is French."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.utils import translation

from geoportal.renseignement.selectors.overlay import run_overlay
from geoportal.renseignement.selectors.shares import PERCENT_DECIMALS, share_zones
from geoportal.renseignement.selectors.subjects import Subject
from layers.common.errors import NotFound
from layers.parcels.models import LandStatus
from layers.roads.models import RoadClass
from layers.zoning.models import (
    PlanningDocument,
    ReservedLand,
    Servitude,
    ZoneCategory,
    ZoneRegulation,
)

REGULATION_KEYS = (
    "max_height_m", "max_floors", "cos", "ces", "min_plot_area_m2", "min_frontage_m",
    "setback_road_m", "setback_side_m", "setback_rear_m",
)  # fmt: skip
MEASURE_DECIMALS = 1  # areas (m²) and lengths (m) in the note, to one decimal


def _r(value: float | None, digits: int = MEASURE_DECIMALS) -> float | None:
    return None if value is None else round(float(value), digits)


def _translated(row: dict[str, Any], fields: dict[str, str], lang: str) -> dict[str, Any]:
    """``fields`` (note key -> French column) read in ``lang``: the column ``<base>_<lang>``
    (``label_fr`` -> ``label_ar``, ``effect`` -> ``effect_ar``), else the French value, the key
    then listed in ``in_french``."""
    out: dict[str, Any] = {}
    in_french = []
    for key, french in fields.items():
        value = row.get(french) or None
        if lang != "fr":
            base = french.removesuffix("_fr")
            translated = row.get(f"{base}_{lang}")
            if translated:
                value = translated
            elif value:
                in_french.append(key)
        out[key] = value if value is not None else ([] if key.endswith("_uses") else "")
    out["in_french"] = in_french
    return out


REGULATION_TEXTS = {
    "label": "label_fr",
    "allowed_uses": "allowed_uses",
    "prohibited_uses": "prohibited_uses",
    "notes": "notes",
}


def _regulation(reg: dict[str, Any], lang: str) -> dict[str, Any]:
    return {
        "code": reg["code"],
        "category": reg["category"],
        "category_label": _choice_label(ZoneCategory, reg["category"], lang),
        **{k: reg.get(k) for k in REGULATION_KEYS},
        "text_url": reg.get("text_url") or "",
        **_translated(reg, REGULATION_TEXTS, lang),
    }


def _choice_label(choices: type, value: str, lang: str) -> str:
    """A coded value's name in the note's language (the models' choices through gettext)."""
    try:
        with translation.override(lang):
            return str(choices(value).label)
    except ValueError:
        return value


def _subject(subject: Subject, total: float, lang: str) -> dict[str, Any]:
    parcel = subject.parcel
    if parcel is not None:
        return {
            "kind": "parcel",
            "reference": parcel.reference,
            "land_status": parcel.land_status,
            "land_status_label": _choice_label(LandStatus, parcel.land_status, lang),
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


def note_content(subject: Subject, lang: str = "fr") -> dict[str, Any]:
    """What the note says about the land, computed from the layers in force now, in ``lang``
    (``fr``, ``ar`` or ``en``; French where the data has no value in that language)."""
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
                "regulation": _regulation(z["regulation"], lang),
            }
        )
    # Servitudes and reserved land that only touch the boundary (or by less than the sliver area,
    # unless the land itself is that small) do not affect it.
    noise = min(settings.RENSEIGNEMENT["SLIVER_AREA_M2"], total / 2)
    servitudes = [
        {
            "kind": v["kind"],
            "kind_label": _choice_label(Servitude.Kind, v["kind"], lang),
            **_translated(v, {"label": "label", "effect": "effect"}, lang),
            "legal_reference": v["legal_reference"],
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
            "kind_label": _choice_label(ReservedLand.Kind, rl["kind"], lang),
            **_translated(rl, {"label": "label"}, lang),
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
            "road_class_label": _choice_label(RoadClass, r["road_class"], lang),
            "width_m": r["width_m"],
            "distance_m": _r(r["distance_m"]),
            "frontage_m": _r(r["frontage_m"]),
        }
        for r in raw["roads"]
    ]
    doc = raw["planning_document"]
    if doc is not None:
        status_label = _choice_label(PlanningDocument.Status, doc["status"], lang)
        doc = {**doc, "status_label": status_label}
    return {
        "lang": lang,
        "subject": _subject(subject, total, lang),
        "arrondissement": raw["arrondissement"],
        "planning_document": doc,
        "zones": zones,
        "outside_zones": outside,
        "servitudes": servitudes,
        "reserved_land": reserved,
        "roads": roads,
    }


def zone_regulation(document_reference: str, code: str, lang: str = "fr") -> dict[str, Any]:
    """The rules of zone ``code`` in the planning document ``document_reference`` as a note gives
    them, in ``lang``, with the document's name and status."""
    regulation = (
        ZoneRegulation.objects.select_related("document")
        .filter(document__reference=document_reference, code=code)
        .first()
    )
    if regulation is None:
        raise NotFound(f"Aucune zone {code} dans le document d'urbanisme {document_reference}.")
    row = {f.attname: getattr(regulation, f.attname) for f in ZoneRegulation._meta.concrete_fields}
    doc = regulation.document
    return {
        "document": {
            "name": doc.name,
            "reference": doc.reference,
            "status": doc.status,
            "status_label": _choice_label(PlanningDocument.Status, doc.status, lang),
            "approval_date": doc.approval_date.isoformat() if doc.approval_date else None,
            "decree": doc.decree,
        },
        "regulation": _regulation(row, lang),
    }
