from django.contrib import admin

from layers.common.admin import FeatureAdmin
from layers.greenspaces.models import GreenSpace, Tree


@admin.register(GreenSpace)
class GreenSpaceAdmin(FeatureAdmin):
    list_display = ("id", "name_fr", "kind", "area_m2", "manager", "irrigation", "public_access")
    list_filter = ("kind", "irrigation", "public_access", "manager")
    readonly_fields = ("area_m2", "created_at", "updated_at")


@admin.register(Tree)
class TreeAdmin(FeatureAdmin):
    list_display = ("id", "species", "height_m", "planted_year", "condition")
    list_filter = ("condition", "species")
    search_fields = ("species",)
