"""The free consultation through the API: public free times, booking, listing, cancelling."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from tests.web.api.helpers import bearer, token_for
from tests.web.booking.helpers import open_hours
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.booking.models import Booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]


@pytest.fixture
def offering(clinician: Any) -> Any:
    open_hours(clinician.membership)
    return clinician.membership


def _slots(client: Client, member_id: int, query: str = "") -> Any:
    return client.get(f"/api/v1/specialists/{member_id}/slots{query}")


def _later_slot(client: Client, member_id: int) -> str:
    """A free time more than two days ahead (outside the 24-hour cancellation window)."""
    today = dt.datetime.now(dt.UTC).date()
    body = _slots(client, member_id, f"?from={today}&to={today + dt.timedelta(days=20)}").json()
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    starts = [s["start"] for s in body["slots"] if dt.datetime.fromisoformat(s["start"]) > soon]
    assert starts
    return str(starts[0])


def _book(client: Client, user: Any, member_id: int, start: str, **extra: Any) -> Any:
    return client.post(
        "/api/v1/bookings",
        {"member_id": member_id, "start": start, "timezone": "Europe/Paris", **extra},
        content_type="application/json",
        **bearer(token_for(user)),
    )


def test_anyone_can_list_a_specialists_free_times_without_a_token(
    client: Client, offering: Any
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    response = _slots(client, offering.pk, f"?from={today}&to={today + dt.timedelta(days=13)}")
    assert response.status_code == 200
    body = response.json()
    assert body["specialist"] == offering.display_name
    assert body["timezone"] == "Europe/London"
    assert body["slots"]
    for free in body["slots"]:
        start = dt.datetime.fromisoformat(free["start"])
        end = dt.datetime.fromisoformat(free["end"])
        assert end - start == dt.timedelta(minutes=body["minutes"])
        assert today <= start.date() <= today + dt.timedelta(days=13)


def test_a_clinician_without_open_hours_is_not_found(
    client: Client, offering: Any, other_clinician: Any, clinic_admin: Any
) -> None:
    assert _slots(client, other_clinician.membership.pk).status_code == 404
    assert _slots(client, clinic_admin.membership.pk).status_code == 404
    assert _slots(client, 999_999).json()["detail"]


def test_more_than_31_days_or_a_backwards_range_is_refused(client: Client, offering: Any) -> None:
    assert _slots(client, offering.pk, "?from=2027-01-01&to=2027-02-01").status_code == 422
    assert _slots(client, offering.pk, "?from=2027-01-10&to=2027-01-09").status_code == 422
    assert _slots(client, offering.pk, "?from=2027-01-01&to=2027-01-31").status_code == 200
    assert _slots(client, offering.pk, "?from=not-a-day").status_code == 422


def test_a_client_books_a_free_time_and_it_is_no_longer_offered(
    client: Client, offering: Any, client_a: Any
) -> None:
    start = _later_slot(client, offering.pk)
    response = _book(client, client_a, offering.pk, start, hopes="Sleep")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["person_id"] == client_a.person.pk
    booking = Booking.objects.get(pk=body["id"])
    assert (booking.person, booking.person_timezone, booking.hopes) == (
        client_a.person,
        "Europe/Paris",
        "Sleep",
    )
    today = dt.datetime.now(dt.UTC).date()
    listed = _slots(client, offering.pk, f"?from={today}&to={today + dt.timedelta(days=20)}")
    assert start not in [s["start"] for s in listed.json()["slots"]]
    assert _later_slot(client, offering.pk) != start


def test_a_taken_time_answers_409_with_a_clear_message(
    client: Client, offering: Any, client_a: Any, client_b: Any
) -> None:
    start = _later_slot(client, offering.pk)
    assert _book(client, client_a, offering.pk, start).status_code == 201
    response = _book(client, client_b, offering.pk, start)
    assert response.status_code == 409
    assert "already booked" in response.json()["detail"]
    assert Booking.objects.filter(person=client_b.person).count() == 0


def test_a_second_consultation_with_the_same_specialist_answers_409(
    client: Client, offering: Any, client_a: Any
) -> None:
    assert _book(client, client_a, offering.pk, _later_slot(client, offering.pk)).status_code == 201
    response = _book(client, client_a, offering.pk, _later_slot(client, offering.pk))
    assert response.status_code == 409
    assert "already have a consultation" in response.json()["detail"]
    assert Booking.objects.filter(person=client_a.person).count() == 1


def test_a_time_that_is_not_on_offer_answers_422(
    client: Client, offering: Any, client_a: Any
) -> None:
    start = dt.datetime.fromisoformat(_later_slot(client, offering.pk))
    off_grid = (start + dt.timedelta(minutes=7)).isoformat()
    midnight = start.replace(hour=0, minute=0).isoformat()
    far = (start + dt.timedelta(days=50 * 365)).isoformat()
    for when in (off_grid, midnight, far):
        response = _book(client, client_a, offering.pk, when)
        assert response.status_code == 422, when
        assert response.json()["detail"]
    naive = start.replace(tzinfo=None).isoformat()
    assert _book(client, client_a, offering.pk, naive).status_code == 422
    bad_zone = _book(client, client_a, offering.pk, start.isoformat(), timezone="Mars/Base")
    assert bad_zone.status_code == 422
    assert not Booking.objects.exists()


def test_booking_a_clinician_who_offers_nothing_is_not_found(
    client: Client, offering: Any, client_a: Any, other_clinician: Any
) -> None:
    start = _later_slot(client, offering.pk)
    assert _book(client, client_a, other_clinician.membership.pk, start).status_code == 404


@pytest.mark.parametrize("persona", ["clinician", "supervisor", "clinic_admin"])
def test_staff_cannot_book(
    request: pytest.FixtureRequest, client: Client, offering: Any, persona: str
) -> None:
    start = _later_slot(client, offering.pk)
    response = _book(client, request.getfixturevalue(persona), offering.pk, start)
    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_a_token_without_the_booking_scopes_is_refused(
    client: Client, offering: Any, client_a: Any
) -> None:
    headers = bearer(token_for(client_a, ["measures:read"]))
    assert client.get("/api/v1/bookings", **headers).status_code == 403
    response = client.post(
        "/api/v1/bookings",
        {"member_id": offering.pk, "start": _later_slot(client, offering.pk)},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 403
    assert client.get("/api/v1/bookings").status_code == 401


def test_clients_list_their_own_bookings_and_the_clinician_lists_all_theirs(
    client: Client, offering: Any, client_a: Any, client_b: Any, clinician: Any
) -> None:
    first = _book(client, client_a, offering.pk, _later_slot(client, offering.pk)).json()
    second = _book(client, client_b, offering.pk, _later_slot(client, offering.pk)).json()

    def ids(user: Any) -> list[int]:
        body = client.get("/api/v1/bookings", **bearer(token_for(user))).json()
        return [b["id"] for b in body["bookings"]]

    assert ids(client_a) == [first["id"]]
    assert ids(client_b) == [second["id"]]
    assert AuditEvent.objects.count() == 0
    assert sorted(ids(clinician)) == sorted([first["id"], second["id"]])
    audited = set(AuditEvent.objects.filter(actor=clinician).values_list("person_id", flat=True))
    assert audited == {client_a.person.pk, client_b.person.pk}
    assert set(AuditEvent.objects.values_list("via", flat=True)) == {"GET /api/v1/bookings"}


@pytest.mark.parametrize("persona", ["supervisor", "clinic_admin", "other_clinic_admin"])
def test_staff_without_consultations_may_not_list_bookings(
    request: pytest.FixtureRequest, client: Client, persona: str
) -> None:
    user = request.getfixturevalue(persona)
    assert client.get("/api/v1/bookings", **bearer(token_for(user))).status_code == 403


def test_a_client_cancels_their_own_booking_and_the_time_is_free_again(
    client: Client, offering: Any, client_a: Any
) -> None:
    start = _later_slot(client, offering.pk)
    booked = _book(client, client_a, offering.pk, start).json()
    path = f"/api/v1/bookings/{booked['id']}/cancel"
    response = client.post(path, **bearer(token_for(client_a)))
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert _later_slot(client, offering.pk) == start
    again = client.post(path, **bearer(token_for(client_a)))
    assert again.status_code == 409


def test_nobody_else_can_cancel_a_clients_booking(
    client: Client, offering: Any, client_a: Any, client_b: Any, clinician: Any
) -> None:
    booked = _book(client, client_a, offering.pk, _later_slot(client, offering.pk)).json()
    path = f"/api/v1/bookings/{booked['id']}/cancel"
    assert client.post(path, **bearer(token_for(client_b))).status_code == 404
    assert client.post(path, **bearer(token_for(clinician))).status_code == 403
    assert Booking.objects.get(pk=booked["id"]).status == Booking.Status.CONFIRMED


def test_cancelling_inside_the_window_is_refused_with_409(
    client: Client, offering: Any, client_a: Any
) -> None:
    booked = _book(client, client_a, offering.pk, _later_slot(client, offering.pk)).json()
    Booking.objects.filter(pk=booked["id"]).update(
        start=dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    )
    response = client.post(f"/api/v1/bookings/{booked['id']}/cancel", **bearer(token_for(client_a)))
    assert response.status_code == 409
    assert "too late" in response.json()["detail"]


def test_the_operations_are_in_the_openapi_schema(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/specialists/{member_id}/slots" in paths
    assert {"get", "post"} <= set(paths["/api/v1/bookings"])
    assert "post" in paths["/api/v1/bookings/{booking_id}/cancel"]
    assert "security" not in paths["/api/v1/specialists/{member_id}/slots"]["get"]
