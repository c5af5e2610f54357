from layers.common.registry import LayerOptions, Style, register
from layers.zoning.models import PlanningDocument, ReservedLand, Servitude, Zone

register(
    PlanningDocument,
    LayerOptions(
        slug="planning-documents",
        title={"fr": "Documents d'urbanisme", "ar": "وثائق التعمير", "en": "Planning documents"},
        description={
            "fr": "Périmètres des plans d'aménagement: référence, homologation, statut.",
            "ar": "حدود تصاميم التهيئة: المرجع، المصادقة، الوضعية.",
            "en": "Perimeters of the development plans: reference, approval, status.",
        },
        theme="planning",
        fields=("id", "name", "reference", "approval_date", "decree", "status"),
        tile_fields=("id", "name", "reference", "status"),
        style=Style(color="#17202a", fill_opacity=0.0, weight=2.5, dash="10 6"),
        min_zoom=8,
        max_zoom=22,
        label_field="name",
        search_fields=("name", "reference"),
        datetime_field="approval_date",
        order=5,
    ),
)

register(
    Zone,
    LayerOptions(
        slug="zoning",
        title={"fr": "Zonage du plan d'aménagement", "ar": "تنطيق تصميم التهيئة", "en": "Zoning"},
        description={
            "fr": (
                "Zones du plan d'aménagement (R+4, villas, industrie, équipements, zones vertes) "
                "avec leur règlement."
            ),
            "ar": "مناطق تصميم التهيئة وضوابطها.",
            "en": "Zones of the development plan with their regulations.",
        },
        theme="planning",
        fields=("id", "code", "label_fr", "label_ar", "label_en", "category", "regulation"),
        tile_fields=("id", "code", "category"),
        style=Style(
            color="#7d6608",
            weight=0.8,
            fill_opacity=0.35,
            by="category",
            categories=(
                ("collective_housing", "#f5b041"),
                ("villa", "#f9e79f"),
                ("economic_housing", "#f8c471"),
                ("mixed", "#eb984e"),
                ("centre", "#cb4335"),
                ("industrial", "#a569bd"),
                ("equipment", "#5dade2"),
                ("green", "#58d68d"),
                ("tourism", "#48c9b0"),
            ),
        ),
        min_zoom=11,
        max_zoom=22,
        label_field="code",
        order=10,
    ),
)

register(
    Servitude,
    LayerOptions(
        slug="servitudes",
        title={"fr": "Servitudes", "ar": "الارتفاقات", "en": "Servitudes"},
        description={
            "fr": (
                "Servitudes d'utilité publique: lignes haute tension, voie ferrée, domaine public "
                "maritime, cimetières, patrimoine, zones inondables."
            ),
            "ar": "ارتفاقات المنفعة العامة.",
            "en": (
                "Public-utility easements: power lines, railway, maritime public domain, "
                "cemeteries, heritage, flood zones."
            ),
        },
        theme="planning",
        fields=(
            "id",
            "kind",
            "label",
            "label_ar",
            "label_en",
            "legal_reference",
            "effect",
            "effect_ar",
            "effect_en",
            "width_m",
        ),  # fmt: skip
        tile_fields=("id", "kind", "label"),
        style=Style(color="#c0392b", weight=1.0, fill_opacity=0.25, dash="4 3"),
        min_zoom=11,
        max_zoom=22,
        label_field="label",
        search_fields=("label",),
        order=20,
    ),
)

register(
    ReservedLand,
    LayerOptions(
        slug="reserved-land",
        title={"fr": "Emplacements réservés", "ar": "الأراضي المخصصة", "en": "Reserved land"},
        description={
            "fr": "Voies projetées et emplacements réservés aux équipements publics.",
            "ar": "الطرق المبرمجة والأراضي المخصصة للمرافق العمومية.",
            "en": "Planned roads and land reserved for public facilities.",
        },
        theme="planning",
        fields=("id", "kind", "label", "label_ar", "label_en", "reference", "road_width_m"),
        tile_fields=("id", "kind", "label", "reference"),
        style=Style(
            color="#2874a6", fill_color="#85c1e9", weight=1.0, fill_opacity=0.4, dash="2 2"
        ),
        min_zoom=12,
        max_zoom=22,
        label_field="label",
        search_fields=("label", "reference"),
        order=30,
    ),
)
