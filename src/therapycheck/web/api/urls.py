"""The API (django-ninja, OpenAPI at /api/v1/openapi.json), FHIR R4B (/fhir/) and the API
tokens page (/api/tokens/). Included at the root of clinic mode's URLconf."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, path

from therapycheck.web.api import fhir, fhir_booking, views
from therapycheck.web.api.api import api

app_name = "api"


def _token_only(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    """The API authenticates each request by its token: no sign-in session needed, so the
    LoginRequiredMiddleware must let its views through (ninja's views are CSRF-exempt)."""
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            login_not_required(pattern.callback)
    return patterns


api_patterns, _app, api_namespace = api.urls

urlpatterns = [
    path("api/v1/", (_token_only(api_patterns), _app, api_namespace)),
    path("api/tokens/", views.token_list, name="tokens"),
    path("api/tokens/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("fhir/metadata", fhir.metadata, name="fhir_metadata"),
    path("fhir/Patient/<str:pk>", fhir.patient, name="fhir_patient"),
    path("fhir/Practitioner/<str:pk>", fhir.practitioner, name="fhir_practitioner"),
    path("fhir/Questionnaire", fhir.questionnaires, name="fhir_questionnaires"),
    path("fhir/Questionnaire/<str:pk>", fhir.questionnaire, name="fhir_questionnaire"),
    path(
        "fhir/QuestionnaireResponse",
        fhir.questionnaire_responses,
        name="fhir_questionnaire_responses",
    ),
    path(
        "fhir/QuestionnaireResponse/<str:pk>",
        fhir.questionnaire_response,
        name="fhir_questionnaire_response",
    ),
    path("fhir/Observation", fhir.observations, name="fhir_observations"),
    path("fhir/Observation/<str:pk>", fhir.observation, name="fhir_observation"),
    path("fhir/Schedule/<str:pk>", fhir_booking.schedule_read, name="fhir_schedule"),
    path("fhir/Slot", fhir_booking.slots, name="fhir_slots"),
    path("fhir/Appointment", fhir_booking.appointments, name="fhir_appointments"),
]
