from django.apps import AppConfig


class BoundariesConfig(AppConfig):
    name = "layers.boundaries"
    label = "boundaries"
    verbose_name = "Administrative areas"

    def ready(self) -> None:
        from layers.boundaries import layers  # noqa: F401  (registers this app's layers)
