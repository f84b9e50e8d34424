from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "therapycheck.web.directory"
    label = "directory"
    verbose_name = "Specialists' profiles and the public directory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the start-up check and the signal receivers.
        from therapycheck.web.directory import checks, signals  # noqa: F401
