"""The real administrative boundaries: 16 arrondissements, 8 préfectures d'arrondissements
dissolved from them, and the 37 surrounding communes. Reprojected in the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

from . import sql

DATA = Path(__file__).resolve().parent / "data"
CENSUS_FIELDS = ("population_2024", "households_2024")
ARRONDISSEMENT_FIELDS = ("code", "code_hcp", "name_fr", "name_ar", *CENSUS_FIELDS)
COMMUNE_FIELDS = ("code", "name_fr", "name_ar", "commune_type", *CENSUS_FIELDS)


def read_features(name: str) -> list[dict[str, Any]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return json.load(fh)["features"]


def prefectures_of(arrondissements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The préfectures d'arrondissements, their population and households summed, sorted by code."""
    out: dict[str, dict[str, Any]] = {}
    for f in arrondissements:
        p = f["properties"]
        new = {
            "code": p["prefecture_code"],
            "name_fr": p["prefecture_name_fr"],
            "name_ar": p["prefecture_name_ar"],
            "population_2024": 0,
            "households_2024": 0,
        }
        pref = out.setdefault(p["prefecture_code"], new)
        pref["population_2024"] += p["population_2024"]
        pref["households_2024"] += p["households_2024"]
    return [out[k] for k in sorted(out)]


def load_boundaries(cursor) -> dict[str, int]:
    """Insert the three boundary layers with ids 1..n; returns the rows written per table."""
    srids = {"api": settings.GIS["API_SRID"], "storage": settings.GIS["STORAGE_SRID"]}
    arrs = sorted(read_features("arrondissements.geojson"), key=lambda f: f["properties"]["code"])
    prefs = prefectures_of(arrs)
    pref_id = {p["code"]: n for n, p in enumerate(prefs, start=1)}
    cursor.executemany(
        sql.INSERT_ARRONDISSEMENT,
        [
            {
                **{k: f["properties"][k] for k in ARRONDISSEMENT_FIELDS},
                "id": n,
                "prefecture_id": pref_id[f["properties"]["prefecture_code"]],
                "geojson": json.dumps(f["geometry"]),
                **srids,
            }
            for n, f in enumerate(arrs, start=1)
        ],
    )
    cursor.executemany(
        sql.INSERT_PREFECTURE,
        [{**p, "id": pref_id[p["code"]]} for p in prefs],
    )
    communes = sorted(read_features("communes.geojson"), key=lambda f: f["properties"]["code"])
    cursor.executemany(
        sql.INSERT_COMMUNE,
        [
            {
                **{k: f["properties"][k] for k in COMMUNE_FIELDS},
                "province_fr": f["properties"]["prefecture_name_fr"] or "",
                "id": n,
                "geojson": json.dumps(f["geometry"]),
                **srids,
            }
            for n, f in enumerate(communes, start=1)
        ],
    )
    return {
        "boundaries_prefecture": len(prefs),
        "boundaries_arrondissement": len(arrs),
        "boundaries_commune": len(communes),
    }
