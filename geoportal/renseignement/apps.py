import logging

from django.apps import AppConfig


class RenseignementConfig(AppConfig):
    name = "geoportal.renseignement"
    label = "renseignement"
    verbose_name = "E-renseignement"

    def ready(self) -> None:
        from geoportal.renseignement import checks  # noqa: F401  (registers the checks)

        # WeasyPrint logs each rendering step at INFO: a dozen lines per PDF in the server log.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
