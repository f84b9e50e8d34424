"""A guest's free consultation in a real browser: a person without an account books a time,
is told to check their email, opens the emailed link and presses the button to confirm;
moves the booking to another time by the emailed link and sees the new time; cannot book a
second time with that specialist; the specialist then sees the moved booking. And the
specialist's notes of a client's consultation become the client's treatment agreement.
axe serious/critical = 0 on every page at 1280 and 390 pixels wide, and no page scrolls
sideways at 360 pixels."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from tests.browser.test_booking_journey import click_and_wait, sign_in_tab
from tests.web.clinic_personas import (  # noqa: F401 (fixtures used by name)
    client_a,
    clinic_mode,
    clinician,
    clinics,
    supervisor,
)
from therapycheck.web.booking import services
from therapycheck.web.booking.models import Availability, Booking
from therapycheck.web.reviews.models import Agreement, Frequency

from .conftest import Session, check_both_widths

pytestmark = pytest.mark.django_db(transaction=True)

NARROW = {"width": 360, "height": 740}
EVERY_DAY_9_TO_17 = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(7)]


def check_page(tab: Session, name: str) -> None:
    """axe at 1280 and 390 pixels (check_both_widths), then no sideways scroll at 360."""
    check_both_widths(tab, name)
    original = tab.page.viewport_size
    tab.page.set_viewport_size(NARROW)
    try:
        assert tab.page.evaluate(
            "() => document.documentElement.scrollWidth <= window.innerWidth + 1"
        ), f"{name} scrolls sideways at 360 pixels"
    finally:
        tab.page.set_viewport_size(original)


def offer_hours(user: Any) -> Any:
    """The specialist offers consultations every day, 09:00 to 17:00 in London."""
    member = user.membership
    Availability.objects.create(
        clinician=member, timezone="Europe/London", weekly=EVERY_DAY_9_TO_17
    )
    return member


def emailed_link(to: str, kind: str) -> str:
    """The path of the last emailed link of this kind (v: confirm, m: manage) to `to`."""
    bodies = [str(m.body) for m in mail.outbox if m.to == [to]]
    found = [
        match.group(1)
        for body in bodies
        for match in re.finditer(rf"https?://[^/\s]+(/consultations/{kind}/\S+/)", body)
    ]
    assert found, f"no /{kind}/ link in {bodies}"
    return found[-1]


@pytest.fixture
def instant_emails(settings: Any) -> None:
    # The emails are sent as soon as the booking commits (no worker in a test).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.mark.usefixtures("instant_emails")
def test_a_guest_books_confirms_by_email_moves_by_link_and_the_specialist_sees_it(
    clinic_session: Session,
    clinician: Any,  # noqa: F811
) -> None:
    tab, page = clinic_session, clinic_session.page
    member = offer_hours(clinician)
    email = "robin.guest@example.org"

    # 1. A guest (signed out) opens the free times and books one days away.
    tab.goto(f"/consultations/with/{member.pk}/")
    check_page(tab, "guest-slots")
    click_and_wait(tab, page.locator("a.bk-slot").last)
    check_page(tab, "guest-book")
    page.get_by_label("Your name (or the name you want to be called)").fill("Robin")
    page.get_by_label("Your email address").fill(email)
    page.get_by_label("What you hope for (optional)").fill("Sleep better")
    click_and_wait(tab, page.get_by_role("button", name="Book this time"))
    assert "Check your email to confirm" in page.locator("h1").inner_text()
    assert email in page.content()
    check_page(tab, "guest-check-email")
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.HELD

    # 2. The emailed link shows a button; pressing it confirms the booking.
    tab.goto(emailed_link(email, "v"))
    check_page(tab, "guest-verify")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.HELD
    click_and_wait(tab, page.get_by_role("button", name="Confirm my booking"))
    assert "Your consultation is confirmed" in page.content()
    assert page.locator(".bk-status").inner_text() == "Confirmed"
    check_page(tab, "guest-confirmed")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    old_start = booking.start

    # 3. The link in the confirmation email moves it to another time.
    tab.goto(emailed_link(email, "m"))
    check_page(tab, "guest-manage")
    click_and_wait(tab, page.get_by_role("link", name="Choose another time"))
    assert "Move your consultation" in page.locator("h1").inner_text()
    check_page(tab, "guest-move")
    slots = page.locator("button.bk-slot")
    click_and_wait(tab, slots.nth(slots.count() - 2))
    assert "Your consultation has moved" in page.content()
    booking.refresh_from_db()
    assert booking.start != old_start
    assert booking.status == Booking.Status.CONFIRMED
    new_time = services.when_text(booking.start, booking.person_timezone)
    assert new_time in page.locator(".bk-when").inner_text()
    check_page(tab, "guest-moved")
    assert any(m.subject and new_time in str(m.body) for m in mail.outbox if m.to == [email])

    # A second booking with the same specialist from that address is refused calmly,
    # keeping every answer.
    tab.goto(f"/consultations/with/{member.pk}/")
    click_and_wait(tab, page.locator("a.bk-slot").first)
    page.get_by_label("Your name (or the name you want to be called)").fill("Robin")
    page.get_by_label("Your email address").fill(email.upper())
    page.get_by_label("What you hope for (optional)").fill("Another time")
    click_and_wait(tab, page.get_by_role("button", name="Book this time"))
    assert "You already have a booking waiting" in page.locator("#limit-heading").inner_text()
    assert page.get_by_label("Your email address").input_value() == email.upper()
    assert page.get_by_label("What you hope for (optional)").input_value() == "Another time"
    check_page(tab, "guest-limit")
    assert Booking.objects.count() == 1

    # 4. The specialist sees the booking at its new time.
    sign_in_tab(tab, clinician)
    tab.goto("/consultations/")
    coming_up = page.locator("section", has=page.locator("#upcoming-heading")).locator("li")
    assert coming_up.count() == 1
    own_zone = services.availability_of(member).timezone
    assert services.when_text(booking.start, own_zone) in coming_up.inner_text()
    assert "Robin" in coming_up.inner_text()
    check_page(tab, "guest-clinician-list")
    click_and_wait(tab, coming_up.get_by_role("link"))
    assert "Free consultation with Robin" in page.locator("h1").inner_text()
    assert services.when_text(booking.start, own_zone) in page.locator(".bk-when").inner_text()
    assert "booked as a guest" in page.content()
    check_page(tab, "guest-clinician-detail")


@pytest.mark.usefixtures("instant_emails")
def test_the_specialists_notes_become_the_clients_treatment_agreement(
    clinic_session: Session,
    clinician: Any,  # noqa: F811
    client_a: Any,  # noqa: F811
) -> None:
    tab, page = clinic_session, clinic_session.page
    member = offer_hours(clinician)
    free = services.free_slots(member, days=14)
    booking = services.book(
        member,
        free[-1].start,
        person=client_a.person,
        hopes="Worry less at work",
        base_url=tab.origin + "/",
    )

    # The specialist writes notes under the agenda's headings (not shared by default).
    sign_in_tab(tab, clinician)
    tab.goto(f"/consultations/b/{booking.pk}/")
    check_page(tab, "notes-detail")
    assert "Not shared:" in page.content()
    assert page.get_by_label("What the person hopes for").input_value() == "Worry less at work"
    page.get_by_label("How we will work, and why").fill("CBT for worry, weekly practice")
    page.get_by_label("How often", exact=True).fill("Weekly for 12 weeks")
    page.get_by_label("How often, for the treatment agreement").select_option(
        Frequency.WEEKLY.value
    )
    click_and_wait(tab, page.get_by_role("button", name="Save the notes"))
    assert "Your notes are saved. They are not shared." in page.content()
    check_page(tab, "notes-saved")

    # Alex is this clinician's client: the notes become the treatment agreement.
    assert "becomes the agreement's goals" in page.content()
    click_and_wait(
        tab, page.get_by_role("button", name="Use these notes as the treatment agreement")
    )
    assert "now has these goals and this frequency" in page.content()
    check_page(tab, "notes-agreement")
    agreement = Agreement.objects.get(person=client_a.person)
    assert agreement.goals == "Worry less at work"
    assert agreement.session_frequency == Frequency.WEEKLY

    # The client reads it on their own agreement page; the notes stay private.
    sign_in_tab(tab, client_a)
    tab.goto("/reviews/agreement/")
    assert "Worry less at work" in page.content()
    check_page(tab, "notes-my-agreement")
    tab.goto(f"/consultations/m/{services.token_for(booking, 'manage')}/")
    assert "private to the specialist" in page.content()
    assert "CBT for worry" not in page.content()
    check_page(tab, "notes-person-side")
