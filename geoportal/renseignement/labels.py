"""The words of the note's pages (``t`` in the renseignement templates), French source strings
of the ``locale/`` catalogues. A note is issued in one language and its PDF is wholly in it, the
planning data included (``selectors.content``)."""

from __future__ import annotations

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

LABELS: dict[str, Promise] = {
    "title": _("Note de renseignements urbanistiques"),
    "site": _("Géoportail"),
    "s1": _("1. Identification du terrain"),
    "reference": _("Référence foncière"),
    "land_status": _("Statut foncier"),
    "address": _("Adresse"),
    "current_use": _("Usage actuel"),
    "official_area": _("Contenance (titre)"),
    "outline_land": _("Terrain"),
    "outline_desc": _("Contour dessiné par le demandeur (terrain sans parcelle cadastrée)"),
    "computed_area": _("Superficie calculée"),
    "arrondissement": _("Arrondissement"),
    "no_arrondissement": _("hors des arrondissements de la ville"),
    "s2": _("2. Document d'urbanisme en vigueur"),
    "document": _("Document"),
    "doc_reference": _("Référence"),
    "approval": _("Homologation"),
    "of_date": _("du"),
    "no_document": _("Aucun document d'urbanisme homologué ne couvre ce terrain."),
    "s3": _("3. Zonage"),
    "no_zone": _("Le terrain n'est couvert par aucune zone d'un plan d'aménagement en vigueur."),
    "zone": _("Zone"),
    "label": _("Libellé"),
    "area_m2": _("Surface (m²)"),
    "share": _("Part"),
    "outside_zoning": _("Hors zonage"),
    "outside_share": _("du terrain n'est couvert par aucune zone."),
    "rules_of": _("Règlement de la zone"),
    "max_height": _("Hauteur maximale"),
    "max_floors": _("Niveaux maximum"),
    "cos": _("COS"),
    "ces": _("CES"),
    "min_plot": _("Parcelle minimale"),
    "min_frontage": _("Façade minimale"),
    "setbacks": _("Reculs"),
    "setback_road": _("voie"),
    "setback_side": _("limites séparatives"),
    "setback_rear": _("fond"),
    "allowed": _("Usages autorisés"),
    "prohibited": _("Usages interdits"),
    "notes": _("Observations"),
    "s4": _("4. Servitudes"),
    "servitude": _("Servitude"),
    "legal_reference": _("Référence légale"),
    "affected": _("Surface touchée"),
    "effect": _("Effet"),
    "width": _("emprise"),
    "over": _("sur"),
    "no_servitude": _("Aucune servitude ne touche le terrain."),
    "s5": _("5. Emplacements réservés et voies projetées"),
    "reservation": _("Réservation"),
    "kind": _("Nature"),
    "road_width": _("Largeur"),
    "no_reserved": _("Aucun emplacement réservé ni voie projetée ne traverse le terrain."),
    "s6": _("6. Voies desservant le terrain"),
    "road": _("Voie"),
    "road_class": _("Catégorie"),
    "frontage": _("Façade"),
    "unnamed_road": _("voie sans nom"),
    "no_road": _("Le terrain ne donne sur aucune voie existante connue."),
    "s7": _("7. Extrait de plan"),
    "disclaimer": _("Avertissement"),
    "sources": _("Sources"),
    "search_intro": _(
        "Le zonage, les règles, servitudes et réservations qui s'appliquent à un terrain, en quelques secondes."
    ),
    "search_parcel": _("Référence foncière (TF 12345/C, R 2345/C, NI-…)"),
    "search_outline": _("Terrain sans parcelle : contour en GeoJSON (EPSG:4326)"),
    "search_map": _("Depuis la carte du géoportail, un clic sur une parcelle ouvre sa note."),
    "consult": _("Consulter"),
    "preview_notice": _(
        "Consultation à la date du jour, sans valeur de document délivré. Pour obtenir la note officielle numérotée, vérifiable et imprimable (PDF), demandez sa délivrance :"
    ),
    "issue": _("Obtenir la note officielle (PDF)"),
    "note_no": _("n°"),
    "issued_on": _("Délivrée le"),
    "for_parcel": _("pour la parcelle"),
    "download_pdf": _("Télécharger le PDF"),
    "as_issued": _("La note telle que délivrée"),
    "new_search": _("Nouvelle recherche"),
    "error": _("Erreur"),
    # The note in its language: the regulation, separators and formats, the map, the credits.
    "in_french": _("(en français, en attente de traduction)"),
    "regulation_text": _("Texte du règlement de la zone"),
    "regulation_of": pgettext_lazy("regulation page", "Règlement de la zone"),
    "regulation_in": _("du document d'urbanisme"),
    "floors_prefix": pgettext_lazy("note", "R+"),
    "colon": pgettext_lazy("note", " : "),
    "list_sep": pgettext_lazy("note", " ; "),
    "join_sep": pgettext_lazy("note", ", "),
    "datetime_format": pgettext_lazy("note", "j F Y à H:i"),
    "date_format": pgettext_lazy("note", "j F Y"),
    "verification": _("Vérification"),
    "qr_alt": _("QR code de vérification"),
    "page": pgettext_lazy("note", "page"),
    "map_label": _("Extrait de plan"),
    "legend_zone": _("Zone"),
    "legend_reserved": _("Emplacement réservé / voie projetée"),
    "legend_servitude": _("Servitude"),
    "legend_road": _("Voirie existante"),
    "legend_parcel": _("Parcelles voisines"),
    "legend_subject": _("Terrain objet de la note"),
    "metre": pgettext_lazy("note", "m"),
    "sqm": pgettext_lazy("note", "m²"),
    "credit_boundaries": _("Limites administratives"),
    "credit_population": _("Chiffres de population"),
    "credit_data": _("Parcellaire, voirie et urbanisme"),
}


def words(lang: str) -> dict[str, str]:
    """The note's words in ``lang``, whatever language is active."""
    with translation.override(lang):
        return {key: str(text) for key, text in LABELS.items()}


def labels_context(lang: str) -> dict[str, object]:
    """The template context of the note's words in ``lang`` (whatever language is active)."""
    with translation.override(lang):
        direction = "rtl" if translation.get_language_bidi() else "ltr"
    return {"t": words(lang), "lang": lang, "dir": direction}
