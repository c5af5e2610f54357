from django.apps import AppConfig


class OgcConfig(AppConfig):
    name = "ogc"
    verbose_name = "OGC API"

    def ready(self) -> None:
        # Importing checks registers the system checks. The adaptations of pygeoapi are put in
        # place as the first API object is built (ogc.compat.apply): pygeoapi is not loaded here.
        from ogc import checks  # noqa: F401
