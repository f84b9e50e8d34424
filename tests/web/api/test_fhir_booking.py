"""FHIR R4B Schedule, Slot and Appointment of the free consultation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.schedule import Schedule

from tests.web.api.helpers import bearer, token_for
from tests.web.booking.helpers import open_hours
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.booking import services
from therapycheck.web.booking.models import Booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]


@pytest.fixture
def offering(clinician: Any) -> Any:
    open_hours(clinician.membership)
    return clinician.membership


def _book(member: Any, person: Any, nth: int = 0) -> Booking:
    soon = timezone.now() + dt.timedelta(days=2)
    free = [s for s in services.free_slots(member) if s.start > soon]
    return services.book(member, free[nth * 3].start, person=person, base_url="http://testserver")


def _get(client: Client, user: Any, path: str) -> Any:
    return client.get(path, **bearer(token_for(user)))


def _resources(response: Any, kind: str) -> list[dict[str, Any]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    Bundle.model_validate(body)
    return [e["resource"] for e in body.get("entry", []) if e["resource"]["resourceType"] == kind]


def test_the_schedule_is_valid_r4b_and_names_the_practitioner(
    client: Client, offering: Any, client_b: Any
) -> None:
    response = _get(client, client_b, f"/fhir/Schedule/{offering.pk}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    schedule = Schedule.model_validate(response.json())
    assert schedule.actor[0].reference == f"Practitioner/{offering.pk}"
    assert schedule.active is True


def test_a_schedule_that_does_not_exist_is_an_operation_outcome_404(
    client: Client, offering: Any, other_clinician: Any, client_a: Any
) -> None:
    for pk in (str(other_clinician.membership.pk), "999999", "abc"):
        response = _get(client, client_a, f"/fhir/Schedule/{pk}")
        assert response.status_code == 404
        assert response.json()["resourceType"] == "OperationOutcome"


def test_fhir_booking_reads_need_a_token_with_fhir_read(
    client: Client, offering: Any, client_a: Any
) -> None:
    assert client.get(f"/fhir/Schedule/{offering.pk}").status_code == 401
    measures_only = bearer(token_for(client_a, ["measures:read"]))
    response = client.get(f"/fhir/Slot?schedule={offering.pk}", **measures_only)
    assert response.status_code == 403
    assert response.json()["resourceType"] == "OperationOutcome"


def test_slots_list_free_and_busy_times_without_saying_who_booked(
    client: Client, offering: Any, client_a: Any, client_b: Any
) -> None:
    booking = _book(offering, client_a.person)
    slots = _resources(_get(client, client_b, f"/fhir/Slot?schedule={offering.pk}"), "Slot")
    statuses = {s["status"] for s in slots}
    assert statuses == {"free", "busy"}
    busy = [s for s in slots if s["status"] == "busy"]
    assert [dt.datetime.fromisoformat(s["start"]) for s in busy] == [booking.start]
    assert all(s["schedule"]["reference"] == f"Schedule/{offering.pk}" for s in slots)
    free_starts = {dt.datetime.fromisoformat(s["start"]) for s in slots if s["status"] == "free"}
    assert booking.start not in free_starts
    assert (
        "Alex" not in _get(client, client_b, f"/fhir/Slot?schedule={offering.pk}").content.decode()
    )


def test_a_slot_search_without_a_schedule_is_a_bad_request(
    client: Client, offering: Any, client_a: Any
) -> None:
    response = _get(client, client_a, "/fhir/Slot")
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


def test_the_clinician_reads_their_appointments_with_the_patient_they_may_see(
    client: Client, offering: Any, clinician: Any, client_a: Any, client_b: Any
) -> None:
    linked = _book(offering, client_a.person, 0)
    unlinked = _book(offering, client_b.person, 1)
    response = _get(client, clinician, f"/fhir/Appointment?practitioner={offering.pk}")
    found = {a["id"]: a for a in _resources(response, "Appointment")}
    assert set(found) == {str(linked.pk), str(unlinked.pk)}
    for resource in found.values():
        Appointment.model_validate(resource)
        assert resource["status"] == "booked"
        assert resource["participant"][0]["actor"]["reference"] == f"Practitioner/{offering.pk}"
    actors = [p["actor"] for p in found[str(linked.pk)]["participant"]]
    assert {"reference": f"Patient/{client_a.person.pk}", "display": "Alex (fictional)"} in actors
    hidden = [p["actor"] for p in found[str(unlinked.pk)]["participant"]][1]
    assert "reference" not in hidden
    assert "Blake" not in response.content.decode()
    events = AuditEvent.objects.filter(actor=clinician)
    assert set(events.values_list("person_id", flat=True)) == {client_a.person.pk}
    assert set(events.values_list("via", flat=True)) == {"GET /fhir/Appointment"}


@pytest.mark.parametrize(
    ("status", "fhir_status"),
    [
        (Booking.Status.CONFIRMED, "booked"),
        (Booking.Status.CANCELLED, "cancelled"),
        (Booking.Status.NO_SHOW, "noshow"),
        (Booking.Status.HELD, "pending"),
        (Booking.Status.COMPLETED, "fulfilled"),
    ],
)
def test_each_booking_status_maps_to_its_appointment_status(
    client: Client, offering: Any, clinician: Any, client_a: Any, status: str, fhir_status: str
) -> None:
    booking = _book(offering, client_a.person)
    Booking.objects.filter(pk=booking.pk).update(status=status)
    response = _get(client, clinician, f"/fhir/Appointment?practitioner={offering.pk}")
    assert [a["status"] for a in _resources(response, "Appointment")] == [fhir_status]


def test_a_client_reads_only_their_own_appointments(
    client: Client, offering: Any, client_a: Any, client_b: Any
) -> None:
    own = _book(offering, client_a.person, 0)
    _book(offering, client_b.person, 1)
    for query in (f"practitioner={offering.pk}", f"patient={client_a.person.pk}"):
        response = _get(client, client_a, f"/fhir/Appointment?{query}")
        assert [a["id"] for a in _resources(response, "Appointment")] == [str(own.pk)]
        assert "Blake" not in response.content.decode()
    other = _get(client, client_a, f"/fhir/Appointment?patient={client_b.person.pk}")
    assert other.status_code == 404
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "persona", ["other_clinician", "supervisor", "clinic_admin", "other_clinic_admin"]
)
def test_other_staff_cannot_read_a_clinicians_appointments(
    request: pytest.FixtureRequest, client: Client, offering: Any, client_a: Any, persona: str
) -> None:
    _book(offering, client_a.person)
    user = request.getfixturevalue(persona)
    response = _get(client, user, f"/fhir/Appointment?practitioner={offering.pk}")
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"
    assert "Alex" not in response.content.decode()


def test_an_appointment_search_needs_a_practitioner_or_a_patient(
    client: Client, offering: Any, clinician: Any
) -> None:
    assert _get(client, clinician, "/fhir/Appointment").status_code == 400
    assert _get(client, clinician, "/fhir/Appointment?practitioner=x").status_code == 404
