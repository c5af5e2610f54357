from django.apps import AppConfig


class RastersConfig(AppConfig):
    name = "layers.rasters"
    label = "rasters"
    verbose_name = "Raster layers"
