from django.contrib import admin

from layers.common.admin import FeatureAdmin
from layers.zoning.models import PlanningDocument, ReservedLand, Servitude, Zone, ZoneRegulation


class ZoneRegulationInline(admin.StackedInline):
    model = ZoneRegulation
    extra = 0


@admin.register(PlanningDocument)
class PlanningDocumentAdmin(FeatureAdmin):
    list_display = ("name", "reference", "status", "approval_date", "decree")
    list_filter = ("status",)
    inlines = [ZoneRegulationInline]


@admin.register(ZoneRegulation)
class ZoneRegulationAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "label_fr",
        "category",
        "document",
        "max_height_m",
        "max_floors",
        "cos",
        "ces",
    )
    list_filter = ("document", "category")
    search_fields = ("code", "label_fr", "label_ar", "label_en")


@admin.register(Zone)
class ZoneAdmin(FeatureAdmin):
    list_display = ("id", "code", "label_fr", "category", "regulation")
    list_filter = ("category", "regulation__document")
    search_fields = ("code", "label_fr")
    readonly_fields = ("code", "category", "created_at", "updated_at")
    autocomplete_fields = ("regulation",)


@admin.register(Servitude)
class ServitudeAdmin(FeatureAdmin):
    list_display = ("id", "kind", "label", "legal_reference", "width_m")
    list_filter = ("kind",)


@admin.register(ReservedLand)
class ReservedLandAdmin(FeatureAdmin):
    list_display = ("id", "kind", "label", "reference", "road_width_m", "document")
    list_filter = ("kind", "document")
