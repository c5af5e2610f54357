from django.contrib import admin

from layers.common.admin import FeatureAdmin
from layers.roads.models import Inspection, RoadSegment, StreetFurniture, StreetLight


class InspectionInline(admin.TabularInline):
    model = Inspection
    extra = 0
    fields = ("date", "inspector", "score", "defects", "notes")


@admin.register(RoadSegment)
class RoadSegmentAdmin(FeatureAdmin):
    list_display = (
        "id",
        "name_fr",
        "road_class",
        "surface",
        "width_m",
        "condition_index",
        "condition_grade",
        "last_inspection",
    )
    list_filter = ("road_class", "surface", "condition_grade", "one_way", "manager")
    readonly_fields = ("condition_grade", "created_at", "updated_at")
    inlines = [InspectionInline]


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ("segment", "date", "inspector", "score")
    list_filter = ("date", "inspector")
    raw_id_fields = ("segment",)
    date_hierarchy = "date"


@admin.register(StreetLight)
class StreetLightAdmin(FeatureAdmin):
    list_display = ("id", "lamp_type", "power_w", "status", "install_date")
    list_filter = ("lamp_type", "status")


@admin.register(StreetFurniture)
class StreetFurnitureAdmin(FeatureAdmin):
    list_display = ("id", "kind", "status", "install_date")
    list_filter = ("kind", "status")
