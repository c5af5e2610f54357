"""Urban planning: planning documents (plans d'aménagement), their zones and regulations,
servitudes and reserved land."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils.translation import pgettext_lazy

from layers.common.models import STORAGE_SRID, Feature


class PlanningDocument(Feature):
    class Status(models.TextChoices):
        IN_FORCE = "in_force", pgettext_lazy("status", "homologué (en vigueur)")
        IN_STUDY = "in_study", pgettext_lazy("status", "en cours d'étude")
        EXPIRED = "expired", pgettext_lazy("status", "caduc")

    name = models.CharField(max_length=200)
    reference = models.CharField(max_length=80, unique=True)
    approval_date = models.DateField(null=True, blank=True)
    decree = models.CharField(
        max_length=200, blank=True, help_text=pgettext_lazy("help", "décret d'homologation")
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    geom = models.MultiPolygonField(srid=STORAGE_SRID, spatial_index=False)

    def __str__(self) -> str:
        return f"{self.name} ({self.reference})"


class ZoneCategory(models.TextChoices):
    COLLECTIVE_HOUSING = "collective_housing", pgettext_lazy("category", "habitat collectif")
    VILLA = "villa", pgettext_lazy("category", "habitat villas")
    ECONOMIC_HOUSING = "economic_housing", pgettext_lazy("category", "habitat économique")
    MIXED = "mixed", pgettext_lazy("category", "zone mixte")
    CENTRE = "centre", pgettext_lazy("category", "centre-ville")
    INDUSTRIAL = "industrial", pgettext_lazy("category", "zone industrielle")
    EQUIPMENT = "equipment", pgettext_lazy("category", "équipements")
    GREEN = "green", pgettext_lazy("category", "zone verte")
    TOURISM = "tourism", pgettext_lazy("category", "zone touristique")


class ZoneRegulation(models.Model):
    """The rules of a zone code in a planning document's regulation (règlement d'aménagement)."""

    document = models.ForeignKey(
        PlanningDocument, on_delete=models.CASCADE, related_name="regulations"
    )
    code = models.CharField(max_length=20, help_text=pgettext_lazy("help", "R+4, VE, I1…"))
    label_fr = models.CharField(max_length=200)
    label_ar = models.CharField(max_length=200, blank=True)
    label_en = models.CharField(max_length=200, blank=True, db_default="")
    category = models.CharField(max_length=20, choices=ZoneCategory.choices)
    max_height_m = models.FloatField(null=True, blank=True)
    max_floors = models.PositiveSmallIntegerField(null=True, blank=True)
    cos = models.FloatField(
        null=True, blank=True, help_text=pgettext_lazy("help", "coefficient d'occupation du sol")
    )
    ces = models.FloatField(
        null=True,
        blank=True,
        help_text=pgettext_lazy("help", "coefficient d'emprise au sol (de 0 à 1)"),
    )
    min_plot_area_m2 = models.FloatField(null=True, blank=True)
    min_frontage_m = models.FloatField(null=True, blank=True)
    setback_road_m = models.FloatField(null=True, blank=True)
    setback_side_m = models.FloatField(null=True, blank=True)
    setback_rear_m = models.FloatField(null=True, blank=True)
    allowed_uses = ArrayField(models.CharField(max_length=80), default=list, blank=True)
    allowed_uses_ar = ArrayField(
        models.CharField(max_length=80), default=list, blank=True, db_default=[]
    )
    allowed_uses_en = ArrayField(
        models.CharField(max_length=80), default=list, blank=True, db_default=[]
    )
    prohibited_uses = ArrayField(models.CharField(max_length=80), default=list, blank=True)
    prohibited_uses_ar = ArrayField(
        models.CharField(max_length=80), default=list, blank=True, db_default=[]
    )
    prohibited_uses_en = ArrayField(
        models.CharField(max_length=80), default=list, blank=True, db_default=[]
    )
    notes = models.TextField(blank=True)
    notes_ar = models.TextField(blank=True, db_default="")
    notes_en = models.TextField(blank=True, db_default="")
    text_url = models.URLField(
        max_length=500,
        blank=True,
        db_default="",
        help_text=pgettext_lazy(
            "help", "le texte publié du règlement ; vide : la page de la zone sur la plateforme"
        ),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document", "code"], name="zoning_regulation_code_unique"
            )
        ]
        ordering = ["document", "code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.label_fr}"


class Zone(Feature):
    """A zone of a planning document. ``code``, ``category`` and the default labels (``label_fr``,
    ``label_ar``, ``label_en``) follow the regulation, kept by a database trigger
    (``zoning/sql/0005_zone_labels_follow_regulation.sql``) for every write path."""

    regulation = models.ForeignKey(ZoneRegulation, on_delete=models.PROTECT, related_name="zones")
    code = models.CharField(
        max_length=20,
        blank=True,
        help_text=pgettext_lazy("help", "repris du règlement, pour les cartes"),
    )
    label_fr = models.CharField(max_length=200, blank=True)
    label_ar = models.CharField(max_length=200, blank=True, db_default="")
    label_en = models.CharField(max_length=200, blank=True, db_default="")
    category = models.CharField(max_length=20, choices=ZoneCategory.choices, blank=True)
    geom = models.MultiPolygonField(srid=STORAGE_SRID, spatial_index=False)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # set by the trigger
        self.refresh_from_db(fields=["code", "category", "label_fr", "label_ar", "label_en"])

    def __str__(self) -> str:
        return f"zone {self.code} ({self.pk})"


class Servitude(Feature):
    class Kind(models.TextChoices):
        HIGH_VOLTAGE = "high_voltage", pgettext_lazy("kind", "ligne haute tension")
        RAILWAY = "railway", pgettext_lazy("kind", "voie ferrée")
        CEMETERY = "cemetery", pgettext_lazy("kind", "cimetière")
        MARITIME = "maritime_public_domain", pgettext_lazy("kind", "domaine public maritime")
        HERITAGE = "heritage", pgettext_lazy("kind", "protection du patrimoine")
        AIRPORT = "airport", pgettext_lazy("kind", "servitude aéronautique")
        FLOOD = "flood_zone", pgettext_lazy("kind", "zone inondable")
        NON_AEDIFICANDI = "non_aedificandi", pgettext_lazy("kind", "zone non aedificandi")

    kind = models.CharField(max_length=30, choices=Kind.choices)
    label = models.CharField(max_length=200)
    label_ar = models.CharField(max_length=200, blank=True, db_default="")
    label_en = models.CharField(max_length=200, blank=True, db_default="")
    legal_reference = models.CharField(max_length=250, blank=True)
    effect = models.TextField(help_text=pgettext_lazy("help", "ce qu'elle interdit ou impose"))
    effect_ar = models.TextField(blank=True, db_default="")
    effect_en = models.TextField(blank=True, db_default="")
    width_m = models.FloatField(
        null=True,
        blank=True,
        help_text=pgettext_lazy("help", "largeur de la bande, si elle est linéaire"),
    )
    geom = models.MultiPolygonField(srid=STORAGE_SRID, spatial_index=False)

    def __str__(self) -> str:
        return self.label


class ReservedLand(Feature):
    class Kind(models.TextChoices):
        ROAD = "road", pgettext_lazy("kind", "voie projetée")
        SCHOOL = "school", pgettext_lazy("kind", "école")
        MOSQUE = "mosque", pgettext_lazy("kind", "mosquée")
        HOSPITAL = "hospital", pgettext_lazy("kind", "hôpital / centre de santé")
        GREEN_SPACE = "green_space", pgettext_lazy("kind", "espace vert")
        SPORTS = "sports", pgettext_lazy("kind", "équipement sportif")
        ADMINISTRATION = "administration", pgettext_lazy("kind", "équipement administratif")
        PARKING = "parking", pgettext_lazy("kind", "parking")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    label = models.CharField(max_length=200)
    label_ar = models.CharField(max_length=200, blank=True, db_default="")
    label_en = models.CharField(max_length=200, blank=True, db_default="")
    reference = models.CharField(
        max_length=40, blank=True, help_text=pgettext_lazy("help", "E12, V3… dans le plan")
    )
    road_width_m = models.FloatField(
        null=True, blank=True, help_text=pgettext_lazy("help", "voies projetées seulement")
    )
    document = models.ForeignKey(
        PlanningDocument,
        on_delete=models.PROTECT,
        related_name="reserved_land",
        null=True,
        blank=True,
    )
    geom = models.MultiPolygonField(srid=STORAGE_SRID, spatial_index=False)

    class Meta(Feature.Meta):
        verbose_name_plural = "reserved land"

    def __str__(self) -> str:
        return self.label
