from django.apps import AppConfig


class MeasureRequestsConfig(AppConfig):
    name = "therapycheck.web.measurerequests"
    label = "measurerequests"
    verbose_name = "Measures sent to clients by signed link"
    default_auto_field = "django.db.models.BigAutoField"
