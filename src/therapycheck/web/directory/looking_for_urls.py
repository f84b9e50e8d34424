"""Personal mode's "what I'm looking for" page, mounted at /looking-for/ by web/urls.py."""

from django.urls import path

from therapycheck.web.directory import looking_for_views

app_name = "looking_for"

urlpatterns = [
    path("", looking_for_views.summary_page, name="summary"),
]
