from django.urls import path

from therapycheck.web.clinic import views

app_name = "clinic"

urlpatterns = [
    path("", views.home, name="home"),
]
