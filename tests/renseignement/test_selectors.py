"""The overlay on hand-made geometries whose answers are known by hand."""

from __future__ import annotations

import pytest

from geoportal.renseignement.selectors.content import note_content
from geoportal.renseignement.selectors.shares import largest_remainder
from geoportal.renseignement.selectors.subjects import find_parcel, parcel_at
from layers.common.errors import InvalidRequest, OutsideMunicipalExtent, UnknownParcel
from tests.factories import (
    ParcelFactory,
    ReservedLandFactory,
    RoadSegmentFactory,
    ServitudeFactory,
    line,
    point,
    rect,
)

pytestmark = pytest.mark.django_db


def note_for(reference: str) -> dict:
    return note_content(find_parcel(reference))


def zone_rows(note: dict) -> dict[str, tuple[float, float]]:
    return {z["regulation"]["code"]: (z["area_m2"], z["share_pct"]) for z in note["zones"]}


def test_parcel_split_70_30_between_two_zones(split_70_30, arrondissement):
    ParcelFactory(reference="TF 1000/C", geom=rect(0, 0, 100, 100), official_area_m2=10_020)
    note = note_for("TF 1000/C")
    assert zone_rows(note) == {"R+4": (7000.0, 70.0), "VE": (3000.0, 30.0)}
    assert note["outside_zones"] is None
    assert note["subject"]["computed_area_m2"] == 10_000.0
    assert note["subject"]["official_area_m2"] == 10_020.0
    assert note["arrondissement"] == {"code": "141010101", "name_fr": "Anfa", "name_ar": "أنفا"}
    assert note["planning_document"]["reference"] == "PA-CASA-2020"
    assert note["planning_document"]["approval_date"] == "2020-06-01"
    reg = note["zones"][0]["regulation"]
    assert (reg["max_height_m"], reg["max_floors"], reg["cos"], reg["ces"]) == (15.5, 4, 2.4, 0.6)
    assert reg["prohibited_uses"] == ["industrie", "entrepôts"]


def test_sliver_from_digitising_noise_is_ignored(make_zone):
    # The zone boundary runs 0.4 m inside the parcel: a 0.4 x 100 m strip (40 m²) of R+4.
    make_zone("R+4", rect(-500, -500, 500.4, 1000))
    make_zone("R+2", rect(0.4, -500, 600, 1000))
    ParcelFactory(reference="TF 1001/C", geom=rect(0, 0, 100, 100))
    note = note_for("TF 1001/C")
    assert zone_rows(note) == {"R+2": (10_000.0, 100.0)}


def test_narrow_but_real_piece_is_kept(make_zone):
    # 2 m inside the parcel is wider than the 1 m tolerance: a real 200 m² share.
    make_zone("R+4", rect(-500, -500, 502, 1000))
    make_zone("R+2", rect(2, -500, 600, 1000))
    ParcelFactory(reference="TF 1002/C", geom=rect(0, 0, 100, 100))
    assert zone_rows(note_for("TF 1002/C")) == {"R+2": (9800.0, 98.0), "R+4": (200.0, 2.0)}


def test_overlapping_zones_are_scaled_to_the_whole(make_zone):
    # Both zones claim the strip 70 <= x <= 70.3: 7030 + 3000 m² on a 10,000 m² parcel.
    make_zone("R+4", rect(-500, -500, 570.3, 1000))
    make_zone("R+2", rect(70, -500, 600, 1000))
    ParcelFactory(reference="TF 1003/C", geom=rect(0, 0, 100, 100))
    rows = zone_rows(note_for("TF 1003/C"))
    assert sum(a for a, _ in rows.values()) == pytest.approx(10_000.0)
    assert sum(p for _, p in rows.values()) == pytest.approx(100.0)
    assert rows["R+4"][0] == pytest.approx(7030 * 10_000 / 10_030, abs=0.1)


