"""The portal's words in French (default), Arabic and English, and the language of a request.

A plain dictionary rather than gettext catalogues: it needs no compiled ``.mo`` files, so a fresh
clone shows every language at once, and the same strings feed the templates and the map's script.
The language is the user's choice only (the ``django_language`` cookie set by Django's
``set_language`` view); the browser's ``Accept-Language`` is ignored so French stays the default.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

LANGS = ("fr", "ar", "en")
RTL = frozenset({"ar"})

STRINGS: dict[str, dict[str, str]] = {
    "site_title": {
        "fr": "Géoportail de Casablanca",
        "ar": "البوابة الجغرافية للدار البيضاء",
        "en": "Casablanca geoportal",
    },
    "site_subtitle": {
        "fr": "Plateforme urbaine de la ville",
        "ar": "المنصة الحضرية للمدينة",
        "en": "The city's urban platform",
    },
    "map": {"fr": "Carte", "ar": "الخريطة", "en": "Map"},
    "open_data": {"fr": "Données ouvertes", "ar": "البيانات المفتوحة", "en": "Open data"},
    "language": {"fr": "Langue", "ar": "اللغة", "en": "Language"},
    "skip_to_map": {"fr": "Aller à la carte", "ar": "الانتقال إلى الخريطة", "en": "Skip to map"},
    "search": {"fr": "Rechercher", "ar": "بحث", "en": "Search"},
    "search_placeholder": {
        "fr": "Parcelle (TF 12345/C), rue, arrondissement, lieu…",
        "ar": "قطعة (TF 12345/C)، شارع، مقاطعة، مكان…",
        "en": "Parcel (TF 12345/C), street, arrondissement, place…",
    },
    "search_none": {"fr": "Aucun résultat", "ar": "لا توجد نتائج", "en": "No result"},
    "search_error": {
        "fr": "La recherche n'a pas abouti",
        "ar": "تعذر البحث",
        "en": "The search failed",
    },
    "layers": {"fr": "Couches", "ar": "الطبقات", "en": "Layers"},
    "show_layers": {
        "fr": "Afficher les couches",
        "ar": "إظهار الطبقات",
        "en": "Show the layers",
    },
    "opacity": {"fr": "Opacité", "ar": "الشفافية", "en": "Opacity"},
    "legend": {"fr": "Légende", "ar": "مفتاح الخريطة", "en": "Legend"},
    "internal": {"fr": "interne", "ar": "داخلي", "en": "internal"},
    "visible_from_zoom": {
        "fr": "visible à partir du zoom",
        "ar": "مرئية ابتداء من مستوى التكبير",
        "en": "visible from zoom",
    },
    "basemap": {"fr": "Fond de plan", "ar": "الخلفية", "en": "Basemap"},
    "coordinates": {"fr": "Coordonnées", "ar": "الإحداثيات", "en": "Coordinates"},
    "lambert": {
        "fr": "Lambert Nord Maroc",
        "ar": "لامبير شمال المغرب",
        "en": "Lambert North Morocco",
    },
    "measure_distance": {
        "fr": "Mesurer une distance",
        "ar": "قياس مسافة",
        "en": "Measure a distance",
    },
    "measure_area": {"fr": "Mesurer une surface", "ar": "قياس مساحة", "en": "Measure an area"},
    "measure_help": {
        "fr": "Cliquez sur la carte pour ajouter des points ; Entrée ajoute le centre ; "
        "Échap termine.",
        "ar": "انقر على الخريطة لإضافة نقاط؛ زر الإدخال يضيف المركز؛ زر الهروب للإنهاء.",
        "en": "Click the map to add points; Enter adds the centre; Escape finishes.",
    },
    "measure_clear": {"fr": "Effacer la mesure", "ar": "مسح القياس", "en": "Clear the measure"},
    "distance": {"fr": "Distance", "ar": "المسافة", "en": "Distance"},
    "area": {"fr": "Surface", "ar": "المساحة", "en": "Area"},
    "permalink": {"fr": "Lien permanent", "ar": "رابط دائم", "en": "Permalink"},
    "permalink_copied": {
        "fr": "Lien copié dans le presse-papiers",
        "ar": "تم نسخ الرابط",
        "en": "Link copied to the clipboard",
    },
    "print": {"fr": "Imprimer", "ar": "طباعة", "en": "Print"},
    "printed_on": {"fr": "Imprimé le", "ar": "طبع بتاريخ", "en": "Printed on"},
    "tools": {"fr": "Outils", "ar": "الأدوات", "en": "Tools"},
    "details": {"fr": "Fiche OGC de l'objet", "ar": "بطاقة العنصر (OGC)", "en": "OGC item"},
    "renseignement": {
        "fr": "Note de renseignement urbanistique",
        "ar": "مذكرة المعلومات التعميرية",
        "en": "Planning information note",
    },
    "renseignement_here": {
        "fr": "Renseignement urbanistique en ce point",
        "ar": "المعلومات التعميرية في هذه النقطة",
        "en": "Planning information at this point",
    },
    "close": {"fr": "Fermer", "ar": "إغلاق", "en": "Close"},
    "loading": {"fr": "Chargement…", "ar": "جار التحميل…", "en": "Loading…"},
    "zoom_in": {"fr": "Zoom avant", "ar": "تكبير", "en": "Zoom in"},
    "zoom_out": {"fr": "Zoom arrière", "ar": "تصغير", "en": "Zoom out"},
    # Open data
    "open_data_intro": {
        "fr": "Toutes les couches publiques de la plateforme, téléchargeables librement, et leurs "
        "adresses de service pour QGIS ou tout client SIG.",
        "ar": "جميع الطبقات العمومية للمنصة، قابلة للتحميل بحرية، مع عناوين خدماتها لبرنامج "
        "QGIS أو أي برنامج نظم معلومات جغرافية.",
        "en": "Every public layer of the platform, free to download, and its service addresses "
        "for QGIS or any GIS client.",
    },
    "layer": {"fr": "Couche", "ar": "الطبقة", "en": "Layer"},
    "description": {"fr": "Description", "ar": "الوصف", "en": "Description"},
    "licence": {"fr": "Licence", "ar": "الترخيص", "en": "Licence"},
    "attribution": {"fr": "Source", "ar": "المصدر", "en": "Source"},
    "updated": {"fr": "Mise à jour", "ar": "آخر تحديث", "en": "Updated"},
    "never_updated": {"fr": "jamais", "ar": "أبدا", "en": "never"},
    "features": {"fr": "Objets", "ar": "العناصر", "en": "Features"},
    "approximately": {"fr": "environ", "ar": "حوالي", "en": "about"},
    "download": {"fr": "Télécharger", "ar": "تحميل", "en": "Download"},
    "services": {"fr": "Services pour QGIS", "ar": "خدمات لبرنامج QGIS", "en": "Services for QGIS"},
    "services_help": {
        "fr": "Dans QGIS : Couche › Ajouter une couche › WFS / OGC API Features, puis collez "
        "l'adresse de l'API. Les tuiles vectorielles s'ajoutent par « Tuiles vectorielles › "
        "Nouvelle connexion générique ».",
        "ar": "في QGIS: طبقة › إضافة طبقة › WFS / OGC API Features ثم ألصق عنوان الواجهة. تضاف "
        "البلاطات المتجهية عبر «البلاطات المتجهية › اتصال عام جديد».",
        "en": "In QGIS: Layer › Add Layer › WFS / OGC API Features, then paste the API address. "
        "Vector tiles are added with “Vector Tiles › New Generic Connection”.",
    },
    "ogc_api": {"fr": "OGC API Features", "ar": "OGC API Features", "en": "OGC API Features"},
    "vector_tiles": {"fr": "Tuiles vectorielles", "ar": "البلاطات المتجهية", "en": "Vector tiles"},
    "formats_note": {
        "fr": "GeoJSON et CSV en WGS 84 (EPSG:4326) ; GeoPackage et Shapefile en Merchich / "
        "Nord Maroc (EPSG:26191), le système légal de la ville.",
        "ar": "GeoJSON و CSV بنظام WGS 84 (EPSG:4326)؛ GeoPackage و Shapefile بنظام مرشيش / "
        "شمال المغرب (EPSG:26191)، النظام القانوني للمدينة.",
        "en": "GeoJSON and CSV in WGS 84 (EPSG:4326); GeoPackage and Shapefile in Merchich / "
        "Nord Maroc (EPSG:26191), the city's legal system.",
    },
    "credits": {"fr": "Crédits", "ar": "المصادر", "en": "Credits"},
    "credits_text": {
        "fr": "Limites administratives © contributeurs OpenStreetMap (ODbL 1.0) ; noms, codes "
        "et populations : Haut-Commissariat au Plan, RGPH 2024 (CC BY 4.0).",
        "ar": "الحدود الإدارية © مساهمو OpenStreetMap (ODbL 1.0)؛ الأسماء والرموز والساكنة: "
        "المندوبية السامية للتخطيط، إحصاء 2024 (CC BY 4.0).",
        "en": "Administrative boundaries © OpenStreetMap contributors (ODbL 1.0); names, codes "
        "and population: Haut-Commissariat au Plan, 2024 census (CC BY 4.0).",
    },
    "back_to_map": {"fr": "Retour à la carte", "ar": "العودة إلى الخريطة", "en": "Back to the map"},
}


def strings(lang: str) -> dict[str, str]:
    """Every portal string in ``lang`` (French for an unknown language)."""
    lang = lang if lang in LANGS else "fr"
    return {key: texts[lang] for key, texts in STRINGS.items()}


def portal_language(request: HttpRequest) -> str:
    """The language the user chose (cookie), else the platform default; activates it."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    lang = chosen if chosen in LANGS else settings.LANGUAGE_CODE
    translation.activate(lang)
    request.LANGUAGE_CODE = lang
    return lang
