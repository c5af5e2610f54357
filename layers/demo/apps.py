from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "layers.demo"
    label = "demo"
    verbose_name = "Demo city"
