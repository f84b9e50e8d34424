"""A free consultation from start to end in a real browser: the specialist sets weekly
hours; the client finds them from a check-up result, opens their profile, books a time and
gets the confirmation (page and email); cancels by the emailed link; the specialist's list
shows the booking, then its cancelled state. axe serious/critical = 0 on every page at
desktop and phone width, no sideways scroll."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client

from tests.web.clinic_personas import (  # noqa: F401 (fixtures used by name)
    client_a,
    clinic_mode,
    clinician,
    clinics,
    sign_in,
)
from tests.web.directory.conftest import make_profile  # noqa: F401
from tests.web.directory.test_matching import make_checkup
from therapycheck.web.booking.models import Availability, Booking

from .conftest import Session, check_both_widths

pytestmark = pytest.mark.django_db(transaction=True)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def sign_in_tab(tab: Session, user: Any) -> None:
    """The browser carries only the session of a test client signed in as `user`."""
    tab.page.context.clear_cookies()
    name = django_settings.SESSION_COOKIE_NAME
    cookie = sign_in(Client(), user).cookies[name]
    tab.page.context.add_cookies([{"name": name, "value": cookie.value, "url": tab.origin}])


def click_and_wait(tab: Session, locator: Any) -> None:
    with tab.page.expect_navigation(wait_until="load"):
        locator.click()


def test_a_client_books_from_a_check_up_cancels_by_link_and_the_specialist_sees_it(
    clinic_session: Session,
    settings: Any,
    clinician: Any,  # noqa: F811
    client_a: Any,  # noqa: F811
    make_profile: Any,  # noqa: F811
) -> None:
    # The emails are sent as soon as the booking commits (no worker in a test).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    tab, page = clinic_session, clinic_session.page
    make_profile(clinician, approaches=["cbt"], concerns=["anxiety"])
    make_checkup(
        client_a.person,
        {"concerns": ["anxiety"], "approach": "psychodynamic", "wants_different": "more_practical"},
        {"findings": [{"factor": "modality_fit", "severity": "medium"}]},
    )

    # 1. The specialist sets weekday hours in London and saves.
    sign_in_tab(tab, clinician)
    tab.goto("/consultations/availability/")
    check_both_widths(tab, "booking-availability")
    page.get_by_label("Your time zone").select_option("Europe/London")
    for day in WEEKDAYS:
        page.get_by_label(day, exact=True).fill("09:00-17:00")
    click_and_wait(tab, page.get_by_role("button", name="Save my hours"))
    assert "Your consultation hours are saved" in page.content()
    check_both_widths(tab, "booking-availability-saved")
    saved = Availability.objects.get(clinician=clinician.membership)
    assert saved.is_open and saved.timezone == "Europe/London"
    assert sorted(row["weekday"] for row in saved.weekly) == [0, 1, 2, 3, 4]

    # 2. The client finds the specialist from their check-up and books a time.
    sign_in_tab(tab, client_a)
    tab.goto("/specialists/match/")
    check_both_widths(tab, "booking-match")
    click_and_wait(tab, page.get_by_role("button", name="Show specialists who fit"))
    match = page.locator("li.match").filter(has_text="Ada Rivers")
    assert match.count() == 1
    assert "anxiety or worry (your concern)" in match.inner_text()
    check_both_widths(tab, "booking-match-results")
    click_and_wait(tab, match.get_by_role("link", name="Ada Rivers"))
    check_both_widths(tab, "booking-profile")
    click_and_wait(tab, page.get_by_role("link", name="See free times and book"))
    assert "Book a free consultation with Ada Rivers" in page.locator("h1").inner_text()
    check_both_widths(tab, "booking-slots")
    # The last time on the first page is days away: well outside the 24-hour window.
    click_and_wait(tab, page.locator("a.bk-slot").last)
    check_both_widths(tab, "booking-book")
    page.get_by_label("What you hope for (optional)").fill("Worry less at work")
    click_and_wait(tab, page.get_by_role("button", name="Book this time"))
    assert "Your consultation is booked" in page.content()
    assert "Confirmed" in page.locator(".bk-status").inner_text()
    check_both_widths(tab, "booking-confirmed")
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.person == client_a.person
    assert booking.hopes == "Worry less at work"
    (confirmation,) = [m for m in mail.outbox if m.to == [client_a.email]]
    manage = re.search(r"https?://[^/\s]+(/consultations/m/\S+/)", str(confirmation.body))
    assert manage is not None, confirmation.body

    # The specialist's list shows it coming up.
    sign_in_tab(tab, clinician)
    tab.goto("/consultations/")
    coming_up = page.locator("section", has=page.locator("#upcoming-heading")).locator("li")
    assert coming_up.count() == 1
    assert booking.who in coming_up.inner_text()
    assert coming_up.locator(".bk-status").inner_text() == "Confirmed"
    check_both_widths(tab, "booking-list")

    # 3. Anyone holding the emailed link (here: signed out) cancels with it.
    tab.page.context.clear_cookies()
    tab.goto(manage.group(1))
    check_both_widths(tab, "booking-manage")
    click_and_wait(tab, page.get_by_role("button", name="Cancel this consultation"))
    assert "Your consultation is cancelled" in page.content()
    assert "This consultation is cancelled" in page.content()
    check_both_widths(tab, "booking-cancelled")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED

    # 4. The specialist's list now shows it among the earlier and cancelled ones.
    sign_in_tab(tab, clinician)
    tab.goto("/consultations/")
    assert "No consultations booked yet" in page.locator("#upcoming-heading + *").inner_text()
    earlier = page.locator("section", has=page.locator("#past-heading")).locator("li")
    assert earlier.count() == 1
    assert booking.who in earlier.inner_text()
    assert earlier.locator(".bk-status").inner_text() == "Cancelled"
    check_both_widths(tab, "booking-list-cancelled")
