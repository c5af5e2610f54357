"""Reads of the e-renseignement: finding the land (parcel reference, map click, drawn outline),
the overlay of the planning layers on it (``sql/overlay.sql``), the map extract, and the note's
content as a plain JSON-able dict."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.gis.gdal.error import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Point, Polygon
from django.db import connection

from geoportal.renseignement.sqlfiles import load_sql
from layers.common.errors import InvalidGeometry, NotFound, OutsideMunicipalExtent
from layers.common.extent import inside_municipal_extent
from layers.parcels.models import REFERENCE_PATTERN, LandStatus, Parcel
from layers.roads.models import RoadClass
from layers.zoning.models import (
    PlanningDocument,
    ReservedLand,
    Servitude,
    ZoneCategory,
)

STORAGE_SRID: int = settings.GIS["STORAGE_SRID"]
API_SRID: int = settings.GIS["API_SRID"]

# The parts of a note that carry its legal meaning; ``rules_hash`` is computed over them.
RULE_KEYS = (
    "subject",
    "arrondissement",
    "planning_document",
    "zones",
    "outside_zones",
    "servitudes",
    "reserved_land",
    "roads",
)


def options() -> dict[str, Any]:
    return settings.RENSEIGNEMENT


@dataclass(frozen=True)
class Subject:
    """The land a note is about: a cadastral parcel, or an outline drawn by the citizen."""

    geom: MultiPolygon  # storage SRID
    parcel: Parcel | None = None

    @property
    def kind(self) -> str:
        return "parcel" if self.parcel is not None else "outline"


# --- finding the land ---------------------------------------------------------------------------


def find_parcel(reference: str) -> Subject:
    reference = (reference or "").strip()
    if not re.fullmatch(REFERENCE_PATTERN, reference):
        raise InvalidGeometry(
            f"« {reference[:60]} » n'est pas une référence foncière valide "
            "(par exemple TF 12345/C, R 2345/C ou NI-…)."
        )
    parcel = Parcel.objects.filter(reference=reference).first()
    if parcel is None:
        raise NotFound(f"Aucune parcelle ne porte la référence « {reference} ».")
    return Subject(geom=parcel.geom, parcel=parcel)


def _check_extent(geom: GEOSGeometry) -> None:
    if not inside_municipal_extent(geom):
        raise OutsideMunicipalExtent(
            f"Le lieu demandé est hors du territoire de {settings.GIS['CITY_NAME']}."
        )


def parcel_at(lon: str | float, lat: str | float) -> Subject:
    """The parcel under a map click given in longitude/latitude (EPSG:4326)."""
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise InvalidGeometry("lon et lat doivent être des nombres (degrés décimaux).") from None
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        raise InvalidGeometry("lon doit être entre -180 et 180, lat entre -90 et 90.")
    pt = Point(x, y, srid=API_SRID)
    pt.transform(STORAGE_SRID)
    _check_extent(pt)
    parcel = Parcel.objects.filter(geom__intersects=pt).order_by("reference").first()
    if parcel is None:
        raise NotFound("Aucune parcelle cadastrée à cet endroit ; dessinez le contour du terrain.")
    return Subject(geom=parcel.geom, parcel=parcel)


def outline_from_geojson(data: Any) -> Subject:
    """A drawn outline: a GeoJSON Polygon or MultiPolygon (or a Feature of one) in EPSG:4326."""
    opts = options()
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in {"Polygon", "MultiPolygon"}:
        raise InvalidGeometry(
            "Le contour doit être un Polygon ou MultiPolygon GeoJSON (EPSG:4326)."
        )
    if "crs" in data:
        raise InvalidGeometry("Le contour doit être en EPSG:4326 (sans membre « crs »).")
    try:
        geom = GEOSGeometry(json.dumps(data))
    except (GEOSException, GDALException, ValueError, TypeError):
        raise InvalidGeometry("Le contour n'est pas une géométrie GeoJSON lisible.") from None
    if geom.empty:
        raise InvalidGeometry("Le contour est vide.")
    if geom.num_coords > opts["MAX_OUTLINE_VERTICES"]:
        raise InvalidGeometry(f"Le contour a plus de {opts['MAX_OUTLINE_VERTICES']} sommets.")
    xmin, ymin, xmax, ymax = geom.extent
    if not (-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
        raise InvalidGeometry("Les coordonnées du contour doivent être des longitudes/latitudes.")
    if not geom.valid:
        raise InvalidGeometry(f"Le contour n'est pas valide : {geom.valid_reason}.")
    geom.srid = API_SRID
    geom.transform(STORAGE_SRID)
    _check_extent(geom)
    if geom.area > opts["MAX_OUTLINE_AREA_M2"]:
        raise InvalidGeometry(
            f"Le contour couvre {geom.area / 10_000:,.0f} ha ; la limite est de "
            f"{opts['MAX_OUTLINE_AREA_M2'] / 10_000:,.0f} ha."
        )
    if geom.area <= 0:
        raise InvalidGeometry("Le contour n'a pas de surface.")
    if isinstance(geom, Polygon):
        geom = MultiPolygon(geom, srid=STORAGE_SRID)
    return Subject(geom=geom)


# --- the overlay --------------------------------------------------------------------------------


def overlay_params(geom: GEOSGeometry) -> dict[str, Any]:
    opts = options()
    return {
        "geom": geom.hexewkb.decode(),
        "sliver_area": opts["SLIVER_AREA_M2"],
        "sliver_half_width": opts["SLIVER_WIDTH_M"] / 2,
        "frontage_margin": opts["FRONTAGE_MARGIN_M"],
        "frontage_reach": 60.0 + opts["FRONTAGE_MARGIN_M"],
        "frontage_min_length": opts["FRONTAGE_MIN_LENGTH_M"],
    }


def overlay_sql() -> str:
    return load_sql("overlay.sql")


def run_overlay(geom: GEOSGeometry) -> dict[str, Any]:
    """The raw overlay of the planning layers on ``geom`` (storage SRID), one SQL statement."""
    with connection.cursor() as cur:
        cur.execute(overlay_sql(), overlay_params(geom))
        (row,) = cur.fetchone()
    return row if isinstance(row, dict) else json.loads(row)


def largest_remainder(values: list[float], total: float, decimals: int) -> list[float]:
    """``values`` rounded to ``decimals`` so that they add up exactly to ``total`` rounded the same
    way (largest remainder method; ties go to the earlier value)."""
    if not values:
        return []
    unit = 10**decimals
    target = round(total * unit)
    scaled = [v * unit for v in values]
    floors = [math.floor(v) for v in scaled]
    missing = target - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-(scaled[i] - floors[i]), i))
    for i in order[: max(missing, 0)]:
        floors[i] += 1
    return [f / unit for f in floors]


def share_zones(
    total_area: float, zones: list[dict[str, Any]], uncovered: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Each zone's share of the land, in m² and per cent, adding up to the whole.

    Pieces flagged as slivers (digitising noise: thinner than ``SLIVER_WIDTH_M`` or smaller than
    ``SLIVER_AREA_M2``) are dropped and their area shared among the kept pieces in proportion to
    their size; a part outside every zone is a row of its own (``zone`` None) unless it is a
    sliver itself. Overlapping zones are scaled down the same way."""
    parts: list[tuple[dict[str, Any] | None, float]] = [
        (z, z["area_m2"]) for z in zones if not z["sliver"] and z["area_m2"] > 0
    ]
    if uncovered and not uncovered["sliver"] and uncovered["area_m2"] > 0:
        parts.append((None, uncovered["area_m2"]))
    if not parts:  # everything is "noise" (a tiny piece of land): keep what there is
        parts = [(z, z["area_m2"]) for z in zones if z["area_m2"] > 0]
        if uncovered and uncovered["area_m2"] > 0:
            parts.append((None, uncovered["area_m2"]))
    raw_sum = sum(a for _, a in parts)
    if raw_sum <= 0:
        return []
    scaled = [a * total_area / raw_sum for _, a in parts]
    areas = largest_remainder(scaled, total_area, 1)
    pcts = largest_remainder([100 * a / total_area for a in scaled], 100.0, 2)
    return [
        {"zone": z, "area_m2": area, "share_pct": pct}
        for (z, _), area, pct in zip(parts, areas, pcts, strict=True)
    ]


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def _regulation(reg: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "max_height_m", "max_floors", "cos", "ces", "min_plot_area_m2", "min_frontage_m",
        "setback_road_m", "setback_side_m", "setback_rear_m",
    )  # fmt: skip
    return {
        "code": reg["code"],
        "label_fr": reg["label_fr"],
        "label_ar": reg.get("label_ar") or "",
        "category": reg["category"],
        "category_label": ZoneCategory(reg["category"]).label,
        **{k: reg.get(k) for k in keys},
        "allowed_uses": reg.get("allowed_uses") or [],
        "prohibited_uses": reg.get("prohibited_uses") or [],
        "notes": reg.get("notes") or "",
    }


