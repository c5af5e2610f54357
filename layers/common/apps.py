from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "layers.common"
    label = "layers"
    verbose_name = "Layers: history and versions"
