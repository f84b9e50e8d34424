from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "therapycheck.web.sharing"
    label = "sharing"
    verbose_name = "Consent: what a client shares with whom"
    default_auto_field = "django.db.models.BigAutoField"
