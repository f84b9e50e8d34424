from django.urls import path

from therapycheck.web.reviews import views

app_name = "reviews"

urlpatterns = [
    path("agreement/", views.my_agreement, name="my_agreement"),
    path("clients/<int:person_id>/", views.client, name="client"),
    path("clients/<int:person_id>/send-checkup/", views.send_checkup, name="send_checkup"),
    path("clients/<int:person_id>/agreement/", views.agreement_edit, name="agreement_edit"),
]
