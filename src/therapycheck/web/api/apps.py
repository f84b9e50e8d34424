from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "therapycheck.web.api"
    label = "api"
    verbose_name = "The API and FHIR R4B"
    default_auto_field = "django.db.models.BigAutoField"
