"""Sharing pages, mounted at /sharing/ in clinic mode."""

from django.urls import path

from therapycheck.web.sharing import views

app_name = "sharing"

urlpatterns = [
    path("", views.home, name="home"),
    path("invite/", views.invite_clinician, name="invite_clinician"),
    path("sent/<int:pk>/close/", views.close_invitation, name="close_invitation"),
    path("links/<int:pk>/change/", views.change, name="change"),
    path("links/<int:pk>/stop/", views.stop, name="stop"),
    path("accept/<str:token>/", views.accept, name="accept"),
    path("invitations/", views.clinician_invitations, name="clinician_invitations"),
    path("invitations/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("invitations/<int:pk>/answer/", views.clinician_answer, name="clinician_answer"),
]
