"""Measure requests, mounted at /r/: the clinician's pages and the client's signed link."""

from django.urls import path

from therapycheck.web.measurerequests import views

app_name = "measurerequests"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/<int:person_id>/", views.new, name="new"),
    path("<int:pk>/", views.show, name="show"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    # Public: the signed token is the key (views marked login_not_required).
    path("a/<str:token>/", views.answer, name="answer"),
    path("a/<str:token>/done/", views.done, name="done"),
]
