from django.apps import AppConfig


class GreenspacesConfig(AppConfig):
    name = "layers.greenspaces"
    label = "greenspaces"
    verbose_name = "Green spaces"

    def ready(self) -> None:
        from layers.greenspaces import layers  # noqa: F401  (registers this app's layers)
