from django.urls import path

from therapycheck.web.tracking import views

app_name = "tracking"

urlpatterns = [
    path("measures/", views.measures, name="measures"),
    path("measures/check-in/", views.check_in, name="check_in"),
    path("measures/reminders/", views.reminders, name="reminders"),
    path("measures/entry/<int:pk>/", views.measurement_detail, name="measurement"),
    path("measures/entry/<int:pk>/edit/", views.measurement_edit, name="measurement_edit"),
    path("measures/entry/<int:pk>/delete/", views.measurement_delete, name="measurement_delete"),
    path("measures/<slug:instrument_id>/new/", views.measurement_new, name="measurement_new"),
    path("progress/", views.progress, name="progress"),
    path("journal/", views.journal, name="journal"),
    path("journal/new/", views.journal_new, name="journal_new"),
    path("journal/<int:pk>/edit/", views.journal_edit, name="journal_edit"),
    path("journal/<int:pk>/delete/", views.journal_delete, name="journal_delete"),
]

urlpatterns += [
    path("measures/check-in/<uuid:group>/", views.check_in_done, name="check_in_done"),
]
