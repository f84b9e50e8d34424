"""Top-level URLs of clinic mode: the personal pages (each client's own record, behind
sign-in), accounts, and the clinic's own pages. Personal mode uses web/urls.py alone."""

from __future__ import annotations

from django.urls import include, path

from therapycheck.web.urls import urlpatterns as personal_urlpatterns

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("clinic/", include("therapycheck.web.clinic.urls")),
    path("sharing/", include("therapycheck.web.sharing.urls")),
    path("audit/", include("therapycheck.web.audit.urls")),
    path("r/", include("therapycheck.web.measurerequests.urls")),
    path("reviews/", include("therapycheck.web.reviews.urls")),
    path("specialists/", include("therapycheck.web.directory.urls")),
    path("consultations/", include("therapycheck.web.booking.urls")),
    path("", include("therapycheck.web.api.urls")),
    *personal_urlpatterns,
]

handler404 = "therapycheck.web.pages.views.not_found"
handler500 = "therapycheck.web.pages.views.server_error"
