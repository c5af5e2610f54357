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
    "noscript": {
        "fr": "La carte a besoin de JavaScript. Les données restent téléchargeables :",
        "ar": "تحتاج الخريطة إلى JavaScript. تبقى البيانات قابلة للتحميل:",
        "en": "The map needs JavaScript. The data can still be downloaded:",
    },
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
    "error_title": {
        "fr": "La demande n'a pas abouti",
        "ar": "تعذر تنفيذ الطلب",
        "en": "The request could not be completed",
    },
    "sign_in": {"fr": "Se connecter", "ar": "تسجيل الدخول", "en": "Sign in"},
    "sign_out": {"fr": "Se déconnecter", "ar": "تسجيل الخروج", "en": "Sign out"},
    "sign_in_title": {
        "fr": "Connexion des agents",
        "ar": "دخول الموظفين",
        "en": "Staff sign-in",
    },
    "sign_in_intro": {
        "fr": "Pour les urbanistes et les services de la ville : couches internes, chargement de "
        "données, notes délivrées.",
        "ar": "للمهندسين المعماريين ومصالح المدينة: الطبقات الداخلية، تحميل المعطيات، المذكرات المسلمة.",
        "en": "For planners and city staff: internal layers, data loading, notes issued.",
    },
    "sign_in_failed": {
        "fr": "Identifiant ou mot de passe incorrect.",
        "ar": "اسم المستخدم أو كلمة المرور غير صحيحة.",
        "en": "Wrong user name or password.",
    },
    "username": {"fr": "Identifiant", "ar": "اسم المستخدم", "en": "User name"},
    "password": {"fr": "Mot de passe", "ar": "كلمة المرور", "en": "Password"},
}


# Strings that name the city or its coordinate system, filled in from the settings (``{city}``,
# ``{crs_name}``, ``{crs_code}``): another city changes its settings, not these.
CITY_STRINGS: dict[str, dict[str, str]] = {
    "site_title": {
        "fr": "Géoportail {de_city}",
        "ar": "البوابة الجغرافية لمدينة {city}",
        "en": "{city} geoportal",
    },
    "lambert": {"fr": "{crs_name}", "ar": "{crs_name}", "en": "{crs_name}"},
    "formats_note": {
        "fr": "GeoJSON et CSV en WGS 84 (EPSG:4326) ; GeoPackage et Shapefile en {crs_name} "
        "({crs_code}), le système légal de la ville.",
        "ar": "GeoJSON و CSV بنظام WGS 84 (EPSG:4326)؛ GeoPackage و Shapefile بنظام {crs_name} "
        "({crs_code})، النظام القانوني للمدينة.",
        "en": "GeoJSON and CSV in WGS 84 (EPSG:4326); GeoPackage and Shapefile in {crs_name} "
        "({crs_code}), the city's legal system.",
    },
}


def city_name(lang: str) -> str:
    """The city's name in ``lang``: ``GIS["CITY_NAME_BY_LANG"]``, else ``GIS["CITY_NAME"]``."""
    gis = settings.GIS
    return gis.get("CITY_NAME_BY_LANG", {}).get(lang) or gis["CITY_NAME"]


def _french_de(name: str) -> str:
    """« de Casablanca », « d'Agadir »: French elides ``de`` before a vowel or a mute h."""
    return f"d'{name}" if name[:1].lower() in "aeiouyhàâéèêîïôûü" else f"de {name}"


def strings(lang: str) -> dict[str, str]:
    """Every portal string in ``lang`` (French for an unknown language)."""
    lang = lang if lang in LANGS else "fr"
    crs = settings.GIS_STORAGE_CRS
    city = city_name(lang)
    values = {
        "city": city,
        "de_city": _french_de(city),
        "crs_name": crs["name"],
        "crs_code": crs["code"],
    }
    return {
        **{key: texts[lang] for key, texts in STRINGS.items()},
        **{key: texts[lang].format(**values) for key, texts in CITY_STRINGS.items()},
    }


