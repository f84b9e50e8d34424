from django.urls import path

from therapycheck.web.pages import views

app_name = "pages"

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.help_now, name="help"),
    path("settings/", views.settings_view, name="settings"),
    path("learn/", views.learn_index, name="learn"),
    path("learn/<slug:slug>/", views.learn_page, name="learn_page"),
]
