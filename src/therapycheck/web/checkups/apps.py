from django.apps import AppConfig


class CheckupsConfig(AppConfig):
    name = "therapycheck.web.checkups"
    label = "checkups"
    verbose_name = "Check-ups"
    default_auto_field = "django.db.models.BigAutoField"
