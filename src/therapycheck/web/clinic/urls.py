from django.urls import include, path

from therapycheck.web.clinic import views

app_name = "clinic"

urlpatterns = [
    path("", views.home, name="home"),
    path("caseload/", views.caseload, name="caseload"),
    path("clients/<int:person_id>/", views.client, name="client"),
    path("clients/<int:person_id>/alerts/", views.alert_action, name="alert_action"),
    # The clinic admin's pages (staff) and the service outcome figures each have their own
    # module of views and URLs; their names are in this app's namespace.
    path("admin/", include("therapycheck.web.clinic.admin_urls")),
    path("outcomes/", include("therapycheck.web.clinic.outcomes_urls")),
]
