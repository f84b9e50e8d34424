from django.urls import path

from therapycheck.web.accounts import views

app_name = "accounts"

urlpatterns = [
    path("safety/acknowledge/", views.acknowledge_crisis, name="acknowledge_crisis"),
]
