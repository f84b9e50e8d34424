from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "therapycheck.web.accounts"
    label = "accounts"
    verbose_name = "People and preferences"
    default_auto_field = "django.db.models.BigAutoField"
