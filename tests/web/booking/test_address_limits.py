"""Limits per email address: a guest holds at most HOLDS_PER_ADDRESS unconfirmed times at
once (all specialists together), and one address has at most one consultation coming up
with the same specialist. The guest is told calmly what to do and keeps every answer."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.web.booking.helpers import NOW, at, open_hours
from tests.web.clinic_personas import make_staff, sign_in
from therapycheck.web.booking import services
from therapycheck.web.booking.models import Booking

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("clinic_mode", "clock", "immediate_tasks"),
]

TUESDAY_10 = at("2027-01-05", "10:00")


@pytest.fixture
def third_clinician(clinics: Any) -> Any:
    return make_staff(clinics.demo, "cai.clinician@example.org", "clinician", "Cai Jones")


def offering(*users: Any) -> list[Any]:
    members = [user.membership for user in users]
    for member in members:
        open_hours(member)
    return members


def guest_post(
    client: Client,
    member: Any,
    start: dt.datetime = TUESDAY_10,
    *,
    email: str = "robin@example.org",
    hopes: str = "Sleep better",
) -> Any:
    query = urlencode({"start": start.isoformat(), "tz": "Europe/London"})
    return client.post(
        reverse("booking:book", args=[member.pk]) + f"?{query}",
        {"name": "Robin Example", "email": email, "hopes": hopes},
    )


def hold(member: Any, start: dt.datetime, email: str = "robin@example.org") -> Booking:
    return services.book(
        member, start, guest=services.Guest("Robin", email), base_url="http://t/", now=NOW
    )


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Robin@Example.org", "robin@example.org"),
        ("  robin+consult@example.org ", "robin@example.org"),
        ("ROBIN+a+b@EXAMPLE.ORG", "robin@example.org"),
        ("+tag@example.org", "+tag@example.org"),
        ("", ""),
    ],
)
def test_addresses_are_counted_in_lower_case_without_a_plus_tag(typed: str, key: str) -> None:
    assert services.address_key(typed) == key


def test_a_second_time_with_the_same_specialist_is_refused_calmly_and_keeps_the_answers(
    client: Client, clinician: Any
) -> None:
    (member,) = offering(clinician)
    assert guest_post(client, member).status_code == 302
    response = guest_post(
        Client(), member, at("2027-01-05", "14:00"), email="Robin+2@Example.ORG", hopes="Calm"
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "You already have a booking waiting" in html
    assert "one first meeting" in html and "cancel it" in html
    assert 'value="Robin Example"' in html and 'value="Robin+2@Example.ORG"' in html
    assert re.search(r">\s*Calm</textarea>", html)
    assert Booking.objects.count() == 1


def test_a_confirmed_consultation_also_blocks_a_second_one_with_that_specialist(
    clinician: Any,
) -> None:
    (member,) = offering(clinician)
    first = hold(member, TUESDAY_10)
    assert services.confirm_guest(first, now=NOW)
    with pytest.raises(services.AddressLimit) as refused:
        hold(member, at("2027-01-06", "10:00"), "ROBIN@example.org")
    assert refused.value.reason == "specialist"


def test_after_cancelling_the_address_may_book_that_specialist_again(clinician: Any) -> None:
    (member,) = offering(clinician)
    first = hold(member, TUESDAY_10)
    assert services.cancel(first, by="person", now=NOW)
    assert hold(member, at("2027-01-06", "10:00")).status == Booking.Status.HELD


def test_an_earlier_consultation_does_not_count(clinician: Any, clock: Any) -> None:
    (member,) = offering(clinician)
    first = hold(member, TUESDAY_10)
    assert services.confirm_guest(first, now=NOW)
    later = at("2027-01-05", "11:00")
    clock(later)
    again = services.book(
        member,
        at("2027-01-07", "10:00"),
        guest=services.Guest("Robin", "robin@example.org"),
        base_url="http://t/",
        now=later,
    )
    assert again.status == Booking.Status.HELD


def test_a_guest_holds_at_most_two_unconfirmed_times_across_all_specialists(
    clinician: Any, other_clinician: Any, third_clinician: Any
) -> None:
    first, second, third = offering(clinician, other_clinician, third_clinician)
    hold(first, TUESDAY_10)
    hold(second, TUESDAY_10, "robin+b@example.org")
    with pytest.raises(services.AddressLimit) as refused:
        hold(third, TUESDAY_10, "Robin@Example.org")
    assert refused.value.reason == "holds"
    assert f"{services.HOLDS_PER_ADDRESS} times waiting" in str(refused.value)
    # Another address is not affected.
    assert hold(third, TUESDAY_10, "sam@example.org").status == Booking.Status.HELD


def test_confirming_a_hold_frees_room_for_another_hold(
    clinician: Any, other_clinician: Any, third_clinician: Any
) -> None:
    first, second, third = offering(clinician, other_clinician, third_clinician)
    booking = hold(first, TUESDAY_10)
    hold(second, TUESDAY_10)
    assert services.confirm_guest(booking, now=NOW)
    assert hold(third, TUESDAY_10).status == Booking.Status.HELD


def test_a_hold_that_ran_out_does_not_count(clinician: Any, clock: Any) -> None:
    (member,) = offering(clinician)
    hold(member, TUESDAY_10)
    later = NOW + dt.timedelta(minutes=services.HOLD_MINUTES + 1)
    clock(later)
    again = services.book(
        member,
        at("2027-01-06", "10:00"),
        guest=services.Guest("Robin", "robin@example.org"),
        base_url="http://t/",
        now=later,
    )
    assert again.status == Booking.Status.HELD


def test_a_signed_in_client_cannot_book_the_same_specialist_twice(
    client: Client, clinician: Any, client_a: Any
) -> None:
    (member,) = offering(clinician)
    services.book(member, TUESDAY_10, person=client_a.person, base_url="http://t/")
    sign_in(client, client_a)
    query = urlencode({"start": at("2027-01-06", "10:00").isoformat(), "tz": "Europe/London"})
    response = client.post(
        reverse("booking:book", args=[member.pk]) + f"?{query}", {"hopes": "Another go"}
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "You already have a consultation with" in html
    assert re.search(r">\s*Another go</textarea>", html)
    assert Booking.objects.filter(person=client_a.person).count() == 1


def test_a_client_and_a_guest_booking_with_the_clients_address_count_together(
    clinician: Any, client_a: Any
) -> None:
    (member,) = offering(clinician)
    hold(member, TUESDAY_10, client_a.email.upper())
    with pytest.raises(services.AddressLimit):
        services.book(
            member, at("2027-01-06", "10:00"), person=client_a.person, base_url="http://t/"
        )


def test_the_verify_email_also_has_the_link_to_cancel_or_move(
    client: Client, clinician: Any
) -> None:
    (member,) = offering(clinician)
    guest_post(client, member)
    (verify_mail,) = mail.outbox
    manage = re.search(r"http://testserver(/consultations/m/\S+/)", str(verify_mail.body))
    assert manage is not None
    page = client.get(manage.group(1)).content.decode()
    assert "Cancel this consultation" in page
