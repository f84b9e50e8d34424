from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "therapycheck.web.clinic"
    label = "clinic"
    verbose_name = "Clinics, staff and the caseload"
    default_auto_field = "django.db.models.BigAutoField"
