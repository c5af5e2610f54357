"""Finding the land a note is about: a cadastral parcel by its reference or under a map click, or
an outline drawn by the citizen (GeoJSON in EPSG:4326, read by ``layers.common.geojson``). Every
input is checked here, and the land is returned in the storage SRID."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geoportal.language import number_text
from layers.common.errors import (
    InvalidGeometry,
    InvalidRequest,
    OutsideMunicipalExtent,
    UnknownParcel,
)
from layers.common.extent import inside_municipal_extent
from layers.common.geojson import CRS84, Reason, StrOrPromise, parse_geometry
from layers.parcels.models import REFERENCE_PATTERN, Parcel

STORAGE_SRID: int = settings.GIS["STORAGE_SRID"]
API_SRID: int = settings.GIS["API_SRID"]

SHOWN_REFERENCE_CHARS = 60  # a refused reference is quoted back this long at most
M2_PER_HECTARE = 10_000


def hectares(m2: float) -> str:
    """An area in whole hectares, grouped as the active language writes numbers."""
    return number_text(m2 / M2_PER_HECTARE)


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
            _(
                "« %(reference)s » n'est pas une référence foncière valide "
                "(par exemple TF 12345/C, R 2345/C ou NI-…)."
            )
            % {"reference": reference[:SHOWN_REFERENCE_CHARS]},
            field="parcel",
        )
    parcel = Parcel.objects.filter(reference=reference).first()
    if parcel is None:
        raise UnknownParcel(
            _("Aucune parcelle ne porte la référence « %(reference)s ».")
            % {"reference": reference},
            field="parcel",
        )
    return Subject(geom=parcel.geom, parcel=parcel)


def _check_extent(geom: GEOSGeometry) -> None:
    if not inside_municipal_extent(geom):
        raise OutsideMunicipalExtent(
            _("Le lieu demandé est hors du territoire de %(city)s.")
            % {"city": settings.GIS["CITY_NAME"]}
        )


def parcel_at(lon: str | float, lat: str | float) -> Subject:
    """The parcel under a map click given in longitude/latitude (EPSG:4326)."""
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise InvalidRequest(_("lon et lat doivent être des nombres (degrés décimaux).")) from None
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        raise InvalidRequest(_("lon doit être entre -180 et 180, lat entre -90 et 90."))
    pt = Point(x, y, srid=API_SRID)
    pt.transform(STORAGE_SRID)
    _check_extent(pt)
    parcel = Parcel.objects.filter(geom__intersects=pt).order_by("reference").first()
    if parcel is None:
        raise UnknownParcel(
            _("Aucune parcelle cadastrée à cet endroit ; dessinez le contour du terrain.")
        )
    return Subject(geom=parcel.geom, parcel=parcel)


NOT_AN_OUTLINE = gettext_lazy(
    "Le contour doit être un Polygon ou MultiPolygon GeoJSON (EPSG:4326)."
)
OUTLINE_REFUSALS: dict[Reason, StrOrPromise] = {
    "not_json": NOT_AN_OUTLINE,
    "not_geometry": NOT_AN_OUTLINE,
    "wrong_type": NOT_AN_OUTLINE,
    "unreadable": gettext_lazy("Le contour n'est pas une géométrie GeoJSON lisible."),
    "empty": gettext_lazy("Le contour est vide."),
    "too_many_vertices": gettext_lazy("Le contour a plus de {max_vertices} sommets."),
    "coordinates": gettext_lazy(
        "Les coordonnées du contour doivent être des longitudes/latitudes."
    ),
    "invalid": gettext_lazy("Le contour n'est pas valide : {detail}."),
}


def outline_from_geojson(data: Any) -> Subject:
    """A drawn outline: a GeoJSON Polygon or MultiPolygon (or a Feature of one) in longitude and
    latitude (EPSG:4326 in GeoJSON's order, that is CRS84)."""
    opts = settings.RENSEIGNEMENT
    if not isinstance(data, dict):
        raise InvalidGeometry(str(NOT_AN_OUTLINE))
    geometry = data.get("geometry") if data.get("type") == "Feature" else data
    if isinstance(geometry, dict) and "crs" in geometry:
        raise InvalidGeometry(_("Le contour doit être en EPSG:4326 (sans membre « crs »)."))
    geom = parse_geometry(
        data,
        CRS84,
        geometry_type="MultiPolygon",
        max_vertices=opts["MAX_OUTLINE_VERTICES"],
        messages=OUTLINE_REFUSALS,
    )
    _check_extent(geom)
    if geom.area > opts["MAX_OUTLINE_AREA_M2"]:
        raise InvalidGeometry(
            _("Le contour couvre %(area)s ha ; la limite est de %(limit)s ha.")
            % {
                "area": hectares(geom.area),
                "limit": hectares(opts["MAX_OUTLINE_AREA_M2"]),
            }
        )
    if geom.area <= 0:
        raise InvalidGeometry(_("Le contour n'a pas de surface."))
    return Subject(geom=cast(MultiPolygon, geom))  # parse_geometry gave the type asked for
