from django.contrib import admin

from layers.boundaries.models import Arrondissement, Commune, Prefecture
from layers.common.admin import FeatureAdmin


@admin.register(Prefecture)
class PrefectureAdmin(FeatureAdmin):
    list_display = ("code", "name_fr", "name_ar", "population_2024")


@admin.register(Arrondissement)
class ArrondissementAdmin(FeatureAdmin):
    list_display = ("code", "name_fr", "name_ar", "prefecture", "population_2024")
    list_filter = ("prefecture",)


@admin.register(Commune)
class CommuneAdmin(FeatureAdmin):
    list_display = ("code", "name_fr", "name_ar", "commune_type", "province_fr", "population_2024")
    list_filter = ("commune_type", "province_fr")
