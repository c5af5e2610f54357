from django.apps import AppConfig


class RoadsConfig(AppConfig):
    name = "layers.roads"
    label = "roads"
    verbose_name = "Road assets"

    def ready(self) -> None:
        from layers.roads import layers  # noqa: F401  (registers this app's layers)
