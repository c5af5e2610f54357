from django.apps import AppConfig


class OgcConfig(AppConfig):
    name = "ogc"
    verbose_name = "OGC API"

    def ready(self) -> None:
        from ogc import checks, compat  # noqa: F401 (importing checks registers the system checks)

        compat.apply()  # the adaptations of pygeoapi, once, before any request
