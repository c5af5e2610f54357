"""Road assets (patrimoine voirie): segments, their inspections, street lights and furniture."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Case, Q, Value, When

from layers.common.models import STORAGE_SRID, Feature


class RoadClass(models.TextChoices):
    MOTORWAY = "motorway", "autoroute"
    TRUNK = "trunk", "voie express"
    PRIMARY = "primary", "boulevard principal"
    SECONDARY = "secondary", "boulevard secondaire"
    TERTIARY = "tertiary", "avenue"
    RESIDENTIAL = "residential", "rue"
    SERVICE = "service", "voie de desserte"
    PEDESTRIAN = "pedestrian", "rue piétonne"


class Surface(models.TextChoices):
    ASPHALT = "asphalt", "enrobé"
    CONCRETE = "concrete", "béton"
    PAVING = "paving", "pavés"
    GRAVEL = "gravel", "gravier"
    EARTH = "earth", "terre"


# Grade from the condition index: A (80-100) good ... E (0-19) to rebuild.
CONDITION_GRADE = Case(
    When(condition_index__gte=80, then=Value("A")),
    When(condition_index__gte=60, then=Value("B")),
    When(condition_index__gte=40, then=Value("C")),
    When(condition_index__gte=20, then=Value("D")),
    When(condition_index__isnull=False, then=Value("E")),
    default=None,
)


class RoadSegment(Feature):
    name_fr = models.CharField(max_length=200, blank=True)
    name_ar = models.CharField(max_length=200, blank=True)
    road_class = models.CharField(max_length=20, choices=RoadClass.choices)
    surface = models.CharField(max_length=20, choices=Surface.choices, default=Surface.ASPHALT)
    width_m = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    lanes = models.PositiveSmallIntegerField(null=True, blank=True)
    one_way = models.BooleanField(default=False)
    manager = models.CharField(max_length=120, blank=True, help_text="gestionnaire")
    condition_index = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    condition_grade = models.GeneratedField(
        expression=CONDITION_GRADE, output_field=models.CharField(max_length=1), db_persist=True
    )
    last_inspection = models.DateField(null=True, blank=True)
    geom = models.MultiLineStringField(srid=STORAGE_SRID, spatial_index=False)

    class Meta(Feature.Meta):
        constraints = [
            *Feature.Meta.constraints,
            models.CheckConstraint(
                condition=Q(condition_index__lte=100), name="roads_roadsegment_condition_0_100"
            ),
        ]

    def __str__(self) -> str:
        return self.name_fr or f"segment {self.pk}"


class Defect(models.TextChoices):
    POTHOLE = "pothole", "nid-de-poule"
    CRACKING = "cracking", "fissuration"
    RUTTING = "rutting", "orniérage"
    RAVELLING = "ravelling", "arrachement"
    DRAINAGE = "drainage", "défaut d'assainissement"
    MARKING = "marking", "marquage effacé"
    KERB = "kerb", "bordure cassée"


class Inspection(models.Model):
    """A visual inspection of a segment; recording one updates the segment's condition
    (``layers.roads.actions.record_inspection``)."""

    segment = models.ForeignKey(RoadSegment, on_delete=models.CASCADE, related_name="inspections")
    date = models.DateField()
    inspector = models.CharField(max_length=120)
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    defects = ArrayField(
        models.CharField(max_length=20, choices=Defect.choices), default=list, blank=True
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=100), name="roads_inspection_score_0_100")
        ]

    def __str__(self) -> str:
        return f"{self.segment} {self.date:%Y-%m-%d}: {self.score}"


class AssetStatus(models.TextChoices):
    WORKING = "working", "en service"
    FAULTY = "faulty", "en panne"
    OFF = "off", "hors service"
    REMOVED = "removed", "déposé"


class StreetLight(Feature):
    class LampType(models.TextChoices):
        LED = "led", "LED"
        SODIUM = "sodium", "sodium haute pression"
        METAL_HALIDE = "metal_halide", "iodures métalliques"

    lamp_type = models.CharField(max_length=20, choices=LampType.choices, default=LampType.LED)
    power_w = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=AssetStatus.choices, default=AssetStatus.WORKING
    )
    install_date = models.DateField(null=True, blank=True)
    geom = models.PointField(srid=STORAGE_SRID, spatial_index=False)

    def __str__(self) -> str:
        return f"lampadaire {self.pk}"


class StreetFurniture(Feature):
    class Kind(models.TextChoices):
        BENCH = "bench", "banc"
        BIN = "bin", "corbeille"
        BUS_SHELTER = "bus_shelter", "abribus"
        BOLLARD = "bollard", "borne"
        SIGN = "sign", "panneau"
        FOUNTAIN = "fountain", "fontaine"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(
        max_length=10, choices=AssetStatus.choices, default=AssetStatus.WORKING
    )
    install_date = models.DateField(null=True, blank=True)
    geom = models.PointField(srid=STORAGE_SRID, spatial_index=False)

    class Meta(Feature.Meta):
        verbose_name_plural = "street furniture"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"
