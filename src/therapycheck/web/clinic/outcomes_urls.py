"""Service outcome figures: /clinic/outcomes/ (in the `clinic` namespace)."""

from django.urls import path

from therapycheck.web.clinic import outcomes_views

urlpatterns = [
    path("", outcomes_views.outcomes_page, name="outcomes"),
    path("download.csv", outcomes_views.outcomes_csv, name="outcomes_csv"),
]
