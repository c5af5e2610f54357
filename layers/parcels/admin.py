from django.contrib import admin

from layers.common.admin import FeatureAdmin
from layers.parcels.models import Parcel


@admin.register(Parcel)
class ParcelAdmin(FeatureAdmin):
    list_display = (
        "reference",
        "land_status",
        "official_area_m2",
        "computed_area_m2",
        "current_use",
        "address",
    )
    list_filter = ("land_status", "current_use")
    readonly_fields = ("computed_area_m2", "created_at", "updated_at")
