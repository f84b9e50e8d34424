"""Moving a consultation through the API: the client who booked it or its clinician, up to
the cancellation window; a taken time is 409 and the booking keeps its time; the client is
emailed the new time as when they move it by link; FHIR shows the new time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client

from tests.web.api.helpers import bearer, token_for
from tests.web.booking.helpers import open_hours
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.booking import services
from therapycheck.web.booking.models import Booking, SlotClaim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]


@pytest.fixture
def immediate_tasks(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Emails go out at once; the test's transaction never commits, so work queued for
    after the commit runs at once too."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(transaction, "on_commit", lambda fn, using=None, robust=False: fn())


@pytest.fixture
def offering(clinician: Any) -> Any:
    open_hours(clinician.membership)
    return clinician.membership


def later_slots(member: Any, n: int) -> list[dt.datetime]:
    """n free times more than three days ahead (outside the 24-hour window), an hour apart."""
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    free = [s.start for s in services.free_slots(member) if s.start > soon]
    picked = free[::2][:n]
    assert len(picked) == n
    return picked


def booked(member: Any, person: Any, start: dt.datetime) -> Booking:
    return services.book(member, start, person=person, base_url="http://testserver/")


def move(client: Client, user: Any, booking: Booking, start: dt.datetime | str) -> Any:
    when = start if isinstance(start, str) else start.isoformat()
    return client.post(
        f"/api/v1/bookings/{booking.pk}/move",
        {"start": when},
        content_type="application/json",
        **bearer(token_for(user)),
    )


def claims_of(booking: Booking) -> set[dt.datetime]:
    return set(SlotClaim.objects.filter(booking=booking).values_list("cell", flat=True))


@pytest.mark.usefixtures("immediate_tasks")
def test_a_client_moves_their_booking_and_is_emailed_the_new_time(
    client: Client, offering: Any, client_a: Any
) -> None:
    first, second = later_slots(offering, 2)
    booking = booked(offering, client_a.person, first)
    mail.outbox.clear()
    response = move(client, client_a, booking, second)
    assert response.status_code == 200
    answer = response.json()
    assert dt.datetime.fromisoformat(answer["start"]) == second
    assert answer["status"] == "confirmed"
    booking.refresh_from_db()
    assert (booking.start, booking.end) == (second, second + dt.timedelta(minutes=30))
    assert min(claims_of(booking)) == second
    free = [s.start for s in services.free_slots(offering)]
    assert first in free and second not in free
    # The same email as a move by link: to the client, with the calendar file.
    assert [m.to for m in mail.outbox] == [[client_a.email]]
    assert [name for name, *_ in mail.outbox[0].attachments] == ["consultation.ics"]
    assert services.when_text(second, booking.person_timezone) in mail.outbox[0].body
    # A client's own change is not someone else's look at their record.
    assert not AuditEvent.objects.exists()


@pytest.mark.usefixtures("immediate_tasks")
def test_the_clinician_moves_a_consultation_and_it_is_audited(
    client: Client, offering: Any, client_a: Any, clinician: Any
) -> None:
    first, second = later_slots(offering, 2)
    booking = booked(offering, client_a.person, first)
    mail.outbox.clear()
    response = move(client, clinician, booking, second)
    assert response.status_code == 200
    assert response.json()["who"] == str(client_a.person)
    booking.refresh_from_db()
    assert booking.start == second
    assert [m.to for m in mail.outbox] == [[client_a.email]]
    event = AuditEvent.objects.get()
    assert (event.actor, event.person_id, event.action) == (
        clinician,
        client_a.person.pk,
        AuditEvent.Action.CHANGE,
    )
    assert event.via == f"POST /api/v1/bookings/{booking.pk}/move"


def test_the_clinician_moves_a_guests_booking_without_an_audit_entry(
    client: Client, offering: Any, clinician: Any
) -> None:
    first, second = later_slots(offering, 2)
    guest = services.book(
        offering,
        first,
        guest=services.Guest("Sam", "sam@example.org"),
        base_url="http://testserver/",
    )
    assert move(client, clinician, guest, second).status_code == 200
    guest.refresh_from_db()
    assert guest.start == second
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("persona", ["client_b", "other_clinician"])
def test_someone_elses_booking_is_not_found_and_stays_put(
    request: pytest.FixtureRequest, client: Client, offering: Any, client_a: Any, persona: str
) -> None:
    first, second = later_slots(offering, 2)
    booking = booked(offering, client_a.person, first)
    response = move(client, request.getfixturevalue(persona), booking, second)
    assert response.status_code == 404
    assert "Alex" not in response.content.decode()
    booking.refresh_from_db()
    assert booking.start == first
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("persona", ["supervisor", "clinic_admin"])
def test_staff_who_hold_no_consultations_may_not_move_any(
    request: pytest.FixtureRequest, client: Client, offering: Any, client_a: Any, persona: str
) -> None:
    first, second = later_slots(offering, 2)
    booking = booked(offering, client_a.person, first)
    assert move(client, request.getfixturevalue(persona), booking, second).status_code == 403
    booking.refresh_from_db()
    assert booking.start == first


def test_a_token_without_bookings_write_may_not_move(
    client: Client, offering: Any, client_a: Any
) -> None:
    first, second = later_slots(offering, 2)
    booking = booked(offering, client_a.person, first)
    path = f"/api/v1/bookings/{booking.pk}/move"
    reader = bearer(token_for(client_a, ["bookings:read"]))
    data = {"start": second.isoformat()}
    refused = client.post(path, data, content_type="application/json", **reader)
    assert refused.status_code == 403
    assert client.post(path, data, content_type="application/json").status_code == 401
    booking.refresh_from_db()
    assert booking.start == first


def test_a_taken_time_is_409_and_the_booking_keeps_its_time(
    client: Client, offering: Any, client_a: Any, client_b: Any
) -> None:
    first, second = later_slots(offering, 2)
    mine = booked(offering, client_a.person, first)
    booked(offering, client_b.person, second)
    before = claims_of(mine)
    response = move(client, client_a, mine, second)
    assert response.status_code == 409
    assert "already booked" in response.json()["detail"]
    mine.refresh_from_db()
    assert (mine.start, claims_of(mine)) == (first, before)


def test_when_the_database_refuses_the_move_it_is_409_and_nothing_changes(
    client: Client,
    offering: Any,
    client_a: Any,
    client_b: Any,
    clinician: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = later_slots(offering, 2)
    mine = booked(offering, client_a.person, first)
    booked(offering, client_b.person, second)
    before = claims_of(mine)

    # Skip the friendly look before the change, as when another move wins the race after
    # it: only the database's slot claims can refuse now.
    def on_offer(member: Any, start: dt.datetime, **_: Any) -> Any:
        return services.availability_of(member)

    monkeypatch.setattr(services, "check_bookable", on_offer)
    response = move(client, clinician, mine, second)
    assert response.status_code == 409
    assert "just taken" in response.json()["detail"]
    mine.refresh_from_db()
    assert (mine.start, claims_of(mine)) == (first, before)
    # Nothing changed, so nothing is audited as changed.
    assert not AuditEvent.objects.exists()


def test_inside_the_cancellation_window_a_move_is_409_with_the_reason(
    client: Client, offering: Any, client_a: Any, clinician: Any
) -> None:
    first, second = later_slots(offering, 2)
    booking = booked(offering, client_a.person, first)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=5)
    Booking.objects.filter(pk=booking.pk).update(start=soon, end=soon + dt.timedelta(minutes=30))
    for user in (client_a, clinician):
        response = move(client, user, booking, second)
        assert response.status_code == 409
        assert "too late" in response.json()["detail"]
        assert "24 hours" in response.json()["detail"]
    booking.refresh_from_db()
    assert booking.start == soon


def test_a_time_not_on_offer_is_422(client: Client, offering: Any, client_a: Any) -> None:
    first, second = later_slots(offering, 2)
    booking = booked(offering, client_a.person, first)
    midnight = second.replace(hour=0, minute=0)
    for when in (second + dt.timedelta(minutes=7), midnight, second + dt.timedelta(days=9 * 365)):
        response = move(client, client_a, booking, when)
        assert response.status_code == 422, when
        assert response.json()["detail"]
    assert (
        move(client, client_a, booking, second.replace(tzinfo=None).isoformat()).status_code == 422
    )
    assert move(client, client_a, booking, "next tuesday").status_code == 422
    booking.refresh_from_db()
    assert booking.start == first


def test_a_cancelled_booking_cannot_be_moved(client: Client, offering: Any, client_a: Any) -> None:
    first, second = later_slots(offering, 2)
    booking = booked(offering, client_a.person, first)
    services.cancel(booking, by="person")
    response = move(client, client_a, booking, second)
    assert response.status_code == 409
    assert "no longer active" in response.json()["detail"]


def test_the_fhir_appointment_shows_the_new_time(
    client: Client, offering: Any, client_a: Any, clinician: Any
) -> None:
    first, second = later_slots(offering, 2)
    booking = booked(offering, client_a.person, first)
    assert move(client, client_a, booking, second).status_code == 200
    for user, query in (
        (client_a, f"patient={client_a.person.pk}"),
        (clinician, f"practitioner={offering.pk}"),
    ):
        bundle = client.get(f"/fhir/Appointment?{query}", **bearer(token_for(user))).json()
        [appointment] = [e["resource"] for e in bundle["entry"]]
        assert appointment["id"] == str(booking.pk)
        assert dt.datetime.fromisoformat(appointment["start"]) == second
        assert dt.datetime.fromisoformat(appointment["end"]) == second + dt.timedelta(minutes=30)
        assert appointment["status"] == "booked"
    busy = client.get(f"/fhir/Slot?schedule={offering.pk}", **bearer(token_for(client_a))).json()
    busy_starts = {
        dt.datetime.fromisoformat(e["resource"]["start"])
        for e in busy["entry"]
        if e["resource"]["status"] == "busy"
    }
    assert busy_starts == {second}


def test_the_operation_is_in_the_openapi_schema_with_its_answers(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    op = paths["/api/v1/bookings/{booking_id}/move"]["post"]
    assert set(op["responses"]) == {"200", "400", "401", "403", "404", "409", "422"}
    assert op["security"]