def _choice_label(choices: type, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


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
    noise = min(options()["SLIVER_AREA_M2"], total / 2)
    parcel = subject.parcel
    if parcel is not None:
        ident = {
            "kind": "parcel",
            "reference": parcel.reference,
            "land_status": parcel.land_status,
            "land_status_label": _choice_label(LandStatus, parcel.land_status),
            "address": parcel.address,
            "current_use": parcel.current_use,
            "official_area_m2": _r(parcel.official_area_m2),
            "computed_area_m2": _r(total),
        }
    else:
        ident = {
            "kind": "outline",
            "reference": None,
            "computed_area_m2": _r(total),
            "outline_sha256": hashlib.sha256(bytes(subject.geom.wkb)).hexdigest(),
        }
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
            "share_pct": _r(100 * rl["area_m2"] / total, 2) if total else None,
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
        "subject": ident,
        "arrondissement": raw["arrondissement"],
        "planning_document": doc,
        "zones": zones,
        "outside_zones": outside,
        "servitudes": servitudes,
        "reserved_land": reserved,
        "roads": roads,
    }


# --- the map extract ----------------------------------------------------------------------------


def map_frame(geom: GEOSGeometry) -> tuple[float, float, float, float]:
    """A square frame around the land with a margin of a third of its size (at least 40 m)."""
    xmin, ymin, xmax, ymax = geom.extent
    side = max(xmax - xmin, ymax - ymin)
    half = side / 2 + max(side / 3, 40.0)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    return (round(cx - half, 1), round(cy - half, 1), round(cx + half, 1), round(cy + half, 1))


