"""Every API and FHIR operation x every persona: the expected status, and zero leaks.

A client sees only their own record; a clinician the clients who share with them; a
supervisor what their clinicians see; a clinic admin no client record (scopes they may
not hold -> 403, records -> 404); another clinic's staff nothing of this clinic.
Anonymous requests get 401. Someone else's record is "not found" (404), never "forbidden",
so a status never reveals that a record exists.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from tests.web.api.helpers import bearer, token_for
from tests.web.booking.helpers import open_hours
from therapycheck.web.audit.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]

PERSONAS = (
    "anonymous",
    "client_a",
    "client_b",
    "clinician",
    "other_clinician",
    "supervisor",
    "clinic_admin",
    "other_clinic_admin",
)
# Who may see Alex's (client A's) record through a care link, besides Alex.
SEES_A = {"client_a", "clinician", "supervisor"}
# Display names each persona may see; any other client's name in a response is a leak.
VISIBLE_NAMES = {
    "client_a": {"Alex"},
    "client_b": {"Blake"},
    "clinician": {"Alex"},
    "other_clinician": {"Blake"},
    "supervisor": {"Alex"},
}
STAFF_NO_RECORD = {"clinician", "other_clinician", "supervisor"}
ADMINS = {"clinic_admin", "other_clinic_admin"}


def expected(persona: str, operation: str) -> int:
    if operation == "slots":
        return 200  # a specialist's free times are public
    if persona == "anonymous":
        return 401
    match operation:
        case "me" | "questionnaires" | "questionnaire":
            return 200
        case "own_measures" | "own_checkups":
            return 403 if persona in ADMINS else 200
        case "add_measure":
            return 201 if persona in ("client_a", "client_b") else 403
        case "caseload":
            return 200 if persona in STAFF_NO_RECORD else 403
        case "a_measures" | "a_checkups":
            if persona in ADMINS:
                return 403  # an admin's token can never hold measures:read/checkups:read
            return 200 if persona in SEES_A else 404
        case "a_patient" | "a_responses" | "a_observations" | "a_response" | "a_observation":
            return 200 if persona in SEES_A else 404
        case "list_requests":
            return 200 if persona in STAFF_NO_RECORD else 403
        case "ask_a":
            if persona in ("clinician", "supervisor"):
                return 201
            return 404 if persona == "other_clinician" else 403
        case "schedule" | "fhir_slots":
            return 200  # free and busy times, never who booked
        case "appointments":
            # The clinician's own consultations; a client's own with them (here none).
            return 200 if persona in ("client_a", "client_b", "clinician") else 404
        case "practitioner":
            # Staff of the same clinic, and the clients who share with this clinician.
            return 404 if persona in ("client_b", "other_clinic_admin") else 200
        case "availability" | "set_availability":
            # A clinician's own hours (the other clinician's are their own too); only
            # clinicians may hold the availability scopes.
            return 200 if persona in ("clinician", "other_clinician") else 403
        case "list_bookings":
            # Clients their own; clinicians the consultations booked with them.
            return 403 if persona in ("supervisor", *ADMINS) else 200
        case "book":
            # Only clients book. Alex already has a consultation coming up with this
            # clinician: the free consultation is one first meeting.
            if persona in ("client_a", "client_b"):
                return 409 if persona == "client_a" else 201
            return 403
        case "move_a":
            # Alex's booking: Alex and its clinician move it; another client or clinician
            # holds bookings:write but not this booking; other staff never hold the scope.
            if persona in ("client_a", "clinician"):
                return 200
            return 404 if persona in ("client_b", "other_clinician") else 403
        case "cancel_a":
            # Only the client cancels by the API (a clinician on the consultation's page).
            if persona == "client_a":
                return 200
            return 404 if persona == "client_b" else 403
    raise AssertionError(operation)


def booked_by_alex(member: Any, person: Any) -> Movable:
    """Alex's booking, days ahead (outside the cancellation window), another free time to
    move it to, and one more for a new booking."""
    from therapycheck.web.booking import services

    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    later = [s.start for s in services.free_slots(member) if s.start > soon]
    booking = services.book(member, later[0], person=person, base_url="http://testserver")
    return Movable(booking.pk, later[2], later[4], member.pk)


@dataclass(frozen=True)
class Movable:
    booking_id: int
    to: dt.datetime
    free: dt.datetime
    member_id: int


# A valid week of hours for the clinician whose token sets them.
HOURS = {
    "is_open": True,
    "timezone": "Europe/London",
    "weekly": {"monday": ["09:00-17:00"], "thursday": ["13:00-15:00"]},
    "exceptions": [{"day": "2027-12-24", "hours": []}],
    "buffer_before_minutes": 0,
    "buffer_after_minutes": 5,
    "min_notice_hours": 24,
    "daily_cap": None,
    "horizon_days": 60,
    "cancellation_window_hours": 24,
}


def bodies(a: Any, movable: Movable) -> dict[str, dict[str, Any]]:
    """The body of each operation that takes one: valid for a persona allowed to send it."""
    return {
        "add_measure": {"instrument": "gad7", "answers": [1] * 7, "session_number": 40},
        "ask_a": {"person_id": a.person.pk, "instruments": ["gad7"]},
        "book": {
            "member_id": movable.member_id,
            "start": movable.free.isoformat(),
            "timezone": "Europe/Paris",
        },
        "move_a": {"start": movable.to.isoformat()},
        "set_availability": HOURS,
    }


def operations(a: Any, clinician: Any, movable: Movable) -> dict[str, tuple[str, str]]:
    """name -> (method, path); the bodies of those that take one are in bodies()."""
    pid = a.person.pk
    measure = a.person.measurements.first().pk
    return {
        "me": ("GET", "/api/v1/me"),
        "own_measures": ("GET", "/api/v1/measures"),
        "add_measure": ("POST", "/api/v1/measures"),
        "own_checkups": ("GET", "/api/v1/checkups"),
        "caseload": ("GET", "/api/v1/caseload"),
        "list_requests": ("GET", "/api/v1/measure-requests"),
        "ask_a": ("POST", "/api/v1/measure-requests"),
        "a_measures": ("GET", f"/api/v1/clients/{pid}/measures"),
        "a_checkups": ("GET", f"/api/v1/clients/{pid}/checkups"),
        "a_patient": ("GET", f"/fhir/Patient/{pid}"),
        "a_responses": ("GET", f"/fhir/QuestionnaireResponse?patient={pid}"),
        "a_observations": ("GET", f"/fhir/Observation?patient=Patient/{pid}"),
        "a_response": ("GET", f"/fhir/QuestionnaireResponse/{measure}"),
        "a_observation": ("GET", f"/fhir/Observation/{measure}"),
        "questionnaires": ("GET", "/fhir/Questionnaire"),
        "questionnaire": ("GET", "/fhir/Questionnaire/phq9"),
        "practitioner": ("GET", f"/fhir/Practitioner/{clinician.membership.pk}"),
        "slots": ("GET", f"/api/v1/specialists/{clinician.membership.pk}/slots"),
        "schedule": ("GET", f"/fhir/Schedule/{clinician.membership.pk}"),
        "fhir_slots": ("GET", f"/fhir/Slot?schedule={clinician.membership.pk}"),
        "appointments": ("GET", f"/fhir/Appointment?practitioner={clinician.membership.pk}"),
        "availability": ("GET", "/api/v1/availability"),
        "list_bookings": ("GET", "/api/v1/bookings"),
        "book": ("POST", "/api/v1/bookings"),
        "move_a": ("POST", f"/api/v1/bookings/{movable.booking_id}/move"),
        "cancel_a": ("POST", f"/api/v1/bookings/{movable.booking_id}/cancel"),
        # Last: the clinician's new hours must not change what the operations above see.
        "set_availability": ("PUT", "/api/v1/availability"),
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_operation_answers_each_persona_as_expected_without_leaks(
    request: pytest.FixtureRequest,
    persona: str,
    client: Client,
    client_a: Any,
    client_b: Any,
    clinician: Any,
    other_clinician: Any,
    supervisor: Any,
    clinic_admin: Any,
    other_clinic_admin: Any,
) -> None:
    open_hours(clinician.membership)
    # Alex booked a consultation: only Alex and their clinician may see that it is Alex's.
    movable = booked_by_alex(clinician.membership, client_a.person)
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    headers = bearer(token_for(user)) if user is not None else {}
    hidden = {"Alex", "Blake"} - VISIBLE_NAMES.get(persona, set())
    answers: dict[str, int] = {}
    sent = bodies(client_a, movable)
    for name, (method, path) in operations(client_a, clinician, movable).items():
        if name in sent:
            response = client.generic(
                method, path, json.dumps(sent[name]), content_type="application/json", **headers
            )
        elif method == "POST":
            response = client.post(path, **headers)  # an action without a body
        else:
            response = client.get(path, **headers)
        answers[name] = response.status_code
        text = response.content.decode()
        for secret in hidden:
            assert secret not in text, f"{persona} {name}: leaks {secret}"
        assert "PRIVATE NOTE" not in text
        if response.status_code >= 400:
            assert "Alex" not in text and "Blake" not in text
    assert answers == {name: expected(persona, name) for name in answers}


def test_every_operation_in_the_openapi_schema_is_in_the_matrix(
    client: Client, client_a: Any, clinician: Any
) -> None:
    open_hours(clinician.membership)
    tried = {
        (method, path.split("?")[0])
        for method, path in operations(
            client_a, clinician, booked_by_alex(clinician.membership, client_a.person)
        ).values()
        if path.startswith("/api/")
    }
    for template, methods in client.get("/api/v1/openapi.json").json()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\{[a-z_]+\\}", "[^/]+", re.escape(template)) + "$")
        for method in methods:
            assert any(m == method.upper() and pattern.match(path) for m, path in tried), (
                f"{method.upper()} {template} is not in the matrix"
            )


def test_staff_reads_are_audited_with_the_operation(
    client: Client, client_a: Any, clinician: Any
) -> None:
    headers = bearer(token_for(clinician))
    pid = client_a.person.pk
    client.get(f"/api/v1/clients/{pid}/measures", **headers)
    client.get(f"/api/v1/clients/{pid}/checkups", **headers)
    client.get("/api/v1/caseload", **headers)
    client.get(f"/fhir/Observation?patient={pid}", **headers)
    events = AuditEvent.objects.filter(actor=clinician, person_id=pid)
    assert set(events.values_list("via", flat=True)) == {
        f"GET /api/v1/clients/{pid}/measures",
        f"GET /api/v1/clients/{pid}/checkups",
        "GET /api/v1/caseload",
        "GET /fhir/Observation",
    }
    assert {e.actor_label for e in events} == {"Ada Rivers (Clinician)"}


def test_a_clients_own_reads_are_not_audited(client: Client, client_a: Any) -> None:
    headers = bearer(token_for(client_a))
    client.get(f"/api/v1/clients/{client_a.person.pk}/measures", **headers)
    client.get(f"/fhir/Patient/{client_a.person.pk}", **headers)
    assert not AuditEvent.objects.exists()


def test_refused_reads_are_not_audited_as_views(
    client: Client, client_a: Any, other_clinician: Any
) -> None:
    headers = bearer(token_for(other_clinician))
    assert (
        client.get(f"/api/v1/clients/{client_a.person.pk}/measures", **headers).status_code == 404
    )
    assert not AuditEvent.objects.filter(person_id=client_a.person.pk).exists()


def test_the_caseload_lists_only_the_clinicians_own_clients(
    client: Client, client_a: Any, client_b: Any, clinician: Any, other_clinician: Any
) -> None:
    mine = client.get("/api/v1/caseload", **bearer(token_for(clinician))).json()["clients"]
    theirs = client.get("/api/v1/caseload", **bearer(token_for(other_clinician))).json()
    assert [row["person_id"] for row in mine] == [client_a.person.pk]
    assert [row["person_id"] for row in theirs["clients"]] == [client_b.person.pk]


def test_a_revoked_care_link_hides_the_client_again(
    client: Client, client_a: Any, clinician: Any
) -> None:
    from therapycheck.web.sharing.models import CareLink

    headers = bearer(token_for(clinician))
    pid = client_a.person.pk
    assert client.get(f"/api/v1/clients/{pid}/measures", **headers).status_code == 200
    CareLink.objects.filter(person=client_a.person).update(status=CareLink.Status.ENDED)
    assert client.get(f"/api/v1/clients/{pid}/measures", **headers).status_code == 404
    assert client.get(f"/fhir/Patient/{pid}", **headers).status_code == 404
    assert client.get("/api/v1/caseload", **headers).json() == {"clients": []}


def test_a_link_without_measures_shares_no_measures(
    client: Client, client_a: Any, clinician: Any
) -> None:
    from therapycheck.web.sharing.models import CareLink

    CareLink.objects.filter(person=client_a.person).update(share_measures=False)
    headers = bearer(token_for(clinician))
    pid = client_a.person.pk
    assert client.get(f"/api/v1/clients/{pid}/measures", **headers).status_code == 404
    assert client.get(f"/fhir/QuestionnaireResponse?patient={pid}", **headers).status_code == 404
    assert client.get(f"/api/v1/clients/{pid}/checkups", **headers).status_code == 200
