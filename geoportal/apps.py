from django.apps import AppConfig


class GeoportalConfig(AppConfig):
    name = "geoportal"
    verbose_name = "Casa Urban Platform"

    def ready(self) -> None:
        from geoportal import checks  # noqa: F401  (registers the checks)
