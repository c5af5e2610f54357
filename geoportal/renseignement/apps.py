from django.apps import AppConfig


class RenseignementConfig(AppConfig):
    name = "geoportal.renseignement"
    label = "renseignement"
    verbose_name = "E-renseignement"
