"""The published attributes' names in each language, one place for all who show them: the
portal's popups and editor, the open-data downloads' headers, the OGC API schema (QGIS, GDAL).
Keyed by attribute name, whatever the layer: an attribute of the same name means the same thing
in every layer."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

# Names of the published attributes: popups, the editor's form, open-data CSV headers, the
# titles of the OGC API schema's properties (every registry field; a test checks it).
FIELD_LABELS: dict[str, Promise] = {
    "id": pgettext_lazy("attribute", "Identifiant"),
    "address": pgettext_lazy("attribute", "Adresse"),
    "approval_date": pgettext_lazy("attribute", "Date d'homologation"),
    "area_m2": pgettext_lazy("attribute", "Surface (m²)"),
    "category": pgettext_lazy("attribute", "Catégorie"),
    "code": pgettext_lazy("attribute", "Code"),
    "commune_type": pgettext_lazy("attribute", "Type de commune"),
    "computed_area_m2": pgettext_lazy("attribute", "Surface calculée (m²)"),
    "condition": pgettext_lazy("attribute", "État"),
    "condition_grade": pgettext_lazy("attribute", "Note d'état"),
    "condition_index": pgettext_lazy("attribute", "Indice d'état"),
    "current_use": pgettext_lazy("attribute", "Usage actuel"),
    "decree": pgettext_lazy("attribute", "Décret"),
    "description": pgettext_lazy("attribute", "Description"),
    "effect": pgettext_lazy("attribute", "Effet"),
    "effect_ar": pgettext_lazy("attribute", "Effet en arabe"),
    "effect_en": pgettext_lazy("attribute", "Effet en anglais"),
    "height_m": pgettext_lazy("attribute", "Hauteur (m)"),
    "households_2024": pgettext_lazy("attribute", "Ménages (2024)"),
    "install_date": pgettext_lazy("attribute", "Date de pose"),
    "irrigation": pgettext_lazy("attribute", "Arrosage"),
    "kind": pgettext_lazy("attribute", "Type"),
    "label": pgettext_lazy("attribute", "Libellé"),
    "label_fr": pgettext_lazy("attribute", "Libellé"),
    "label_ar": pgettext_lazy("attribute", "Libellé en arabe"),
    "label_en": pgettext_lazy("attribute", "Libellé en anglais"),
    "lamp_type": pgettext_lazy("attribute", "Type de lampe"),
    "land_status": pgettext_lazy("attribute", "Statut foncier"),
    "lanes": pgettext_lazy("attribute", "Voies"),
    "last_inspection": pgettext_lazy("attribute", "Dernière inspection"),
    "legal_reference": pgettext_lazy("attribute", "Référence légale"),
    "manager": pgettext_lazy("attribute", "Gestionnaire"),
    "name": pgettext_lazy("attribute", "Nom"),
    "name_ar": pgettext_lazy("attribute", "Nom en arabe"),
    "name_fr": pgettext_lazy("attribute", "Nom en français"),
    "nearest_segment": pgettext_lazy("attribute", "Tronçon le plus proche"),
    "nearest_segment_distance_m": pgettext_lazy("attribute", "Distance au tronçon (m)"),
    "official_area_m2": pgettext_lazy("attribute", "Contenance du titre (m²)"),
    "one_way": pgettext_lazy("attribute", "Sens unique"),
    "opening_hours": pgettext_lazy("attribute", "Horaires"),
    "planted_year": pgettext_lazy("attribute", "Année de plantation"),
    "population_2024": pgettext_lazy("attribute", "Population (2024)"),
    "power_w": pgettext_lazy("attribute", "Puissance (W)"),
    "province_fr": pgettext_lazy("attribute", "Province"),
    "public_access": pgettext_lazy("attribute", "Accès public"),
    "reference": pgettext_lazy("attribute", "Référence"),
    "regulation": pgettext_lazy("attribute", "Règlement"),
    "reported_at": pgettext_lazy("attribute", "Signalé le"),
    "resolved_at": pgettext_lazy("attribute", "Résolu le"),
    "road_class": pgettext_lazy("attribute", "Classe de voie"),
    "road_width_m": pgettext_lazy("attribute", "Emprise (m)"),
    "species": pgettext_lazy("attribute", "Essence"),
    "status": pgettext_lazy("attribute", "Statut"),
    "surface": pgettext_lazy("attribute", "Revêtement"),
    "width_m": pgettext_lazy("attribute", "Largeur (m)"),
    # the features' geometry, as the OGC API names it
    "geometry": pgettext_lazy("attribute", "Géométrie"),
}


def field_labels() -> dict[str, str]:
    """The published attributes' names in the active language."""
    return {name: str(label) for name, label in FIELD_LABELS.items()}


def field_label(name: str) -> str:
    """One attribute's name in the active language (the attribute itself when it has none)."""
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name