def test_parcel_outside_every_zone(make_zone, document):
    make_zone("R+4", rect(-500, -500, 500, 500))
    ParcelFactory(reference="TF 1004/C", geom=rect(1500, 1500, 50, 40))
    note = note_for("TF 1004/C")
    assert note["zones"] == []
    assert note["outside_zones"] == {"area_m2": 2000.0, "share_pct": 100.0}
    assert note["planning_document"]["reference"] == document.reference


def test_parcel_half_outside_the_zoning(make_zone):
    make_zone("R+4", rect(-500, -500, 550, 1000))  # up to x = 50
    ParcelFactory(reference="TF 1005/C", geom=rect(0, 0, 100, 100))
    note = note_for("TF 1005/C")
    assert zone_rows(note) == {"R+4": (5000.0, 50.0)}
    assert note["outside_zones"] == {"area_m2": 5000.0, "share_pct": 50.0}


def test_no_planning_document_outside_its_perimeter(db):
    ParcelFactory(reference="TF 1006/C", geom=rect(5000, 5000, 10, 10))
    note = note_for("TF 1006/C")
    assert note["planning_document"] is None
    assert note["arrondissement"] is None
    assert note["outside_zones"] == {"area_m2": 100.0, "share_pct": 100.0}


def test_servitude_buffer_touching_the_parcel(split_70_30):
    # A 30 m buffer around a power line at y = 120: its edge is at y = 90, so 10 m of the
    # 100 m square parcel is under it (1,000 m², 100 m long).
    buffer = line((-300, 120), (400, 120)).buffer(30)
    ServitudeFactory(geom=_multi(buffer), width_m=60)
    ServitudeFactory(label="Cimetière", kind="cemetery", width_m=None, geom=rect(200, 0, 50, 50))
    ParcelFactory(reference="TF 1007/C", geom=rect(0, 0, 100, 100))
    (servitude,) = note_for("TF 1007/C")["servitudes"]
    assert servitude["area_m2"] == pytest.approx(1000.0, abs=0.1)
    assert servitude["length_m"] == pytest.approx(100.0, abs=0.1)
    assert servitude["effect"] == "Construction interdite sous la ligne."
    assert servitude["legal_reference"] == "Dahir du 22 juin 1935"


def _multi(geom):
    from django.contrib.gis.geos import MultiPolygon

    return MultiPolygon(geom, srid=geom.srid)


def test_planned_road_crossing_the_parcel(split_70_30, document):
    # Planned road V12, 20 m wide, across the parcel from x = 40 to 60: 2,000 m².
    ReservedLandFactory(document=document)
    ReservedLandFactory(
        kind="school", label="École", reference="E3", road_width_m=None, geom=rect(300, 300, 50, 50)
    )
    ParcelFactory(reference="TF 1008/C", geom=rect(0, 0, 100, 100))
    (reserved,) = note_for("TF 1008/C")["reserved_land"]
    assert reserved["area_m2"] == 2000.0
    assert reserved["share_pct"] == 20.0
    assert (reserved["reference"], reserved["road_width_m"]) == ("V12", 20.0)
    assert reserved["document_reference"] == "PA-CASA-2020"


def test_fronting_roads(split_70_30):
    # A 12 m street whose axis runs 10 m south of the parcel: within 6 + 5 m, so it fronts the
    # parcel along its 100 m south side plus 1 m up each side edge (102 m).
    RoadSegmentFactory(name_fr="Rue Sud", geom=line((-50, -10), (150, -10)), width_m=12)
    # A 30 m boulevard 14 m east of the parcel: within 15 + 5 m; fronts the 100 m east side
    # plus 6 m along the north and south sides (112 m).
    RoadSegmentFactory(
        name_fr="Bd Est", road_class="primary", width_m=30, geom=line((114, -200), (114, 300))
    )
    # A 12 m street 30 m north: too far.
    RoadSegmentFactory(name_fr="Rue Nord", geom=line((-50, 130), (150, 130)), width_m=12)
    ParcelFactory(reference="TF 1009/C", geom=rect(0, 0, 100, 100))
    roads = {r["name_fr"]: r for r in note_for("TF 1009/C")["roads"]}
    assert set(roads) == {"Rue Sud", "Bd Est"}
    assert roads["Rue Sud"]["frontage_m"] == pytest.approx(102.0, abs=0.1)
    assert roads["Rue Sud"]["distance_m"] == 10.0
    assert roads["Bd Est"]["frontage_m"] == pytest.approx(112.0, abs=0.1)
    assert (roads["Bd Est"]["road_class"], roads["Bd Est"]["width_m"]) == ("primary", 30.0)


