"""Django app config for the data exchange pages."""

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "therapycheck.web.exchange"
    label = "exchange"
    verbose_name = "Your data"
    default_auto_field = "django.db.models.BigAutoField"
