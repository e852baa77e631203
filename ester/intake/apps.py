from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "ester.intake"
    verbose_name = "Inkommande post"
    default_auto_field = "django.db.models.BigAutoField"
