from django.apps import AppConfig


class ZoningConfig(AppConfig):
    name = "layers.zoning"
    label = "zoning"
    verbose_name = "Urban planning"

    def ready(self) -> None:
        from layers.zoning import layers  # noqa: F401  (registers this app's layers)
