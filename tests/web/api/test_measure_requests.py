"""Measure requests through the API: made and listed only through
web.measurerequests.services, for clients who share their measures; others 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.web.api.helpers import bearer, token_for
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.measurerequests.models import MeasureRequest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]


def _ask(client: Client, token: str, person_id: int, **extra: Any) -> Any:
    body = {"person_id": person_id, "instruments": ["phq9", "gad7"], **extra}
    return client.post(
        "/api/v1/measure-requests", body, content_type="application/json", **bearer(token)
    )


def test_a_clinician_asks_their_client_and_sees_the_request(
    client: Client, client_a: Any, clinician: Any
) -> None:
    token = token_for(clinician)
    response = _ask(client, token, client_a.person.pk)
    assert response.status_code == 201
    made = response.json()
    assert made["instruments"] == ["phq9", "gad7"]
    assert made["status"] == "open"
    assert made["answer_url"].startswith("http://testserver/r/")
    stored = MeasureRequest.objects.get(pk=made["id"])
    assert stored.person == client_a.person
    listed = client.get("/api/v1/measure-requests", **bearer(token)).json()["requests"]
    assert [r["id"] for r in listed] == [made["id"]]
    via = set(AuditEvent.objects.filter(actor=clinician).values_list("via", flat=True))
    assert "GET /api/v1/measure-requests" in via


@pytest.mark.parametrize("persona", ["other_clinician", "supervisor_of_nobody"])
def test_nobody_asks_a_client_who_does_not_share_with_them(
    request: pytest.FixtureRequest, client: Client, client_a: Any, persona: str
) -> None:
    if persona == "supervisor_of_nobody":
        from tests.web.clinic_personas import make_staff

        user = make_staff(
            client_a.person.enrolment.clinic, "zed@example.org", "supervisor", "Zed Supervisor"
        )
    else:
        user = request.getfixturevalue(persona)
    response = _ask(client, token_for(user), client_a.person.pk)
    assert response.status_code == 404
    assert "Alex" not in response.content.decode()
    assert not MeasureRequest.objects.exists()


def test_clients_and_admins_cannot_use_measure_requests(
    client: Client, client_a: Any, clinic_admin: Any
) -> None:
    for user in (client_a, clinic_admin):
        token = token_for(user)
        assert client.get("/api/v1/measure-requests", **bearer(token)).status_code == 403
        assert _ask(client, token, client_a.person.pk).status_code == 403


def test_bad_request_details_get_422_with_the_services_message(
    client: Client, client_a: Any, clinician: Any
) -> None:
    response = _ask(
        client,
        token_for(clinician),
        client_a.person.pk,
        schedule="weekly",
        expires_in_days=14,
    )
    assert response.status_code == 422
    assert "at most 7 days" in response.json()["detail"]
    assert not MeasureRequest.objects.exists()
