"""Factories with fixed, hand-checkable geometries in the storage SRID (``GIS["STORAGE_SRID"]``).

``ORIGIN`` is placed relative to the configured municipal extent: 12 km west and 12 km north of
its centre, rounded to the metre. In the default extent (EPSG:26191) that is Place Mohammed V in
central Casablanca (33.5936 N, 7.6186 W, x 294000 y 335000); in the other city of
``tests/othercity_settings.py`` (Marrakech, EPSG:26192) it is by the same rule near Jemaa el-Fna.
Every geometry is built from ORIGIN in metres, so areas and intersections can be worked out by
hand (a 100 m square is 10,000 m²), and the same tests hold in either city.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.conf import settings
from django.contrib.gis.geos import LineString, MultiLineString, MultiPolygon, Point, Polygon

from layers.boundaries.models import Arrondissement, Prefecture
from layers.facilities.models import CitizenReport, Facility
from layers.greenspaces.models import GreenSpace, Tree
from layers.parcels.models import Parcel
from layers.roads.models import RoadSegment, StreetLight
from layers.zoning.models import PlanningDocument, ReservedLand, Servitude, Zone, ZoneRegulation

SRID = settings.GIS["STORAGE_SRID"]
ORIGIN_FROM_CENTRE = (-12_000.0, 12_000.0)  # metres east and north of the extent's centre
# The hand-made geometries reach this far from ORIGIN (a 3 km planning document, a parcel 5 km
# away in the OGC tests); the extent must hold them all.
REACH = 6_000.0


def _origin() -> tuple[float, float]:
    xmin, ymin, xmax, ymax = settings.GIS["EXTENT"]
    x = round((xmin + xmax) / 2 + ORIGIN_FROM_CENTRE[0])
    y = round((ymin + ymax) / 2 + ORIGIN_FROM_CENTRE[1])
    if not (xmin + REACH <= x <= xmax - REACH and ymin + REACH <= y <= ymax - REACH):
        msg = f"GIS['EXTENT'] {settings.GIS['EXTENT']} is too small for the test geometries"
        raise ValueError(msg)
    return float(x), float(y)


ORIGIN = _origin()


def rect(x: float, y: float, w: float, h: float) -> MultiPolygon:
    """A ``w`` x ``h`` metre rectangle whose south-west corner is ``(x, y)`` metres from ORIGIN."""
    x0, y0 = ORIGIN[0] + x, ORIGIN[1] + y
    poly = Polygon(((x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h), (x0, y0)), srid=SRID)
    return MultiPolygon(poly, srid=SRID)


def line(*points: tuple[float, float]) -> MultiLineString:
    """A line through ``points`` given in metres from ORIGIN."""
    coords = [(ORIGIN[0] + x, ORIGIN[1] + y) for x, y in points]
    return MultiLineString(LineString(coords, srid=SRID), srid=SRID)


def point(x: float, y: float) -> Point:
    return Point(ORIGIN[0] + x, ORIGIN[1] + y, srid=SRID)


class PrefectureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prefecture

    code = factory.Sequence(lambda n: f"99.{n:03d}")
    name_fr = factory.Sequence(lambda n: f"Préfecture {n}")
    name_ar = "عمالة"
    geom = factory.LazyFunction(lambda: rect(-1000, -1000, 3000, 3000))


class ArrondissementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Arrondissement

    code = factory.Sequence(lambda n: f"9{n:08d}")
    name_fr = factory.Sequence(lambda n: f"Arrondissement {n}")
    name_ar = "مقاطعة"
    population_2024 = 100000
    geom = factory.LazyFunction(lambda: rect(-1000, -1000, 3000, 3000))


class ParcelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Parcel

    reference = factory.Sequence(lambda n: f"TF {10000 + n}/C")
    land_status = "titled"
    current_use = "habitation"
    address = factory.Sequence(lambda n: f"{n} rue de la Liberté")
    geom = factory.LazyFunction(lambda: rect(0, 0, 100, 100))


class RoadSegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoadSegment

    name_fr = factory.Sequence(lambda n: f"Rue {n}")
    name_ar = "زنقة"
    road_class = "residential"
    width_m = 12.0
    lanes = 2
    condition_index = 70
    geom = factory.LazyFunction(lambda: line((0, -10), (200, -10)))


class StreetLightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StreetLight

    geom = factory.LazyFunction(lambda: point(10, -5))


class GreenSpaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GreenSpace

    name_fr = factory.Sequence(lambda n: f"Jardin {n}")
    kind = "garden"
    geom = factory.LazyFunction(lambda: rect(300, 0, 100, 50))


class TreeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tree

    species = "Jacaranda mimosifolia"
    geom = factory.LazyFunction(lambda: point(310, 10))


class PlanningDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanningDocument

    name = "Plan d'aménagement de test"
    reference = factory.Sequence(lambda n: f"PA-TEST-{n}")
    approval_date = dt.date(2020, 6, 1)
    decree = "Décret n° 2-20-123"
    status = PlanningDocument.Status.IN_FORCE
    geom = factory.LazyFunction(lambda: rect(-1000, -1000, 3000, 3000))


class ZoneRegulationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ZoneRegulation

    document = factory.SubFactory(PlanningDocumentFactory)
    code = factory.Sequence(lambda n: f"R+{n % 9 + 1}")
    label_fr = "Habitat collectif"
    category = "collective_housing"
    max_height_m = 15.5
    max_floors = 4
    cos = 2.4
    ces = 0.6
    min_plot_area_m2 = 200.0
    min_frontage_m = 10.0
    setback_road_m = 0.0
    setback_side_m = 4.0
    allowed_uses = ["habitation", "commerce en rez-de-chaussée"]
    prohibited_uses = ["industrie", "entrepôts"]


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone

    regulation = factory.SubFactory(ZoneRegulationFactory)
    geom = factory.LazyFunction(lambda: rect(-500, -500, 1000, 1000))


class ServitudeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Servitude

    kind = "high_voltage"
    label = "Ligne 225 kV"
    legal_reference = "Dahir du 22 juin 1935"
    effect = "Construction interdite sous la ligne."
    width_m = 30.0
    geom = factory.LazyFunction(lambda: rect(0, 85, 500, 30))


class ReservedLandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReservedLand

    kind = "road"
    label = "Voie projetée V12"
    reference = "V12"
    road_width_m = 20.0
    geom = factory.LazyFunction(lambda: rect(40, -100, 20, 300))


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    kind = "school"
    name_fr = factory.Sequence(lambda n: f"École {n}")
    geom = factory.LazyFunction(lambda: point(50, 150))


class CitizenReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CitizenReport

    kind = "pothole"
    description = "Nid-de-poule profond"
    geom = factory.LazyFunction(lambda: point(60, -20))
