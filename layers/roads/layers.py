from layers.common.registry import BasemapPaint, LayerOptions, Style, TileBand, register
from layers.roads.models import RoadSegment, StreetFurniture, StreetLight

register(
    RoadSegment,
    LayerOptions(
        slug="roads",
        title={"fr": "Voirie", "ar": "شبكة الطرق", "en": "Road segments"},
        description={
            "fr": "Tronçons de voirie: classe, revêtement, largeur, état (indice 0-100 et note A-E).",
            "ar": "مقاطع الطرق: الصنف، التكسية، العرض، الحالة.",
            "en": "Road segments: class, surface, width, condition (index 0-100 and grade A-E).",
        },
        theme="roads",
        fields=(
            "id",
            "name_fr",
            "name_ar",
            "road_class",
            "surface",
            "width_m",
            "lanes",
            "one_way",
            "manager",
            "condition_index",
            "condition_grade",
            "last_inspection",
        ),
        tile_fields=("id", "name_fr", "name_ar", "road_class", "width_m", "condition_grade"),
        style=Style(
            color="#555555",
            weight=2.0,
            by="road_class",
            categories=(
                ("motorway", "#c0392b"),
                ("trunk", "#d35400"),
                ("primary", "#e67e22"),
                ("secondary", "#f1c40f"),
                ("tertiary", "#95a5a6"),
                ("residential", "#bdc3c7"),
                ("service", "#d5d8dc"),
                ("pedestrian", "#a569bd"),
            ),
        ),
        min_zoom=10,
        max_zoom=22,
        # Up to zoom 12 the city's arteries only, as a map at that scale shows them (residential
        # streets and service roads come at 13), from a generalised copy: a tile of the whole
        # network weighs about 600 kB there.
        tile_bands=(
            TileBand(
                max_zoom=12,
                classes=("motorway", "trunk", "primary", "secondary", "tertiary"),
                simplify=True,
            ),
        ),
        label_field="name_fr",
        search_fields=("name_fr", "name_ar"),
        search_priority=50,
        basemap=BasemapPaint(order=40, color="#ffffff", weight=2.5, zoom_weights=((15, 5.0),)),
        editor_basemap=BasemapPaint(order=20, color="#888888"),
        datetime_field="last_inspection",
        order=10,
        visible=True,
    ),
)

register(
    StreetLight,
    LayerOptions(
        slug="street-lights",
        title={"fr": "Éclairage public", "ar": "الإنارة العمومية", "en": "Street lights"},
        description={
            "fr": "Points lumineux: type de lampe, puissance, état.",
            "ar": "نقط الإنارة: نوع المصباح، القدرة، الحالة.",
            "en": "Street lights: lamp type, power, status.",
        },
        theme="roads",
        fields=("id", "lamp_type", "power_w", "status", "install_date"),
        tile_fields=("id", "lamp_type", "status"),
        style=Style(
            color="#f4d03f",
            radius=3.0,
            by="status",
            categories=(("working", "#f4d03f"), ("faulty", "#e74c3c"), ("off", "#7f8c8d")),
        ),
        min_zoom=15,
        max_zoom=22,
        datetime_field="install_date",
        order=20,
    ),
)

register(
    StreetFurniture,
    LayerOptions(
        slug="street-furniture",
        title={"fr": "Mobilier urbain", "ar": "الأثاث الحضري", "en": "Street furniture"},
        description={
            "fr": "Bancs, corbeilles, abribus, bornes, panneaux, fontaines.",
            "ar": "المقاعد، حاويات النفايات، محطات الحافلات، اللوحات، النافورات.",
            "en": "Benches, bins, bus shelters, bollards, signs, fountains.",
        },
        theme="roads",
        fields=("id", "kind", "status", "install_date"),
        tile_fields=("id", "kind", "status"),
        style=Style(color="#2e86c1", radius=3.0),
        min_zoom=16,
        max_zoom=22,
        datetime_field="install_date",
        order=30,
    ),
)
