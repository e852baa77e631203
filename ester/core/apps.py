from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ester.core"
    label = "core"
    verbose_name = "Ester"
