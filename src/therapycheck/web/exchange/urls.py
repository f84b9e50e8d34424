"""URLs of the "Your data" pages, mounted at /data/."""

from django.urls import path

from therapycheck.web.exchange import views

app_name = "exchange"

urlpatterns = [
    path("", views.data_home, name="home"),
    path("export/fhir/", views.export_fhir, name="export_fhir"),
    path("export/csv/", views.export_csv_zip, name="export_csv"),
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("import/cancel/", views.import_cancel, name="import_cancel"),
    path("delete/", views.delete_all, name="delete"),
    path("delete/done/", views.deleted, name="deleted"),
]
