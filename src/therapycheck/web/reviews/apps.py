from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "therapycheck.web.reviews"
    label = "reviews"
    verbose_name = "Clinical-support reviews and treatment agreements"
    default_auto_field = "django.db.models.BigAutoField"
