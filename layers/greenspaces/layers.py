from layers.common.registry import BasemapPaint, LayerOptions, Style, register
from layers.common.rules import Within
from layers.greenspaces.models import GreenSpace, Tree

register(
    GreenSpace,
    LayerOptions(
        slug="green-spaces",
        title={"fr": "Espaces verts", "ar": "المساحات الخضراء", "en": "Green spaces"},
        description={
            "fr": (
                "Parcs, jardins, squares, forêts urbaines, terrains de sport: surface, "
                "gestionnaire, arrosage, accès et horaires."
            ),
            "ar": "الحدائق والمنتزهات والغابات الحضرية: المساحة، المسير، السقي، الولوج.",
            "en": (
                "Parks, gardens, squares, urban forests, sports grounds: area, manager, "
                "irrigation, access and opening hours."
            ),
        },
        theme="green",
        fields=(
            "id",
            "name_fr",
            "name_ar",
            "kind",
            "area_m2",
            "manager",
            "irrigation",
            "public_access",
            "opening_hours",
        ),
        tile_fields=("id", "name_fr", "name_ar", "kind"),
        style=Style(color="#1e8449", fill_color="#58d68d", weight=1.0, fill_opacity=0.5),
        min_zoom=11,
        max_zoom=22,
        label_field="name_fr",
        search_fields=("name_fr", "name_ar"),
        search_priority=70,
        basemap=BasemapPaint(order=30, fill_color="#a9dfbf"),
        editor_basemap=BasemapPaint(
            order=40, color="#1e8449", fill_color="rgba(88, 214, 141, 0.4)"
        ),
        order=10,
        visible=True,
        # The commune's green spaces: inside the municipal boundary, the union of the
        # arrondissements, to half a metre.
        rules=(Within(layer="arrondissements", tolerance_m=0.5),),
    ),
)

register(
    Tree,
    LayerOptions(
        slug="trees",
        title={"fr": "Arbres", "ar": "الأشجار", "en": "Trees"},
        description={
            "fr": "Arbres d'alignement et de parcs: essence, hauteur, état.",
            "ar": "الأشجار: النوع، الارتفاع، الحالة.",
            "en": "Street and park trees: species, height, condition.",
        },
        theme="green",
        fields=("id", "species", "height_m", "planted_year", "condition"),
        plain_numbers=("planted_year",),
        tile_fields=("id", "species", "condition"),
        style=Style(color="#196f3d", radius=2.5, fill_opacity=0.8),
        min_zoom=16,
        max_zoom=22,
        label_field="species",
        order=20,
    ),
)
