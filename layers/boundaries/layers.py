from django.conf import settings

from layers.boundaries.models import Arrondissement, Commune, Prefecture
from layers.common.registry import BasemapPaint, LayerOptions, Style, TileBand, register

REAL_DATA = f"{settings.ATTRIBUTION['OSM']}; {settings.ATTRIBUTION['HCP']}"

register(
    Arrondissement,
    LayerOptions(
        slug="arrondissements",
        title={"fr": "Arrondissements", "ar": "المقاطعات", "en": "Arrondissements"},
        description={
            "fr": "Les 16 arrondissements de la commune de Casablanca, population RGPH 2024.",
            "ar": "المقاطعات الست عشرة لجماعة الدار البيضاء، ساكنة إحصاء 2024.",
            "en": "The 16 arrondissements of the commune of Casablanca, 2024 census population.",
        },
        theme="admin",
        fields=("id", "code", "name_fr", "name_ar", "population_2024", "households_2024"),
        tile_fields=("id", "code", "name_fr", "name_ar"),
        style=Style(color="#5b2c6f", fill_opacity=0.0, weight=2.0, dash="6 4"),
        min_zoom=8,
        max_zoom=22,
        tile_bands=(TileBand(max_zoom=11, simplify=True),),  # the outlines, generalised
        label_field="name_fr",
        search_fields=("name_fr", "name_ar"),
        search_priority=10,
        basemap=BasemapPaint(order=20, color="#a9a2b8", fill_color="#f7f5f0"),
        editor_basemap=BasemapPaint(order=10, color="#5b2c6f"),
        order=10,
        visible=True,
        attribution=REAL_DATA,
    ),
)

register(
    Prefecture,
    LayerOptions(
        slug="prefectures",
        title={
            "fr": "Préfectures d'arrondissements",
            "ar": "عمالات المقاطعات",
            "en": "Prefectures",
        },
        description={
            "fr": "Les 8 préfectures d'arrondissements de Casablanca.",
            "ar": "عمالات المقاطعات الثماني بالدار البيضاء.",
            "en": "The 8 prefectures of arrondissements of Casablanca.",
        },
        theme="admin",
        fields=("id", "code", "name_fr", "name_ar", "population_2024", "households_2024"),
        tile_fields=("id", "code", "name_fr", "name_ar"),
        style=Style(color="#1b2631", fill_opacity=0.0, weight=3.0),
        min_zoom=6,
        max_zoom=22,
        tile_bands=(TileBand(max_zoom=11, simplify=True),),  # the outlines, generalised
        label_field="name_fr",
        search_fields=("name_fr", "name_ar"),
        search_priority=20,
        order=5,
        attribution=REAL_DATA,
    ),
)

register(
    Commune,
    LayerOptions(
        slug="communes",
        title={"fr": "Communes voisines", "ar": "الجماعات المجاورة", "en": "Surrounding communes"},
        description={
            "fr": "Les communes de la région à moins de 25 km de Casablanca.",
            "ar": "جماعات الجهة على بعد أقل من 25 كلم من الدار البيضاء.",
            "en": "Communes of the region within 25 km of Casablanca.",
        },
        theme="admin",
        fields=(
            "id",
            "code",
            "name_fr",
            "name_ar",
            "commune_type",
            "province_fr",
            "population_2024",
        ),
        tile_fields=("id", "name_fr", "name_ar"),
        style=Style(color="#7f8c8d", fill_opacity=0.0, weight=1.0),
        min_zoom=6,
        max_zoom=22,
        tile_bands=(TileBand(max_zoom=11, simplify=True),),  # the outlines, generalised
        label_field="name_fr",
        search_fields=("name_fr", "name_ar"),
        search_priority=30,
        basemap=BasemapPaint(order=10, color="#b3b6b7", fill_color="#f7f5f0"),
        order=20,
        attribution=REAL_DATA,
    ),
)
