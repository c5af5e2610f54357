from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "layers.common"
    label = "layers"
    verbose_name = "Layers: history and versions"

    def ready(self) -> None:
        from layers.common import checks  # noqa: F401 (importing checks registers the system checks)
