"""The clinic admin's pages (in the `clinic` namespace, under /clinic/admin/)."""

from django.urls import path

from therapycheck.web.clinic import admin_views

urlpatterns = [
    path("", admin_views.admin_home, name="admin_home"),
    path("staff/<int:pk>/", admin_views.staff_change, name="admin_staff_change"),
]
