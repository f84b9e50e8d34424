"""The audit log page, mounted at /audit/ in clinic mode."""

from django.urls import path

from therapycheck.web.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.log, name="log"),
]
