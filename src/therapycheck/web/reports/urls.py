from django.urls import path

from therapycheck.web.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report, name="report"),
    path("print/", views.print_view, name="print"),
    path("pdf/", views.pdf_download, name="pdf"),
]
