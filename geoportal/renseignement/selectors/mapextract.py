"""The geometries of a note's map extract (storage SRID), stored with the note so that its map can
be drawn again as issued (``mapsvg``)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry

from geoportal.renseignement.selectors.subjects import Subject
from geoportal.renseignement.sqlfiles import load_sql
from geoportal.replicas import read_connection

STORAGE_SRID: int = settings.GIS["STORAGE_SRID"]

# The frame is a square around the land with a margin of its size divided by MARGIN_DIVISOR (a
# third), and never less than MIN_MARGIN_M, so that a small parcel still shows its street.
MARGIN_DIVISOR = 3
MIN_MARGIN_M = 40.0
# Geometries are simplified to the frame's width divided by this: about a quarter of a pixel on
# the 520-pixel map (``mapsvg.MAP_SIZE_PX``), invisible, and it keeps the stored note small.
SIMPLIFY_DIVISOR = 2000
COORD_DECIMALS = 1  # coordinates kept to the decimetre (the SQL's ST_AsGeoJSON too)


def map_frame(geom: GEOSGeometry) -> tuple[float, float, float, float]:
    """A square frame around the land with a margin of a third of its size (at least 40 m)."""
    xmin, ymin, xmax, ymax = geom.extent
    side = max(xmax - xmin, ymax - ymin)
    half = side / 2 + max(side / MARGIN_DIVISOR, MIN_MARGIN_M)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    d = COORD_DECIMALS
    return (round(cx - half, d), round(cy - half, d), round(cx + half, d), round(cy + half, d))


def map_extract(subject: Subject, lang: str = "fr") -> dict[str, Any]:
    """The geometries of the map extract (storage SRID), stored with the note so that its map
    can be drawn again as issued; labels in ``lang`` where the data has them."""
    frame = map_frame(subject.geom)
    xmin, ymin, xmax, ymax = frame
    params = {
        "geom": subject.geom.hexewkb.decode(),
        "xmin": xmin,
        "ymin": ymin,
        "xmax": xmax,
        "ymax": ymax,
        "tolerance": (xmax - xmin) / SIMPLIFY_DIVISOR,
        "max_features": settings.RENSEIGNEMENT["MAP_MAX_FEATURES"],
        "lang": lang,
    }
    with read_connection().cursor() as cur:
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
            return round(c, COORD_DECIMALS)
        return [walk(x) for x in c]

    return {**geometry, "coordinates": walk(geometry["coordinates"])}
