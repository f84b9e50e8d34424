from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "therapycheck.web.booking"
    label = "booking"
    verbose_name = "Free initial consultations: availability and bookings"
    default_auto_field = "django.db.models.BigAutoField"
