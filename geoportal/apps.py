from django.apps import AppConfig


class GeoportalConfig(AppConfig):
    name = "geoportal"
    verbose_name = "Casa Urban Platform"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from geoportal import checks  # noqa: F401  (registers the checks)
        from geoportal.replicas import reset_read_alias

        request_finished.connect(reset_read_alias, dispatch_uid="geoportal.replicas")
