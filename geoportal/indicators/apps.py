from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "geoportal.indicators"
    label = "indicators"
    verbose_name = "Indicateurs"

    def ready(self) -> None:
        from geoportal.indicators.publication import collection
        from ogc.views_registry import register_collection

        register_collection(collection())  # OGC API Features: arrondissement-indicators
