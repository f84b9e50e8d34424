from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "therapycheck.web.pages"
    label = "pages"
    verbose_name = "Pages"
    default_auto_field = "django.db.models.BigAutoField"
