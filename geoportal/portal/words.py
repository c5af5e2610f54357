"""The portal's named words, for the templates and the map's scripts (``portal.js``,
``editor.js``), which look them up by name. Each is a French source string of the ``locale/``
catalogues, translated when read (:func:`strings`) in the request's language.

Where the city or its coordinate system is named, the values come from the settings
(``GIS["CITY_NAME"]``, ``GIS["CITY_NAME_BY_LANG"]``, the storage CRS): another city changes its
settings, not the catalogues."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

WORDS: dict[str, Promise] = {
    "site_subtitle": _("Plateforme urbaine de la ville"),
    "map": _("Carte"),
    "open_data": _("Données ouvertes"),
    "indicators": _("La ville en chiffres"),
    "language": _("Langue"),
    "skip_to_map": _("Aller à la carte"),
    "search": _("Rechercher"),
    "search_placeholder": _("Parcelle (TF 12345/C), rue, arrondissement, lieu…"),
    "search_none": _("Aucun résultat"),
    "search_error": _("La recherche n'a pas abouti"),
    "layers": _("Couches"),
    "show_layers": _("Afficher les couches"),
    "opacity": _("Opacité"),
    "legend": _("Légende"),
    "internal": _("interne"),
    "visible_from_zoom": _("visible à partir du zoom"),
    "basemap": _("Fond de plan"),
    "coordinates": _("Coordonnées"),
    "measure_distance": _("Mesurer une distance"),
    "measure_area": _("Mesurer une surface"),
    "measure_help": _(
        "Cliquez sur la carte pour ajouter des points ; Entrée ajoute le centre ; Échap termine."
    ),
    "measure_clear": _("Effacer la mesure"),
    "distance": _("Distance"),
    "area": _("Surface"),
    "permalink": _("Lien permanent"),
    "permalink_copied": _("Lien copié dans le presse-papiers"),
    "print": _("Imprimer"),
    "printed_on": _("Imprimé le"),
    "tools": _("Outils"),
    "details": _("Fiche OGC de l'entité"),
    "renseignement": _("Note de renseignement urbanistique"),
    "renseignement_here": _("Renseignement urbanistique en ce point"),
    "close": _("Fermer"),
    "noscript": _("La carte a besoin de JavaScript. Les données restent téléchargeables :"),
    "loading": _("Chargement…"),
    "zoom_in": _("Zoom avant"),
    "zoom_out": _("Zoom arrière"),
    "open_data_intro": _(
        "Toutes les couches publiques de la plateforme, téléchargeables librement, et leurs adresses de service pour QGIS ou tout client SIG."
    ),
    "layer": _("Couche"),
    "description": _("Description"),
    "licence": _("Licence"),
    "attribution": _("Source"),
    "updated": _("Mise à jour"),
    "never_updated": _("jamais"),
    "features": _("Entités"),
    "approximately": _("environ"),
    "download": _("Télécharger"),
    "services": _("Services pour QGIS"),
    "services_help": _(
        "Dans QGIS : Couche › Ajouter une couche › WFS / OGC API Features, puis collez l'adresse de l'API. Les tuiles vectorielles s'ajoutent par « Tuiles vectorielles › Nouvelle connexion générique »."
    ),
    "ogc_api": _("OGC API Features"),
    "vector_tiles": _("Tuiles vectorielles"),
    "credits": _("Crédits"),
    "credits_text": _(
        "Limites administratives © contributeurs OpenStreetMap (ODbL 1.0) ; noms, codes et populations : Haut-Commissariat au Plan, RGPH 2024 (CC BY 4.0)."
    ),
    "back_to_map": _("Retour à la carte"),
    "error_title": _("La demande n'a pas abouti"),
    "sign_in": _("Se connecter"),
    "sign_out": _("Se déconnecter"),
    "sign_in_title": _("Connexion des agents"),
    "sign_in_intro": _(
        "Pour les urbanistes et les services de la ville : couches internes, chargement de données, notes délivrées."
    ),
    "sign_in_failed": _("Identifiant ou mot de passe incorrect."),
    "username": _("Identifiant"),
    "password": _("Mot de passe"),
    "yes": _("oui"),
    "no": _("non"),
    "edit": _("Modifier la carte"),
    "editor": _("Édition"),
    "edit_close": _("Quitter l'édition"),
    "edit_layer": _("Couche modifiée"),
    "edit_zoom_in": _("Zoomez (niveau {zoom} au moins) pour choisir une entité ou accrocher."),
    "edit_too_many": _("Trop d'entités dans la vue pour les charger toutes : zoomez."),
    "edit_pick": _("Cliquez une entité pour la modifier, ou dessinez-en une nouvelle."),
    "edit_snap": _("Accrochage"),
    "edit_snap_distance": _("Distance d'accrochage (pixels)"),
    "edit_new": _("Nouvelle entité"),
    "edit_cut": _("Découper / trouer"),
    "edit_split": _("Scinder la ligne"),
    "edit_split_help": _("Cliquez sur la ligne à l'endroit où la scinder."),
    "edit_split_done": _("Ligne scindée : la seconde partie sera créée à l'enregistrement."),
    "edit_delete": _("Supprimer"),
    "edit_delete_confirm": _("Supprimer cette entité ? L'historique la garde."),
    "edit_save": _("Enregistrer"),
    "edit_cancel": _("Annuler"),
    "edit_undo": _("Défaire (Ctrl+Z)"),
    "edit_undo_save": _("Annuler le dernier enregistrement"),
    "edit_keys": _("Échap annule, Entrée enregistre, Ctrl+Z défait."),
    "edit_vertex": _("Sommet en Lambert"),
    "edit_vertex_add": _("Ajouter le sommet"),
    "edit_vertex_help": _("Commencez une nouvelle entité pour saisir ses sommets."),
    "edit_geometry": _("Géométrie"),
    "edit_new_title": _("Nouvelle entité"),
    "edit_saved": _("Enregistré."),
    "edit_deleted": _("Supprimé."),
    "edit_restored_draft": _("Vos modifications non enregistrées ont été restaurées."),
    "edit_discard": _("Abandonner les modifications non enregistrées ?"),
    "edit_failed": _("L'enregistrement a échoué"),
    "edit_required": _("obligatoire"),
    "edit_rules": _("Règles de la couche"),
    "edit_scope": _("Vous pouvez modifier dans : {districts}"),
    "edit_by_open": _("En cours de modification par {user} depuis {time}"),
    "edit_by_saved": _("Modifié par {user} à {time}"),
    "edit_conflict": _("Quelqu'un a modifié cette entité entre-temps"),
    "edit_conflict_help": _(
        "Comparez les deux versions (la leur en rouge sur la carte), puis choisissez."
    ),
    "edit_field": _("Champ"),
    "edit_mine": _("Ma version"),
    "edit_theirs": _("Version enregistrée"),
    "edit_reload": _("Reprendre la version enregistrée"),
    "edit_overwrite": _("Écraser avec ma version"),
    "edit_keep": _("Continuer à modifier"),
    "edit_gone": _("Cette entité a été supprimée entre-temps."),
    "edit_history": _("Historique"),
    "edit_history_none": _("Aucune version enregistrée."),
    "edit_show": _("Afficher"),
    "edit_restore": _("Restaurer"),
    "edit_restored": _("Version restaurée."),
    "edit_op_I": _("création"),
    "edit_op_U": _("modification"),
    "edit_op_D": _("suppression"),
    "edit_unknown_actor": _("inconnu"),
    "edit_outside": _("Hors de vos arrondissements"),
}

# Filled in from the settings when read (``{city}``, ``{de_city}``, ``{crs_name}``,
# ``{crs_code}``); each language uses the names it needs.
CITY_WORDS: dict[str, Promise] = {
    # Translators: {de_city} is « de Casablanca » (French elision), {city} the name alone.
    # xgettext:no-python-brace-format
    "site_title": _("Géoportail {de_city}"),
    "formats_note": _(
        "GeoJSON et CSV en WGS 84 (EPSG:4326) ; GeoPackage et Shapefile en {crs_name} "
        "({crs_code}), le système légal de la ville."
    ),
}


def city_name(lang: str | None = None) -> str:
    """The city's name in ``lang`` (the active language by default):
    ``GIS["CITY_NAME_BY_LANG"]``, else ``GIS["CITY_NAME"]``."""
    gis = settings.GIS
    lang = lang or translation.get_language() or settings.LANGUAGE_CODE
    return gis.get("CITY_NAME_BY_LANG", {}).get(lang) or gis["CITY_NAME"]


def _french_de(name: str) -> str:
    """« de Casablanca », « d'Agadir »: French elides ``de`` before a vowel or a mute h."""
    return f"d'{name}" if name[:1].lower() in "aeiouyhàâéèêîïôûü" else f"de {name}"


def strings() -> dict[str, str]:
    """Every named word in the active language."""
    crs = settings.GIS_STORAGE_CRS
    city = city_name()
    values = {
        "city": city,
        "de_city": _french_de(city),
        "crs_name": crs["name"],
        "crs_code": crs["code"],
    }
    return {
        **{key: str(text) for key, text in WORDS.items()},
        **{key: str(text).format(**values) for key, text in CITY_WORDS.items()},
        "lambert": crs["name"],
    }


def text_direction() -> str:
    return "rtl" if translation.get_language_bidi() else "ltr"