def portal_language(request: HttpRequest) -> str:
    """The language the user chose (cookie), else the platform default; activates it."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    lang = chosen if chosen in LANGS else settings.LANGUAGE_CODE
    translation.activate(lang)
    request.LANGUAGE_CODE = lang
    return lang


# Names of the published attributes, shown in popups (every registry field; a test checks it).
FIELD_LABELS: dict[str, dict[str, str]] = {
    "id": {"fr": "Identifiant", "ar": "المعرف", "en": "Identifier"},
    "address": {"fr": "Adresse", "ar": "العنوان", "en": "Address"},
    "approval_date": {"fr": "Date d'homologation", "ar": "تاريخ المصادقة", "en": "Approval date"},
    "area_m2": {"fr": "Surface (m²)", "ar": "المساحة (م²)", "en": "Area (m²)"},
    "category": {"fr": "Catégorie", "ar": "الصنف", "en": "Category"},
    "code": {"fr": "Code", "ar": "الرمز", "en": "Code"},
    "commune_type": {"fr": "Type de commune", "ar": "نوع الجماعة", "en": "Commune type"},
    "computed_area_m2": {
        "fr": "Surface calculée (m²)",
        "ar": "المساحة المحسوبة (م²)",
        "en": "Computed area (m²)",
    },
    "condition": {"fr": "État", "ar": "الحالة", "en": "Condition"},
    "condition_grade": {"fr": "Note d'état", "ar": "درجة الحالة", "en": "Condition grade"},
    "condition_index": {"fr": "Indice d'état", "ar": "مؤشر الحالة", "en": "Condition index"},
    "current_use": {"fr": "Usage actuel", "ar": "الاستعمال الحالي", "en": "Current use"},
    "decree": {"fr": "Décret", "ar": "المرسوم", "en": "Decree"},
    "description": {"fr": "Description", "ar": "الوصف", "en": "Description"},
    "effect": {"fr": "Effet", "ar": "الأثر", "en": "Effect"},
    "effect_ar": {"fr": "Effet en arabe", "ar": "الأثر بالعربية", "en": "Effect in Arabic"},
    "effect_en": {"fr": "Effet en anglais", "ar": "الأثر بالإنجليزية", "en": "Effect in English"},
    "height_m": {"fr": "Hauteur (m)", "ar": "الارتفاع (م)", "en": "Height (m)"},
    "households_2024": {"fr": "Ménages (2024)", "ar": "الأسر (2024)", "en": "Households (2024)"},
    "install_date": {"fr": "Date de pose", "ar": "تاريخ التركيب", "en": "Installed on"},
    "irrigation": {"fr": "Arrosage", "ar": "السقي", "en": "Irrigation"},
    "kind": {"fr": "Type", "ar": "النوع", "en": "Kind"},
    "label": {"fr": "Libellé", "ar": "التسمية", "en": "Label"},
    "label_fr": {"fr": "Libellé", "ar": "التسمية", "en": "Label"},
    "label_ar": {"fr": "Libellé en arabe", "ar": "التسمية بالعربية", "en": "Label in Arabic"},
    "label_en": {"fr": "Libellé en anglais", "ar": "التسمية بالإنجليزية", "en": "Label in English"},
    "lamp_type": {"fr": "Type de lampe", "ar": "نوع المصباح", "en": "Lamp type"},
    "land_status": {"fr": "Statut foncier", "ar": "الوضعية العقارية", "en": "Land status"},
    "lanes": {"fr": "Voies", "ar": "عدد الممرات", "en": "Lanes"},
    "last_inspection": {"fr": "Dernière inspection", "ar": "آخر معاينة", "en": "Last inspection"},
    "legal_reference": {"fr": "Référence légale", "ar": "المرجع القانوني", "en": "Legal reference"},
    "manager": {"fr": "Gestionnaire", "ar": "المسير", "en": "Manager"},
    "name": {"fr": "Nom", "ar": "الاسم", "en": "Name"},
    "name_ar": {"fr": "Nom en arabe", "ar": "الاسم بالعربية", "en": "Name in Arabic"},
    "name_fr": {"fr": "Nom", "ar": "الاسم بالفرنسية", "en": "Name in French"},
    "nearest_segment": {"fr": "Tronçon le plus proche", "ar": "أقرب مقطع", "en": "Nearest segment"},
    "nearest_segment_distance_m": {
        "fr": "Distance au tronçon (m)",
        "ar": "المسافة إلى المقطع (م)",
        "en": "Distance to the segment (m)",
    },
    "official_area_m2": {
        "fr": "Contenance du titre (m²)",
        "ar": "المساحة الرسمية (م²)",
        "en": "Official area (m²)",
    },
    "one_way": {"fr": "Sens unique", "ar": "اتجاه واحد", "en": "One way"},
    "opening_hours": {"fr": "Horaires", "ar": "أوقات الفتح", "en": "Opening hours"},
    "planted_year": {"fr": "Année de plantation", "ar": "سنة الغرس", "en": "Year planted"},
    "population_2024": {
        "fr": "Population (2024)",
        "ar": "الساكنة (2024)",
        "en": "Population (2024)",
    },
    "power_w": {"fr": "Puissance (W)", "ar": "القدرة (واط)", "en": "Power (W)"},
    "province_fr": {"fr": "Province", "ar": "الإقليم", "en": "Province"},
    "public_access": {"fr": "Accès public", "ar": "ولوج عمومي", "en": "Public access"},
    "reference": {"fr": "Référence", "ar": "المرجع", "en": "Reference"},
    "regulation": {"fr": "Règlement", "ar": "الضابط", "en": "Regulation"},
    "reported_at": {"fr": "Signalé le", "ar": "تاريخ التبليغ", "en": "Reported on"},
    "resolved_at": {"fr": "Résolu le", "ar": "تاريخ الحل", "en": "Resolved on"},
    "road_class": {"fr": "Classe de voie", "ar": "صنف الطريق", "en": "Road class"},
    "road_width_m": {"fr": "Emprise (m)", "ar": "عرض الطريق (م)", "en": "Road width (m)"},
    "species": {"fr": "Essence", "ar": "النوع النباتي", "en": "Species"},
    "status": {"fr": "Statut", "ar": "الوضعية", "en": "Status"},
    "surface": {"fr": "Revêtement", "ar": "التكسية", "en": "Surface"},
    "width_m": {"fr": "Largeur (m)", "ar": "العرض (م)", "en": "Width (m)"},
}

STRINGS.update(
    {
        "yes": {"fr": "oui", "ar": "نعم", "en": "yes"},
        "no": {"fr": "non", "ar": "لا", "en": "no"},
    }
)


def field_labels(lang: str) -> dict[str, str]:
    lang = lang if lang in LANGS else "fr"
    return {name: texts[lang] for name, texts in FIELD_LABELS.items()}


# The map editor's words (planners: ``geoportal/static/geoportal/editor.js``).
STRINGS.update(
    {
        "edit": {"fr": "Modifier la carte", "ar": "تعديل الخريطة", "en": "Edit the map"},
        "editor": {"fr": "Édition", "ar": "التعديل", "en": "Editing"},
        "edit_close": {"fr": "Quitter l'édition", "ar": "إنهاء التعديل", "en": "Stop editing"},
        "edit_layer": {"fr": "Couche modifiée", "ar": "الطبقة المعدلة", "en": "Layer"},
        "edit_zoom_in": {
            "fr": "Zoomez (niveau {zoom} au moins) pour choisir un objet ou accrocher.",
            "ar": "قم بالتكبير (المستوى {zoom} على الأقل) لاختيار عنصر أو الالتقاط.",
            "en": "Zoom in (level {zoom} at least) to pick a feature or snap to one.",
        },
        "edit_too_many": {
            "fr": "Trop d'objets dans la vue pour les charger tous : zoomez.",
            "ar": "عدد العناصر في العرض كبير جدا: قم بالتكبير.",
            "en": "Too many features in view to load them all: zoom in.",
        },
        "edit_pick": {
            "fr": "Cliquez un objet pour le modifier, ou dessinez-en un nouveau.",
            "ar": "انقر على عنصر لتعديله، أو ارسم عنصرا جديدا.",
            "en": "Click a feature to edit it, or draw a new one.",
        },
        "edit_snap": {"fr": "Accrochage", "ar": "الالتقاط", "en": "Snapping"},
        "edit_snap_distance": {
            "fr": "Distance d'accrochage (pixels)",
            "ar": "مسافة الالتقاط (بكسل)",
            "en": "Snapping distance (pixels)",
        },
        "edit_new": {"fr": "Nouvel objet", "ar": "عنصر جديد", "en": "New feature"},
        "edit_cut": {
            "fr": "Découper / trouer",
            "ar": "قص / إحداث ثقب",
            "en": "Cut / add a hole",
        },
        "edit_split": {"fr": "Scinder la ligne", "ar": "تقسيم الخط", "en": "Split the line"},
        "edit_split_help": {
            "fr": "Cliquez sur la ligne à l'endroit où la scinder.",
            "ar": "انقر على الخط في موضع التقسيم.",
            "en": "Click the line where it should be split.",
        },
        "edit_split_done": {
            "fr": "Ligne scindée : la seconde partie sera créée à l'enregistrement.",
            "ar": "تم تقسيم الخط: سيُنشأ الجزء الثاني عند الحفظ.",
            "en": "Line split: the second part is created when you save.",
        },
        "edit_delete": {"fr": "Supprimer", "ar": "حذف", "en": "Delete"},
        "edit_delete_confirm": {
            "fr": "Supprimer cet objet ? L'historique le garde.",
            "ar": "حذف هذا العنصر؟ يحتفظ به السجل.",
            "en": "Delete this feature? The history keeps it.",
        },
        "edit_save": {"fr": "Enregistrer", "ar": "حفظ", "en": "Save"},
        "edit_cancel": {"fr": "Annuler", "ar": "إلغاء", "en": "Cancel"},
        "edit_undo": {
            "fr": "Défaire (Ctrl+Z)",
            "ar": "تراجع (Ctrl+Z)",
            "en": "Undo (Ctrl+Z)",
        },
        "edit_undo_save": {
            "fr": "Annuler le dernier enregistrement",
            "ar": "التراجع عن آخر حفظ",
            "en": "Undo the last save",
        },
        "edit_keys": {
            "fr": "Échap annule, Entrée enregistre, Ctrl+Z défait.",
            "ar": "Esc للإلغاء، Enter للحفظ، Ctrl+Z للتراجع.",
            "en": "Escape cancels, Enter saves, Ctrl+Z undoes.",
        },
        "edit_vertex": {
            "fr": "Sommet en Lambert",
            "ar": "رأس بإحداثيات لامبير",
            "en": "Vertex in Lambert",
        },
        "edit_vertex_add": {"fr": "Ajouter le sommet", "ar": "إضافة الرأس", "en": "Add the vertex"},
        "edit_vertex_help": {
            "fr": "Commencez un nouvel objet pour saisir ses sommets.",
            "ar": "ابدأ عنصرا جديدا لإدخال رؤوسه.",
            "en": "Start a new feature to type its vertices.",
        },
        "edit_geometry": {"fr": "Géométrie", "ar": "الشكل الهندسي", "en": "Geometry"},
        "edit_new_title": {"fr": "Nouvel objet", "ar": "عنصر جديد", "en": "New feature"},
        "edit_saved": {"fr": "Enregistré.", "ar": "تم الحفظ.", "en": "Saved."},
        "edit_deleted": {"fr": "Supprimé.", "ar": "تم الحذف.", "en": "Deleted."},
        "edit_restored_draft": {
            "fr": "Vos modifications non enregistrées ont été restaurées.",
            "ar": "تمت استعادة تعديلاتك غير المحفوظة.",
            "en": "Your unsaved changes were restored.",
        },
        "edit_discard": {
            "fr": "Abandonner les modifications non enregistrées ?",
            "ar": "التخلي عن التعديلات غير المحفوظة؟",
            "en": "Discard the unsaved changes?",
        },
        "edit_failed": {
            "fr": "L'enregistrement a échoué",
            "ar": "فشل الحفظ",
            "en": "The save failed",
        },
        "edit_required": {"fr": "obligatoire", "ar": "إجباري", "en": "required"},
        "edit_rules": {"fr": "Règles de la couche", "ar": "قواعد الطبقة", "en": "Layer rules"},
        "edit_scope": {
            "fr": "Vous pouvez modifier dans : {districts}",
            "ar": "يمكنك التعديل في: {districts}",
            "en": "You may edit in: {districts}",
        },
        "edit_by_open": {
            "fr": "En cours de modification par {user} depuis {time}",
            "ar": "قيد التعديل من طرف {user} منذ {time}",
            "en": "Being edited by {user} since {time}",
        },
        "edit_by_saved": {
            "fr": "Modifié par {user} à {time}",
            "ar": "عُدّل من طرف {user} على الساعة {time}",
            "en": "Saved by {user} at {time}",
        },
        "edit_conflict": {
            "fr": "Quelqu'un a modifié cet objet entre-temps",
            "ar": "قام شخص آخر بتعديل هذا العنصر في الأثناء",
            "en": "Someone else changed this feature meanwhile",
        },
        "edit_conflict_help": {
            "fr": "Comparez les deux versions (la leur en rouge sur la carte), puis choisissez.",
            "ar": "قارن بين النسختين (نسختهم بالأحمر على الخريطة)، ثم اختر.",
            "en": "Compare the two versions (theirs in red on the map), then choose.",
        },
        "edit_field": {"fr": "Champ", "ar": "الحقل", "en": "Field"},
        "edit_mine": {"fr": "Ma version", "ar": "نسختي", "en": "Mine"},
        "edit_theirs": {
            "fr": "Version enregistrée",
            "ar": "النسخة المحفوظة",
            "en": "Saved version",
        },
        "edit_reload": {
            "fr": "Reprendre la version enregistrée",
            "ar": "اعتماد النسخة المحفوظة",
            "en": "Take the saved version",
        },
        "edit_overwrite": {
            "fr": "Écraser avec ma version",
            "ar": "الكتابة بنسختي",
            "en": "Overwrite with mine",
        },
        "edit_keep": {"fr": "Continuer à modifier", "ar": "متابعة التعديل", "en": "Keep editing"},
        "edit_gone": {
            "fr": "Cet objet a été supprimé entre-temps.",
            "ar": "تم حذف هذا العنصر في الأثناء.",
            "en": "This feature was deleted meanwhile.",
        },
        "edit_history": {"fr": "Historique", "ar": "السجل", "en": "History"},
        "edit_history_none": {
            "fr": "Aucune version enregistrée.",
            "ar": "لا توجد نسخ مسجلة.",
            "en": "No recorded version.",
        },
        "edit_show": {"fr": "Afficher", "ar": "عرض", "en": "Show"},
        "edit_restore": {"fr": "Restaurer", "ar": "استعادة", "en": "Restore"},
        "edit_restored": {
            "fr": "Version restaurée.",
            "ar": "تمت استعادة النسخة.",
            "en": "Version restored.",
        },
        "edit_op_I": {"fr": "création", "ar": "إنشاء", "en": "created"},
        "edit_op_U": {"fr": "modification", "ar": "تعديل", "en": "changed"},
        "edit_op_D": {"fr": "suppression", "ar": "حذف", "en": "deleted"},
        "edit_unknown_actor": {"fr": "inconnu", "ar": "مجهول", "en": "unknown"},
        "edit_outside": {
            "fr": "Hors de vos arrondissements",
            "ar": "خارج مقاطعاتك",
            "en": "Outside your districts",
        },
    }
)

# Coded values of the published attributes in Arabic and English (``attribute -> value -> lang``);
# French is the models' own display name. Legends, popups and the editor's lists of values.
CHOICE_LABELS: dict[str, dict[str, dict[str, str]]] = {
    "commune_type": {
        "urban": {"ar": "حضرية", "en": "urban"},
        "rural": {"ar": "قروية", "en": "rural"},
    },
    "status": {
        "in_force": {"ar": "مصادق عليه (ساري المفعول)", "en": "approved (in force)"},
        "in_study": {"ar": "قيد الدراسة", "en": "under study"},
        "expired": {"ar": "منتهي الصلاحية", "en": "expired"},
        "working": {"ar": "يشتغل", "en": "working"},
        "faulty": {"ar": "معطل", "en": "faulty"},
        "off": {"ar": "خارج الخدمة", "en": "out of service"},
        "removed": {"ar": "مزال", "en": "removed"},
        "new": {"ar": "جديد", "en": "new"},
        "acknowledged": {"ar": "تم أخذه بعين الاعتبار", "en": "acknowledged"},
        "in_progress": {"ar": "قيد المعالجة", "en": "in progress"},
        "resolved": {"ar": "تمت المعالجة", "en": "resolved"},
        "rejected": {"ar": "مرفوض", "en": "rejected"},
    },
    "category": {
        "collective_housing": {"ar": "سكن جماعي", "en": "collective housing"},
        "villa": {"ar": "سكن الفيلات", "en": "villas"},
        "economic_housing": {"ar": "سكن اقتصادي", "en": "economic housing"},
        "mixed": {"ar": "منطقة مختلطة", "en": "mixed zone"},
        "centre": {"ar": "وسط المدينة", "en": "city centre"},
        "industrial": {"ar": "منطقة صناعية", "en": "industrial zone"},
        "equipment": {"ar": "مرافق", "en": "public facilities"},
        "green": {"ar": "منطقة خضراء", "en": "green zone"},
        "tourism": {"ar": "منطقة سياحية", "en": "tourism zone"},
    },
    "kind": {
        "high_voltage": {"ar": "خط الجهد العالي", "en": "high-voltage line"},
        "railway": {"ar": "سكة حديدية", "en": "railway"},
        "cemetery": {"ar": "مقبرة", "en": "cemetery"},
        "maritime_public_domain": {"ar": "الملك العمومي البحري", "en": "maritime public domain"},
        "heritage": {"ar": "حماية التراث", "en": "heritage protection"},
        "airport": {"ar": "ارتفاق الملاحة الجوية", "en": "aviation easement"},
        "flood_zone": {"ar": "منطقة معرضة للفيضانات", "en": "flood zone"},
        "non_aedificandi": {"ar": "منطقة يمنع فيها البناء", "en": "no-build zone"},
        "road": {"ar": "طريق مبرمجة", "en": "planned road"},
        "school": {"ar": "مدرسة", "en": "school"},
        "mosque": {"ar": "مسجد", "en": "mosque"},
        "hospital": {"ar": "مستشفى / مركز صحي", "en": "hospital / health centre"},
        "green_space": {"ar": "مساحة خضراء", "en": "green space"},
        "sports": {"ar": "مرفق رياضي", "en": "sports facility"},
        "administration": {"ar": "إدارة", "en": "administration"},
        "parking": {"ar": "موقف سيارات", "en": "car park"},
        "bench": {"ar": "مقعد", "en": "bench"},
        "bin": {"ar": "سلة مهملات", "en": "litter bin"},
        "bus_shelter": {"ar": "مظلة الحافلات", "en": "bus shelter"},
        "bollard": {"ar": "عمود حاجز", "en": "bollard"},
        "sign": {"ar": "لافتة", "en": "sign"},
        "fountain": {"ar": "نافورة", "en": "fountain"},
        "park": {"ar": "منتزه", "en": "park"},
        "garden": {"ar": "حديقة", "en": "garden"},
        "square": {"ar": "ساحة خضراء", "en": "square"},
        "urban_forest": {"ar": "غابة حضرية", "en": "urban forest"},
        "tree_alignment": {"ar": "صف أشجار", "en": "tree alignment"},
        "sports_ground": {"ar": "ملعب رياضي", "en": "sports ground"},
        "cultural_venue": {"ar": "فضاء ثقافي", "en": "cultural venue"},
        "coworking": {"ar": "فضاء العمل المشترك", "en": "coworking space"},
        "health": {"ar": "مركز صحي", "en": "health centre"},
        "market": {"ar": "سوق", "en": "market"},
        "pothole": {"ar": "حفرة في الطريق", "en": "pothole"},
        "broken_light": {"ar": "عمود إنارة معطل", "en": "broken street light"},
        "illegal_dumping": {"ar": "رمي عشوائي للنفايات", "en": "illegal dumping"},
        "damaged_pavement": {"ar": "رصيف متضرر", "en": "damaged pavement"},
        "other": {"ar": "أخرى", "en": "other"},
    },
    "land_status": {
        "titled": {"ar": "محفظ (رسم عقاري)", "en": "registered (land title)"},
        "requisition": {"ar": "في طور التحفيظ (مطلب)", "en": "being registered (requisition)"},
        "public_domain": {"ar": "ملك عمومي", "en": "public domain"},
        "habous": {"ar": "أحباس", "en": "habous (endowment)"},
        "collective": {"ar": "أراضي الجموع", "en": "collective land"},
        "unregistered": {"ar": "غير محفظ", "en": "unregistered"},
    },
    "road_class": {
        "motorway": {"ar": "طريق سيار", "en": "motorway"},
        "trunk": {"ar": "طريق سريع", "en": "expressway"},
        "primary": {"ar": "شارع رئيسي", "en": "main boulevard"},
        "secondary": {"ar": "شارع ثانوي", "en": "secondary boulevard"},
        "tertiary": {"ar": "جادة", "en": "avenue"},
        "residential": {"ar": "زنقة", "en": "street"},
        "service": {"ar": "طريق خدمة", "en": "service road"},
        "pedestrian": {"ar": "زنقة للراجلين", "en": "pedestrian street"},
    },
    "surface": {
        "asphalt": {"ar": "إسفلت", "en": "asphalt"},
        "concrete": {"ar": "خرسانة", "en": "concrete"},
        "paving": {"ar": "حجارة مرصوفة", "en": "paving stones"},
        "gravel": {"ar": "حصى", "en": "gravel"},
        "earth": {"ar": "تراب", "en": "earth"},
    },
    "lamp_type": {
        "led": {"ar": "LED", "en": "LED"},
        "sodium": {"ar": "صوديوم عالي الضغط", "en": "high-pressure sodium"},
        "metal_halide": {"ar": "هاليد معدني", "en": "metal halide"},
    },
    "irrigation": {
        "none": {"ar": "بدون", "en": "none"},
        "manual": {"ar": "يدوي", "en": "manual"},
        "sprinkler": {"ar": "بالرش", "en": "sprinkler"},
        "drip": {"ar": "بالتنقيط", "en": "drip"},
    },
    "condition": {
        "good": {"ar": "جيدة", "en": "good"},
        "fair": {"ar": "متوسطة", "en": "fair"},
        "poor": {"ar": "سيئة", "en": "poor"},
        "dead": {"ar": "ميتة", "en": "dead"},
    },
}


def choice_label(attribute: str, value: object, french: str, lang: str) -> str:
    """The display name of a coded value in ``lang``: the model's (French) name in French, or
    when no translation is known."""
    if lang == "fr":
        return french
    return CHOICE_LABELS.get(attribute, {}).get(str(value), {}).get(lang) or french
