from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "geoportal.indicators"
    label = "indicators"
    verbose_name = "Indicateurs"
