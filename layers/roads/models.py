"""Road assets (patrimoine voirie): segments, their inspections, street lights and furniture."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Case, Q, Value, When
from django.utils.translation import pgettext_lazy

from layers.common.models import STORAGE_SRID, Feature


class RoadClass(models.TextChoices):
    MOTORWAY = "motorway", pgettext_lazy("road_class", "autoroute")
    TRUNK = "trunk", pgettext_lazy("road_class", "voie express")
    PRIMARY = "primary", pgettext_lazy("road_class", "boulevard principal")
    SECONDARY = "secondary", pgettext_lazy("road_class", "boulevard secondaire")
    TERTIARY = "tertiary", pgettext_lazy("road_class", "avenue")
    RESIDENTIAL = "residential", pgettext_lazy("road_class", "rue")
    SERVICE = "service", pgettext_lazy("road_class", "voie de desserte")
    PEDESTRIAN = "pedestrian", pgettext_lazy("road_class", "rue piétonne")


class Surface(models.TextChoices):
    ASPHALT = "asphalt", pgettext_lazy("surface", "enrobé")
    CONCRETE = "concrete", pgettext_lazy("surface", "béton")
    PAVING = "paving", pgettext_lazy("surface", "pavés")
    GRAVEL = "gravel", pgettext_lazy("surface", "gravier")
    EARTH = "earth", pgettext_lazy("surface", "terre")


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
    manager = models.CharField(
        max_length=120,
        blank=True,
        help_text=pgettext_lazy("help", "service ou organisme qui gère la voie"),
    )
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
    POTHOLE = "pothole", pgettext_lazy("defects", "nid-de-poule")
    CRACKING = "cracking", pgettext_lazy("defects", "fissuration")
    RUTTING = "rutting", pgettext_lazy("defects", "orniérage")
    RAVELLING = "ravelling", pgettext_lazy("defects", "arrachement")
    DRAINAGE = "drainage", pgettext_lazy("defects", "défaut d'assainissement")
    MARKING = "marking", pgettext_lazy("defects", "marquage effacé")
    KERB = "kerb", pgettext_lazy("defects", "bordure cassée")


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
    WORKING = "working", pgettext_lazy("status", "en service")
    FAULTY = "faulty", pgettext_lazy("status", "en panne")
    OFF = "off", pgettext_lazy("status", "hors service")
    REMOVED = "removed", pgettext_lazy("status", "déposé")


class StreetLight(Feature):
    class LampType(models.TextChoices):
        LED = "led", pgettext_lazy("lamp_type", "LED")
        SODIUM = "sodium", pgettext_lazy("lamp_type", "sodium haute pression")
        METAL_HALIDE = "metal_halide", pgettext_lazy("lamp_type", "iodures métalliques")

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
        BENCH = "bench", pgettext_lazy("kind", "banc")
        BIN = "bin", pgettext_lazy("kind", "corbeille")
        BUS_SHELTER = "bus_shelter", pgettext_lazy("kind", "abribus")
        BOLLARD = "bollard", pgettext_lazy("kind", "borne")
        SIGN = "sign", pgettext_lazy("kind", "panneau")
        FOUNTAIN = "fountain", pgettext_lazy("kind", "fontaine")

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
