from layers.common.registry import LayerOptions, Style, register
from layers.facilities.models import CitizenReport, Facility

register(
    Facility,
    LayerOptions(
        slug="facilities",
        title={"fr": "Équipements publics", "ar": "المرافق العمومية", "en": "Public facilities"},
        description={
            "fr": "Écoles, terrains de sport, lieux culturels, espaces de coworking, santé.",
            "ar": "المدارس، الملاعب، الفضاءات الثقافية، فضاءات العمل المشترك، الصحة.",
            "en": "Schools, sports grounds, cultural venues, coworking spaces, health centres.",
        },
        theme="facilities",
        fields=("id", "kind", "name_fr", "name_ar", "address", "opening_hours"),
        tile_fields=("id", "kind", "name_fr", "name_ar"),
        style=Style(color="#6c3483", radius=5.0, fill_opacity=0.9),
        min_zoom=12,
        max_zoom=22,
        label_field="name_fr",
        search_fields=("name_fr", "name_ar", "address"),
        search_priority=60,
        order=10,
        visible=True,
    ),
)

register(
    CitizenReport,
    LayerOptions(
        slug="citizen-reports",
        title={"fr": "Signalements citoyens", "ar": "تبليغات المواطنين", "en": "Citizen reports"},
        description={
            "fr": (
                "Problèmes signalés (nids-de-poule, lampadaires, dépôts sauvages) et leur suivi. "
                "Réservé aux services."
            ),
            "ar": "المشاكل المبلغ عنها وتتبعها. خاص بالمصالح.",
            "en": "Reported problems (potholes, lights, dumping) and their follow-up. Staff only.",
        },
        theme="facilities",
        fields=(
            "id",
            "kind",
            "description",
            "status",
            "reported_at",
            "resolved_at",
            "nearest_segment",
            "nearest_segment_distance_m",
        ),
        tile_fields=("id", "kind", "status"),
        public=False,
        style=Style(
            color="#e74c3c",
            radius=4.0,
            fill_opacity=0.9,
            by="status",
            categories=(
                ("new", "#e74c3c"),
                ("acknowledged", "#e67e22"),
                ("in_progress", "#f1c40f"),
                ("resolved", "#27ae60"),
                ("rejected", "#7f8c8d"),
            ),
        ),
        min_zoom=12,
        max_zoom=22,
        datetime_field="reported_at",
        order=20,
    ),
)
