"""Sharing in clinic mode in a real browser: a client opens a clinician's invitation, signs
in, chooses what to share, accepts, then stops sharing; the clinician's invitations page and
the admin's audit log. axe (serious/critical = 0) on every page, at desktop and phone width."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.web.clinic_personas import (  # noqa: F401 (fixtures used by name)
    PASSWORD,
    clinic_admin,
    clinic_mode,
    clinician,
    clinics,
    make_user,
    sign_in,
    supervisor,
)
from therapycheck.web.accounts.models import Person
from therapycheck.web.clinic import access
from therapycheck.web.sharing import services
from therapycheck.web.sharing.models import CareLink
from therapycheck.web.tracking.models import JournalEntry

from .conftest import Session, check_both_widths

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "casey.client@example.org"


def sign_in_tab(tab: Session, user: Any) -> None:
    """Give the browser a signed-in session (staff: past two-factor, as after a sign-in)."""
    from django.conf import settings
    from django.test import Client

    cookie = sign_in(Client(), user).cookies[settings.SESSION_COOKIE_NAME]
    tab.page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": tab.origin}]
    )


check = check_both_widths


def test_a_client_accepts_an_invitation_chooses_what_to_share_and_revokes_it(
    clinic_session: Session,
    clinician: Any,  # noqa: F811 (the personas' fixture, imported above)
) -> None:
    tab, page = clinic_session, clinic_session.page
    user = make_user(EMAIL)
    person = Person.objects.create(
        key=f"user-{user.pk}", user=user, country="GB", display_name="Casey (fictional)"
    )
    shared = JournalEntry.objects.create(
        person=person, session_number=1, entry_date=dt.date(2026, 10, 1), topics="Sleep"
    )
    JournalEntry.objects.create(
        person=person, session_number=2, entry_date=dt.date(2026, 10, 8), topics="Family"
    )
    link = services.clinician_invites(
        clinician.membership, EMAIL, lambda token: f"/sharing/accept/{token}/"
    )
    accept_path = f"/sharing/accept/{services.make_token(link)}/"

    # Not signed in: the link says who invites and offers sign-up or sign-in.
    tab.goto(accept_path)
    assert "Ada Rivers invited you" in page.locator("h1").inner_text()
    check(tab, "sharing-invitation-signed-out")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Sign in").last.click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Sign In").click()

    # Back on the invitation, signed in: nothing is ticked until the client ticks it.
    assert page.url.endswith(accept_path)
    check(tab, "sharing-invitation-answer")
    boxes = page.locator("input[type=checkbox]")
    assert boxes.count() == 4
    for n in range(boxes.count()):
        assert not boxes.nth(n).is_checked()
    page.get_by_label("My measures").check()
    page.get_by_label("Session 1").check()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Accept and share what I ticked").click()

    assert "You now share with Ada Rivers" in page.locator(".messages").inner_text()
    check(tab, "sharing-home-sharing")
    assert access.can_see(clinician, person, "measures")
    assert not access.can_see(clinician, person, "checkups")
    assert list(access.shared_journal_entries(clinician, person)) == [shared]

    # Stop sharing: a confirmation step first, then the clinician sees nothing.
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Stop sharing with Ada Rivers").click()
    check(tab, "sharing-stop-confirm")
    assert access.can_open(clinician, person)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Yes, stop sharing").click()
    assert "no longer see anything" in page.locator(".messages").inner_text()
    check(tab, "sharing-home-stopped")
    assert not access.can_open(clinician, person)
    assert CareLink.objects.get(pk=link.pk).status == CareLink.Status.ENDED

    # The emailed link no longer works once answered.
    tab.page.goto(tab.url(accept_path))
    assert "already been used" in page.locator("h1").inner_text()
    check(tab, "sharing-link-used")


def test_the_clinicians_invitations_page_and_the_audit_log_pass_axe(
    clinic_session: Session,
    clinician: Any,  # noqa: F811 (the personas' fixture, imported above)
    clinic_admin: Any,  # noqa: F811 (the personas' fixture, imported above)
) -> None:
    tab, page = clinic_session, clinic_session.page
    sign_in_tab(tab, clinician)
    tab.goto("/sharing/invitations/")
    page.get_by_label("Client's email address").fill("not an email")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Send the invitation").click()
    assert "does not look like an email address" in page.locator(".error-summary").inner_text()
    check(tab, "sharing-clinician-invitation-error")
    page.get_by_label("Client's email address").fill(EMAIL)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Send the invitation").click()
    assert EMAIL in page.locator("table").inner_text()
    check(tab, "sharing-clinician-invitations")

    page.context.clear_cookies()
    sign_in_tab(tab, clinic_admin)
    tab.goto("/audit/")
    assert "Ada Rivers (Clinician)" in page.locator("table").inner_text()
    check(tab, "audit-log")
