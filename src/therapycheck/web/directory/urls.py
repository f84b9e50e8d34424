from django.urls import path

from therapycheck.web.directory import matching_views, views

app_name = "directory"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("<int:pk>/", views.profile, name="profile"),
    path("<int:pk>/photo/", views.photo, name="photo"),
    path("my-profile/", views.edit_mine, name="edit_mine"),
    path("verify/", views.verify_list, name="verify_list"),
    path("verify/<int:pk>/", views.verify, name="verify"),
    path("match/", matching_views.match, name="match"),
]
