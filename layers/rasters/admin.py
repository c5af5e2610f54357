from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin

from layers.common.widgets import CityMapWidget
from layers.rasters.models import RasterLayer


@admin.register(RasterLayer)
class RasterLayerAdmin(GISModelAdmin):
    gis_widget = CityMapWidget  # type: ignore[assignment]  # django-stubs: OSMWidget only
    list_display = ("slug", "title_fr", "kind", "band_count", "resolution_m", "public")
    list_filter = ("kind", "public")
    readonly_fields = ("file_name", "source_crs", "band_count", "dtype", "resolution_m")
