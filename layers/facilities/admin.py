from django.contrib import admin

from layers.common.admin import FeatureAdmin
from layers.facilities.models import CitizenReport, Facility


@admin.register(Facility)
class FacilityAdmin(FeatureAdmin):
    list_display = ("id", "name_fr", "kind", "address")
    list_filter = ("kind",)


@admin.register(CitizenReport)
class CitizenReportAdmin(FeatureAdmin):
    list_display = (
        "id",
        "kind",
        "status",
        "reported_at",
        "nearest_segment",
        "nearest_segment_distance_m",
    )
    list_filter = ("kind", "status")
    search_fields = ("description",)
    readonly_fields = (
        "nearest_segment",
        "nearest_segment_distance_m",
        "reported_at",
        "created_at",
        "updated_at",
    )
    date_hierarchy = "reported_at"
