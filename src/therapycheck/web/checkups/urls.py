from django.urls import path, re_path

from therapycheck.web.checkups import views

app_name = "checkups"

urlpatterns = [
    path("", views.start, name="start"),
    path("quick/", views.quick_check, name="quick"),
    path("<int:pk>/quick/more/", views.quick_more, name="quick_more"),
    path("<int:pk>/quick/answer/", views.quick_answer, name="quick_answer"),
    path("<int:pk>/", views.results, name="results"),
    path("<int:pk>/print/", views.print_view, name="print"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/add-to-progress/", views.add_scores, name="add_scores"),
    re_path(
        r"^(?P<pk>[0-9]{1,18})/(?P<kind>section|measure)/(?P<ref>[A-Za-z0-9_-]+)/$",
        views.step,
        name="step",
    ),
]
