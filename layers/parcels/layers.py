from layers.common.registry import BasemapPaint, LayerOptions, Style, TileBand, register
from layers.common.rules import NoOverlap
from layers.parcels.models import Parcel

register(
    Parcel,
    LayerOptions(
        slug="parcels",
        title={"fr": "Parcelles cadastrales", "ar": "القطع العقارية", "en": "Cadastral parcels"},
        description={
            "fr": (
                "Parcelles: référence foncière (TF, réquisition), statut, contenance et surface "
                "calculée, usage, adresse. Aucune donnée personnelle."
            ),
            "ar": "القطع العقارية: المرجع العقاري، الوضعية، المساحة، الاستعمال، العنوان.",
            "en": (
                "Parcels: land reference (title, requisition), status, official and computed "
                "area, use, address. No personal data."
            ),
        },
        theme="parcels",
        fields=(
            "id",
            "reference",
            "land_status",
            "official_area_m2",
            "computed_area_m2",
            "current_use",
            "address",
        ),
        tile_fields=("id", "reference", "land_status"),
        style=Style(color="#a04000", fill_color="#f6ddcc", weight=0.6, fill_opacity=0.25),
        min_zoom=14,
        max_zoom=22,
        # At 14 and 15 the parcel fabric: parcels of a pixel at least, without attributes (the
        # portal's popup reads a parcel by its id).
        tile_bands=(TileBand(max_zoom=15, min_pixels=1.0, fields=()),),
        label_field="reference",
        search_fields=("reference", "address"),
        search_priority=40,
        editor_basemap=BasemapPaint(order=30, color="#a04000"),
        order=10,
        visible=True,
        max_features_per_tile=20000,
        # The cadastre is a partition: a square metre of land belongs to one parcel. The
        # tolerance absorbs the slivers of digitising and of coordinates rounded on the way.
        rules=(NoOverlap(layers=("parcels",), tolerance_m2=1.0),),
    ),
)