def map_extract(subject: Subject) -> dict[str, Any]:
    """The geometries of the map extract (storage SRID), stored with the note so that its map
    can be drawn again as issued."""
    frame = map_frame(subject.geom)
    xmin, ymin, xmax, ymax = frame
    params = {
        "geom": subject.geom.hexewkb.decode(),
        "xmin": xmin,
        "ymin": ymin,
        "xmax": xmax,
        "ymax": ymax,
        "tolerance": (xmax - xmin) / 2000,
        "max_features": 500,
    }
    with connection.cursor() as cur:
        cur.execute(load_sql("map_extract.sql"), params)
        rows = cur.fetchall()
    features = []
    for layer, label, style, geometry, label_point in rows:
        if isinstance(geometry, str):
            geometry, label_point = json.loads(geometry), json.loads(label_point)
        if subject.parcel is not None and layer == "parcel" and label == subject.parcel.reference:
            continue
        features.append(
            {"layer": layer, "label": label, "style": style, "geometry": geometry,
             "label_point": label_point}
        )  # fmt: skip
    subject_geom = json.loads(subject.geom.json)
    return {
        "srid": STORAGE_SRID,
        "frame": list(frame),
        "subject": _round_coords(subject_geom),
        "features": features,
    }


def _round_coords(geometry: dict[str, Any]) -> dict[str, Any]:
    def walk(c: Any) -> Any:
        if isinstance(c, (int, float)):
            return round(c, 1)
        return [walk(x) for x in c]

    return {**geometry, "coordinates": walk(geometry["coordinates"])}


# --- hashes ---------------------------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def rules_hash(content: dict[str, Any]) -> str:
    return sha256({key: content.get(key) for key in RULE_KEYS})


def changed_sections(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [key for key in RULE_KEYS if sha256(old.get(key)) != sha256(new.get(key))]


# --- verification -------------------------------------------------------------------------------


def verify_note(note: Any) -> dict[str, Any]:
    """Whether a stored note is intact (its content still has its hash) and whether the rules
    have changed since it was issued (the note computed again now, compared section by section)."""
    intact = sha256(note.content) == note.content_hash
    parcel_exists = True
    if note.subject_kind == "parcel":
        try:
            subject = find_parcel(note.parcel_reference)
        except NotFound:
            parcel_exists = False
            subject = Subject(geom=note.geom)
    else:
        subject = Subject(geom=note.geom)
    if parcel_exists:
        current = note_content(subject)
        changed = changed_sections(note.content, current)
    else:
        changed = ["subject"]
    return {
        "intact": intact,
        "parcel_exists": parcel_exists,
        "rules_changed": bool(changed),
        "changed_sections": changed,
    }
