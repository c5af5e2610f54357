"""Test settings of another city, to show that a city is settings alone: Marrakech, stored in
EPSG:26192 (Merchich / Sud Maroc, the legal CRS south of 31.5 N), with its own name and data
credit. ``tests/geoportal/test_other_city.py`` runs the core of the suite with it.

The layering is the product's: the test settings, then this city's values, then the values derived
from GIS computed again with the same functions as ``geoportal/settings/computed.py``.
"""

from __future__ import annotations

from geoportal.settings.computed import extent_lonlat, storage_crs
from geoportal.settings.test import *  # noqa: F403
from geoportal.settings.test import GIS, RENSEIGNEMENT

GIS = {
    **GIS,
    "STORAGE_SRID": 26192,
    # Greater Marrakech with a margin (60 km square); Jemaa el-Fna is at x 254185, y 516480.
    "EXTENT": (236000.0, 474000.0, 296000.0, 534000.0),
    "CITY_NAME": "Marrakech",
    "CITY_NAME_BY_LANG": {"ar": "مراكش"},
}
GIS_EXTENT_LONLAT = extent_lonlat(GIS)
GIS_STORAGE_CRS = storage_crs(GIS["STORAGE_SRID"])

RENSEIGNEMENT = {**RENSEIGNEMENT, "DATA_CREDIT": "jeu d'essai de la ville de Marrakech"}
