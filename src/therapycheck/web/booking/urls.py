"""Free consultations, mounted at /consultations/ in clinic mode."""

from django.urls import path

from therapycheck.web.booking import views

app_name = "booking"

urlpatterns = [
    # Signed in: a clinician's bookings (or a client's own), availability, one booking.
    path("", views.bookings, name="list"),
    path("availability/", views.availability, name="availability"),
    path("b/<int:pk>/", views.detail, name="detail"),
    path("b/<int:pk>/outcome/", views.outcome, name="outcome"),
    path("b/<int:pk>/cancel/", views.clinician_cancel, name="clinician_cancel"),
    path("b/<int:pk>/notes/", views.notes, name="notes"),
    path("b/<int:pk>/agreement/", views.use_notes, name="use_notes"),
    # Public (login_not_required): free times, booking, and the signed links.
    path("with/<int:member_id>/", views.slots, name="slots"),
    path("with/<int:member_id>/book/", views.book, name="book"),
    path("check-email/", views.check_email, name="check_email"),
    path("v/<str:token>/", views.verify, name="verify"),
    path("m/<str:token>/", views.manage, name="manage"),
    path("m/<str:token>/cancel/", views.cancel, name="cancel"),
    path("m/<str:token>/move/", views.move, name="move"),
]