def test_unknown_and_malformed_references(db):
    with pytest.raises(UnknownParcel):
        find_parcel("TF 999999/C")
    with pytest.raises(InvalidRequest):
        find_parcel("'; DROP TABLE parcels_parcel; --")


def test_parcel_at_a_map_click(split_70_30):
    ParcelFactory(reference="TF 1010/C", geom=rect(0, 0, 100, 100))
    pt = point(50, 50)
    pt.transform(4326)
    assert parcel_at(pt.x, pt.y).parcel.reference == "TF 1010/C"
    with pytest.raises(UnknownParcel):
        outside = point(500, 500)
        outside.transform(4326)
        parcel_at(outside.x, outside.y)
    with pytest.raises(OutsideMunicipalExtent):
        parcel_at(-6.8, 34.0)  # Rabat
    with pytest.raises(InvalidRequest):
        parcel_at("abc", 33.5)


@pytest.mark.parametrize(
    ("values", "total", "expected"),
    [
        ([33.333, 33.333, 33.334], 100.0, [33.33, 33.33, 33.34]),
        ([10.005, 10.005, 79.99], 100.0, [10.01, 10.0, 79.99]),
        ([66.6666, 33.3333], 99.9999, [66.67, 33.33]),
        ([], 0.0, []),
    ],
)
def test_largest_remainder_adds_up(values, total, expected):
    assert largest_remainder(values, total, 2) == expected


def test_uncovered_sliver_at_the_zoning_edge_is_ignored(make_zone):
    # The zoning stops 0.4 m short of the parcel's east side: noise, not "outside every zone".
    make_zone("R+4", rect(-500, -500, 599.6, 1000))
    ParcelFactory(reference="TF 1011/C", geom=rect(0, 0, 100, 100))
    note = note_for("TF 1011/C")
    assert zone_rows(note) == {"R+4": (10_000.0, 100.0)}
    assert note["outside_zones"] is None


def test_sliver_tolerance_comes_from_settings(make_zone, settings):
    settings.RENSEIGNEMENT = {**settings.RENSEIGNEMENT, "SLIVER_WIDTH_M": 0.1}
    make_zone("R+4", rect(-500, -500, 500.4, 1000))
    make_zone("R+2", rect(0.4, -500, 600, 1000))
    ParcelFactory(reference="TF 1012/C", geom=rect(0, 0, 100, 100))
    assert zone_rows(note_for("TF 1012/C")) == {"R+2": (9960.0, 99.6), "R+4": (40.0, 0.4)}


def test_neighbours_sharing_only_the_boundary_are_not_listed(split_70_30, document):
    # A reserved school site and a cemetery servitude along the parcel's north side, outside it.
    ReservedLandFactory(
        kind="school",
        label="École",
        reference="E3",
        road_width_m=None,
        document=document,
        geom=rect(0, 100, 100, 50),
    )
    ServitudeFactory(kind="cemetery", label="Cimetière", width_m=None, geom=rect(-20, 100, 40, 20))
    ParcelFactory(reference="TF 1013/C", geom=rect(0, 0, 100, 100))
    note = note_for("TF 1013/C")
    assert note["reserved_land"] == [] and note["servitudes"] == []
