from django.apps import AppConfig


class ParcelsConfig(AppConfig):
    name = "layers.parcels"
    label = "parcels"
    verbose_name = "Cadastral parcels"

    def ready(self) -> None:
        from layers.parcels import layers  # noqa: F401  (registers this app's layers)
