"""Sharing in clinic mode in a real browser: a client opens a clinician's invitation, signs
in, chooses what to share, accepts, then stops sharing; the clinician's invitations page and
the admin's audit log. axe (serious/critical = 0) on every page, at desktop and phone width."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
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

from .conftest import DESKTOP, PHONE, Session, run_axe

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "casey.client@example.org"


@pytest.fixture
def clinic_session(
    browser: Any,
    axe_source: str,
    clinic_mode: None,  # noqa: F811 (the personas' fixture, imported above)
    transactional_db: Any,
) -> Iterator[Session]:
    """A browser tab on a live server started inside clinic mode.

    The shared `live_server` is started once per run, with the middleware of the mode the
    run began in; clinic mode needs its own (sign-in required, two-factor for staff), so this
    server starts after the clinic settings are in place.
    """
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost")
    origin = server.url.rstrip("/")
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True, service_workers="block")
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(origin)
            else route.abort("blockedbyclient")
        ),
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    tab = Session(page=page, origin=origin, axe=axe_source)
    page.on("request", lambda request: tab.requests.append(request.url))
    try:
        yield tab
    finally:
        context.close()
        server.stop()
    assert not tab.outside_requests(), f"requests left the server: {tab.outside_requests()}"


def sign_in_tab(tab: Session, user: Any) -> None:
    """Give the browser a signed-in session (staff: past two-factor, as after a sign-in)."""
    from django.conf import settings
    from django.test import Client

    cookie = sign_in(Client(), user).cookies[settings.SESSION_COOKIE_NAME]
    tab.page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": tab.origin}]
    )


def check(tab: Session, name: str) -> None:
    """axe at desktop width (with screenshots), then again at phone width."""
    tab.audit(name)
    tab.page.set_viewport_size(PHONE)
    try:
        violations = run_axe(tab.page, tab.axe)
        assert not violations, f"axe at phone width on {name}:\n" + "\n".join(violations)
        # Nothing wider than the phone: no sideways scrolling.
        assert tab.page.evaluate(
            "() => document.documentElement.scrollWidth <= window.innerWidth + 1"
        ), f"{name} scrolls sideways at phone width"
    finally:
        tab.page.set_viewport_size(DESKTOP)


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
