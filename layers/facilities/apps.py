from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "layers.facilities"
    label = "facilities"
    verbose_name = "Facilities and citizen reports"

    def ready(self) -> None:
        from layers.facilities import layers  # noqa: F401  (registers this app's layers)
