from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "therapycheck.web.tracking"
    label = "tracking"
    verbose_name = "Measures, progress and journal"
    default_auto_field = "django.db.models.BigAutoField"
