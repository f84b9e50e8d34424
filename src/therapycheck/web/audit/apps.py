from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "therapycheck.web.audit"
    label = "audit"
    verbose_name = "Who saw or changed a client's record"
    default_auto_field = "django.db.models.BigAutoField"
