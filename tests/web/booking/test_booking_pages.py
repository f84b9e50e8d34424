"""Booking a free consultation through the pages: the free times (both zones), a guest's
booking confirmed by email link, a client's booking, the emails with their calendar file,
cancelling and moving by link inside the window, and the clinician's side."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from tests.web.booking.helpers import at, open_hours
from tests.web.clinic_personas import sign_in
from tests.web.test_accessibility import parse
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.booking import services
from therapycheck.web.booking.models import Booking, SlotClaim

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("clinic_mode", "clock", "immediate_tasks"),
]

TUESDAY_10 = at("2027-01-05", "10:00")


def check_page(html: str) -> None:
    page = parse(html)
    assert page.h1_count == 1
    unlabelled = [c.get("name") for c in page.controls if c.get("id") not in page.label_for]
    assert not unlabelled
    assert set(page.described_by) <= page.ids
    assert "booking/booking.css" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html


def book_path(member: Any, start: dt.datetime = TUESDAY_10, tz: str = "Europe/London") -> str:
    query = urlencode({"start": start.isoformat(), "tz": tz})
    return reverse("booking:book", args=[member.pk]) + f"?{query}"


def guest_books(client: Client, member: Any, start: dt.datetime = TUESDAY_10) -> Any:
    return client.post(
        book_path(member, start),
        {"name": "Robin", "email": "robin@example.org", "hopes": "Sleep better"},
    )


def ics_of(message: Any) -> Calendar:
    files = [a for a in message.attachments if a[0].endswith(".ics")]
    assert len(files) == 1
    return Calendar.from_ical(files[0][1])


def test_anyone_sees_the_free_times_in_the_specialists_zone(client: Client, clinician: Any) -> None:
    member = clinician.membership
    open_hours(member)
    response = client.get(reverse("booking:slots", args=[member.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    check_page(html)
    # Today (Monday, 08:00 UTC) with an hour's notice: the first time is 09:00.
    assert "Monday 4 January 2027" in html
    assert "09:00 GMT" in html and "16:30 GMT" in html and "17:00 GMT" not in html
    assert "for the specialist" not in html


def test_a_viewer_can_see_the_times_in_their_own_zone_beside_the_specialists(
    client: Client, clinician: Any
) -> None:
    member = clinician.membership
    open_hours(member)
    url = reverse("booking:slots", args=[member.pk]) + "?tz=America/New_York"
    html = client.get(url).content.decode()
    assert '05:00 EST <span class="bk-own">(10:00 GMT for the specialist)</span>' in html


def test_a_clinician_without_hours_has_no_booking_page(client: Client, clinician: Any) -> None:
    assert client.get(reverse("booking:slots", args=[clinician.membership.pk])).status_code == 404


def test_a_guest_books_confirms_by_the_emailed_link_and_gets_a_calendar_file(
    client: Client, clinician: Any
) -> None:
    member = clinician.membership
    open_hours(member)
    page = client.get(book_path(member))
    check_page(page.content.decode())
    response = guest_books(client, member)
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.HELD
    assert booking.start == TUESDAY_10
    assert "Check your email" in client.get(response["Location"]).content.decode()
    (verify_mail,) = mail.outbox
    assert verify_mail.to == ["robin@example.org"]
    link = re.search(r"http://testserver(/consultations/v/\S+/)", verify_mail.body)
    assert link is not None
    # Opening the link only shows a button (mail scanners must not confirm).
    check_page_text = client.get(link.group(1)).content.decode()
    assert "Confirm my booking" in check_page_text
    booking.refresh_from_db()
    assert booking.status == Booking.Status.HELD
    client.post(link.group(1))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    confirmation = mail.outbox[1]
    assert "Tuesday 5 January 2027, 10:00 GMT" in confirmation.body
    event = ics_of(confirmation).walk("VEVENT")[0]
    assert event.decoded("dtstart") == TUESDAY_10
    assert event.decoded("dtend") == TUESDAY_10 + dt.timedelta(minutes=30)


def test_an_unconfirmed_guest_hold_is_released_after_an_hour(
    client: Client, clinician: Any, clock: Any
) -> None:
    member = clinician.membership
    open_hours(member)
    guest_books(client, member)
    assert not any(s.start == TUESDAY_10 for s in services.free_slots(member))
    clock(at("2027-01-04", "09:01"))
    assert any(s.start == TUESDAY_10 for s in services.free_slots(member))
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CANCELLED
    assert not SlotClaim.objects.exists()
    assert not services.confirm_guest(booking)


def test_a_signed_in_client_books_at_once_and_sees_the_shared_agenda(
    client: Client, clinician: Any, client_b: Any
) -> None:
    member = clinician.membership
    open_hours(member, approach="Short-term CBT: we try small changes between sessions.")
    sign_in(client, client_b)
    page = client.get(book_path(member)).content.decode()
    assert 'name="email"' not in page
    response = client.post(book_path(member), {"hopes": "Worry less"})
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CONFIRMED and booking.person == client_b.person
    assert mail.outbox[0].to == ["blake.client@example.org"]
    html = client.get(response["Location"]).content.decode()
    check_page(html)
    for title in ("What you hope for", "How often", "Fees", "Cancelling", "Confidentiality"):
        assert title in html
    assert "Worry less" in html and "Short-term CBT" in html
    mine = client.get(reverse("booking:list")).content.decode()
    assert "Tuesday 5 January 2027, 10:00 GMT" in mine


def test_a_time_just_taken_shows_the_other_times(client: Client, clinician: Any) -> None:
    member = clinician.membership
    open_hours(member)
    guest_books(client, member)
    response = Client().post(
        book_path(member), {"name": "Sam", "email": "sam@example.org", "hopes": ""}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "That time is not available" in html
    assert "10:30 GMT" in html
    assert Booking.objects.count() == 1


def test_a_guest_form_with_mistakes_keeps_what_was_typed(client: Client, clinician: Any) -> None:
    member = clinician.membership
    open_hours(member)
    response = client.post(
        book_path(member), {"name": "Robin", "email": "not an email", "hopes": "Sleep"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter an email address like name@example.org." in html
    assert 'value="Robin"' in html and "Sleep</textarea>" in html
    check_page(html)
    assert not Booking.objects.exists()


def test_staff_cannot_book_a_consultation(
    client: Client, clinician: Any, other_clinician: Any
) -> None:
    open_hours(clinician.membership)
    sign_in(client, other_clinician)
    assert client.get(book_path(clinician.membership)).status_code == 403


def confirmed_booking(member: Any, start: dt.datetime = TUESDAY_10) -> Booking:
    booking = services.book(
        member,
        start,
        guest=services.Guest("Robin", "robin@example.org"),
        person_timezone="America/New_York",
        base_url="http://testserver/",
    )
    assert services.confirm_guest(booking)
    return booking


def test_the_person_cancels_by_link_and_the_time_is_free_again(
    client: Client, clinician: Any
) -> None:
    member = clinician.membership
    open_hours(member)
    booking = confirmed_booking(member)
    manage = reverse("booking:manage", args=[services.token_for(booking, "manage")])
    html = client.get(manage).content.decode()
    check_page(html)
    # The person chose New York: their page shows their time first, the specialist's beside it.
    assert "Tuesday 5 January 2027, 05:00 EST" in html and "10:00 GMT" in html
    mail.outbox.clear()
    client.post(manage + "cancel/")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert any(s.start == TUESDAY_10 for s in services.free_slots(member))
    (cancelled,) = mail.outbox
    assert ics_of(cancelled).walk("VEVENT")[0]["status"] == "CANCELLED"


def test_inside_the_cancellation_window_the_link_no_longer_cancels(
    client: Client, clinician: Any, clock: Any
) -> None:
    member = clinician.membership
    open_hours(member, cancellation_window_hours=24)
    booking = confirmed_booking(member)
    clock(at("2027-01-04", "10:30"))
    manage = reverse("booking:manage", args=[services.token_for(booking, "manage")])
    assert "can no longer be changed by this link" in client.get(manage).content.decode()
    client.post(manage + "cancel/")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_the_person_moves_by_link_and_the_old_time_is_released(
    client: Client, clinician: Any
) -> None:
    member = clinician.membership
    open_hours(member)
    booking = confirmed_booking(member)
    token = services.token_for(booking, "manage")
    html = client.get(reverse("booking:move", args=[token])).content.decode()
    check_page(html)
    new_start = at("2027-01-06", "15:00")
    mail.outbox.clear()
    client.post(reverse("booking:move", args=[token]), {"start": new_start.isoformat()})
    booking.refresh_from_db()
    assert booking.start == new_start
    free = {s.start for s in services.free_slots(member)}
    assert TUESDAY_10 in free and new_start not in free
    assert mail.outbox[0].subject.startswith("New time")
    assert ics_of(mail.outbox[0]).walk("VEVENT")[0].decoded("dtstart") == new_start


def test_a_forged_link_is_not_found(client: Client, clinician: Any) -> None:
    open_hours(clinician.membership)
    assert client.get(reverse("booking:manage", args=["nonsense"])).status_code == 404
    assert client.post(reverse("booking:verify", args=["nonsense"])).status_code == 404


def test_the_clinician_sees_the_booking_and_records_a_no_show(
    client: Client, clinician: Any, client_b: Any, clock: Any
) -> None:
    member = clinician.membership
    open_hours(member)
    booking = services.book(member, TUESDAY_10, person=client_b.person, base_url="http://t/")
    sign_in(client, clinician)
    listing = client.get(reverse("booking:list")).content.decode()
    check_page(listing)
    assert "Blake (fictional)" in listing
    detail = reverse("booking:detail", args=[booking.pk])
    html = client.get(detail).content.decode()
    check_page(html)
    assert "What you hope for" in html
    assert AuditEvent.objects.filter(person_id=client_b.person.pk, action="view").exists()
    # Not before it starts...
    client.post(reverse("booking:outcome", args=[booking.pk]), {"status": "no_show"})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    clock(at("2027-01-05", "10:10"))
    client.post(reverse("booking:outcome", args=[booking.pk]), {"status": "no_show"})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    assert AuditEvent.objects.filter(person_id=client_b.person.pk, action="change").exists()


def test_another_clinician_cannot_open_the_booking_and_other_roles_are_refused(
    client: Client, clinician: Any, other_clinician: Any, clinic_admin: Any, client_a: Any
) -> None:
    member = clinician.membership
    open_hours(member)
    booking = confirmed_booking(member)
    sign_in(client, other_clinician)
    assert client.get(reverse("booking:detail", args=[booking.pk])).status_code == 404
    assert client.post(reverse("booking:outcome", args=[booking.pk])).status_code == 404
    sign_in(client, clinic_admin)
    assert client.get(reverse("booking:availability")).status_code == 403
    assert client.get(reverse("booking:list")).status_code == 403
    sign_in(client, client_a)
    assert client.get(reverse("booking:availability")).status_code == 403


def test_the_reminder_is_sent_once_with_the_calendar_file_and_not_after_a_move(
    clinician: Any,
) -> None:
    member = clinician.membership
    open_hours(member)
    booking = confirmed_booking(member)
    mail.outbox.clear()
    original = booking.start.isoformat()
    assert services.send_reminder(booking.pk, original) == "sent"
    assert services.send_reminder(booking.pk, original) == "skipped"
    assert mail.outbox[0].subject.startswith("Reminder")
    assert ics_of(mail.outbox[0]).walk("VEVENT")[0].decoded("dtstart") == TUESDAY_10
    services.reschedule(booking, at("2027-01-07", "11:00"))
    assert services.send_reminder(booking.pk, original) == "skipped"


def test_a_guest_cannot_hold_a_second_time_with_the_same_specialist(
    client: Client, clinician: Any
) -> None:
    member = clinician.membership
    open_hours(member)
    guest_books(client, member)
    response = guest_books(Client(), member, at("2027-01-05", "14:00"))
    assert response.status_code == 409
    assert "waiting to be confirmed" in response.content.decode()
    assert Booking.objects.count() == 1


def test_a_time_that_is_not_on_offer_cannot_be_booked(client: Client, clinician: Any) -> None:
    member = clinician.membership
    open_hours(member)
    saturday = at("2027-01-09", "10:00")
    response = client.get(book_path(member, saturday))
    assert response.status_code == 409
    assert "not on offer" in response.content.decode()
    assert guest_books(client, member, saturday).status_code == 409
    assert not Booking.objects.exists()


def agenda_of(html: str) -> list[str]:
    section = html.split('id="agenda-heading"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r"<li>(.*?)</li>", section, flags=re.S)


def test_both_sides_see_the_same_agenda(client: Client, clinician: Any, client_b: Any) -> None:
    member = clinician.membership
    open_hours(member, fees="£50, sliding scale from £20", frequency="Weekly")
    booking = services.book(
        member, TUESDAY_10, person=client_b.person, hopes="Feel calmer", base_url="http://t/"
    )
    person_side = Client().get(
        reverse("booking:manage", args=[services.token_for(booking, "manage")])
    )
    sign_in(client, clinician)
    clinician_side = client.get(reverse("booking:detail", args=[booking.pk]))
    items = agenda_of(person_side.content.decode())
    assert len(items) == 7
    assert items == agenda_of(clinician_side.content.decode())
    assert any("Feel calmer" in item for item in items)
    assert any("sliding scale from £20" in item for item in items)
