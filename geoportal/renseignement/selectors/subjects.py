"""Finding the land a note is about: a cadastral parcel by its reference or under a map click, or
an outline drawn by the citizen (GeoJSON in EPSG:4326). Every input is checked here, and the land
is returned in the storage SRID."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.gis.gdal.error import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Point, Polygon

from layers.common.errors import (
    InvalidGeometry,
    InvalidRequest,
    OutsideMunicipalExtent,
    UnknownParcel,
)
from layers.common.extent import inside_municipal_extent
from layers.parcels.models import REFERENCE_PATTERN, Parcel

STORAGE_SRID: int = settings.GIS["STORAGE_SRID"]
API_SRID: int = settings.GIS["API_SRID"]

SHOWN_REFERENCE_CHARS = 60  # a refused reference is quoted back this long at most
M2_PER_HECTARE = 10_000


@dataclass(frozen=True)
class Subject:
    """The land a note is about: a cadastral parcel, or an outline drawn by the citizen."""

    geom: MultiPolygon  # storage SRID
    parcel: Parcel | None = None

    @property
    def kind(self) -> str:
        return "parcel" if self.parcel is not None else "outline"


def find_parcel(reference: str) -> Subject:
    reference = (reference or "").strip()
    if not re.fullmatch(REFERENCE_PATTERN, reference):
        raise InvalidRequest(
            f"« {reference[:SHOWN_REFERENCE_CHARS]} » n'est pas une référence foncière valide "
            "(par exemple TF 12345/C, R 2345/C ou NI-…).",
            field="parcel",
        )
    parcel = Parcel.objects.filter(reference=reference).first()
    if parcel is None:
        raise UnknownParcel(
            f"Aucune parcelle ne porte la référence « {reference} ».", field="parcel"
        )
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
        raise InvalidRequest("lon et lat doivent être des nombres (degrés décimaux).") from None
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        raise InvalidRequest("lon doit être entre -180 et 180, lat entre -90 et 90.")
    pt = Point(x, y, srid=API_SRID)
    pt.transform(STORAGE_SRID)
    _check_extent(pt)
    parcel = Parcel.objects.filter(geom__intersects=pt).order_by("reference").first()
    if parcel is None:
        raise UnknownParcel(
            "Aucune parcelle cadastrée à cet endroit ; dessinez le contour du terrain."
        )
    return Subject(geom=parcel.geom, parcel=parcel)


def outline_from_geojson(data: Any) -> Subject:
    """A drawn outline: a GeoJSON Polygon or MultiPolygon (or a Feature of one) in EPSG:4326."""
    opts = settings.RENSEIGNEMENT
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
            f"Le contour couvre {geom.area / M2_PER_HECTARE:,.0f} ha ; la limite est de "
            f"{opts['MAX_OUTLINE_AREA_M2'] / M2_PER_HECTARE:,.0f} ha."
        )
    if geom.area <= 0:
        raise InvalidGeometry("Le contour n'a pas de surface.")
    if isinstance(geom, Polygon):
        geom = MultiPolygon(geom, srid=STORAGE_SRID)
    return Subject(geom=cast(MultiPolygon, geom))  # the other type let through is MultiPolygon
