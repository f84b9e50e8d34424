"""Signing in to clinic mode in a real browser: password, then the authenticator code;
the calm page after too many wrong passwords. axe (serious/critical = 0) on each page at
desktop and phone width, no sideways scrolling on a 360 px phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.clinic_personas import (  # noqa: F401 (fixtures used by name)
    PASSWORD,
    clinic_admin,
    clinic_mode,
    clinician,
    clinics,
    supervisor,
    totp_code,
)

from .conftest import DESKTOP, PHONE, Session, run_axe, save_screenshots

pytestmark = pytest.mark.django_db(transaction=True)

NARROW = {"width": 360, "height": 740}
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def audit_both_sizes(session: Session, name: str) -> None:
    page = session.page
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        violations = run_axe(page, session.axe)
        assert not violations, f"axe on {name} at {size['width']} px:\n" + "\n".join(violations)
    page.set_viewport_size(NARROW)
    assert page.evaluate(SIDEWAYS) <= 0, f"{name} scrolls sideways at 360 px"
    save_screenshots(page, name)
    page.set_viewport_size(DESKTOP)
    assert not session.outside_requests()


def sign_in_with_password(session: Session, email: str, password: str) -> None:
    page = session.page
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_clinician_signs_in_with_password_and_authenticator_code(
    clinic_session: Session,
    clinician: Any,  # noqa: F811
) -> None:
    page = clinic_session.page
    clinic_session.goto("/accounts/login/")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    audit_both_sizes(clinic_session, "clinic-sign-in")

    sign_in_with_password(clinic_session, clinician.email, PASSWORD)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    assert page.get_by_role("heading", level=1).inner_text() == "Enter your code"
    audit_both_sizes(clinic_session, "clinic-sign-in-code")

    page.get_by_label("Code").fill(totp_code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/accounts/" not in page.url
    # Signed in: the staff navigation offers signing out.
    assert page.get_by_role("button", name="Sign out").is_visible()
    # allauth's own two-factor page, in the site's layout.
    page.get_by_role("link", name="Two-factor sign-in").click()
    page.wait_for_url("**/accounts/2fa/")
    audit_both_sizes(clinic_session, "clinic-two-factor-overview")


def test_a_wrong_code_is_explained_on_the_page(
    clinic_session: Session,
    clinician: Any,  # noqa: F811
) -> None:
    page = clinic_session.page
    clinic_session.goto("/accounts/login/")
    sign_in_with_password(clinic_session, clinician.email, PASSWORD)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.get_by_label("Code").fill("000000" if totp_code() != "000000" else "111111")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").is_visible()
    audit_both_sizes(clinic_session, "clinic-sign-in-wrong-code")


def test_five_wrong_passwords_show_the_calm_paused_page(
    clinic_session: Session,
    clinician: Any,  # noqa: F811
) -> None:
    page = clinic_session.page
    clinic_session.goto("/accounts/login/")
    for _attempt in range(5):
        sign_in_with_password(clinic_session, clinician.email, "not the password")
        page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Sign-in is paused for this account"
    )
    audit_both_sizes(clinic_session, "clinic-locked-out")
    # The link back to the sign-in page works; the right password is refused for now.
    page.get_by_role("link", name="sign in again").click()
    sign_in_with_password(clinic_session, clinician.email, PASSWORD)
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Sign-in is paused for this account"
    )


def test_staff_without_an_authenticator_set_one_up_in_plain_steps(
    clinic_session: Session,
    supervisor: Any,  # noqa: F811
) -> None:
    supervisor.authenticator_set.all().delete()
    page = clinic_session.page
    clinic_session.goto("/accounts/login/")
    sign_in_with_password(clinic_session, supervisor.email, PASSWORD)
    # Every page leads to the set-up, which first asks for the password again.
    page.wait_for_url("**/accounts/reauthenticate/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm it is you"
    audit_both_sizes(clinic_session, "clinic-confirm-it-is-you")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    assert page.get_by_role("heading", level=1).inner_text() == "Set up two-factor sign-in"
    assert page.get_by_role("img", name="QR code holding your secret key").is_visible()
    audit_both_sizes(clinic_session, "clinic-set-up-two-factor")
    secret = page.get_by_label("Secret key").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on").click()
    page.wait_for_load_state()
    assert "/accounts/2fa/totp/activate/" not in page.url


def test_the_clinic_admin_adds_a_staff_member_on_an_accessible_page(
    clinic_session: Session,
    clinic_admin: Any,  # noqa: F811
    clinician: Any,  # noqa: F811
) -> None:
    page = clinic_session.page
    clinic_session.goto("/accounts/login/")
    sign_in_with_password(clinic_session, clinic_admin.email, PASSWORD)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.get_by_label("Code").fill(totp_code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/clinic/admin/")
    assert page.get_by_role("heading", level=1).inner_text() == "Staff of Riverside Demo Clinic"
    audit_both_sizes(clinic_session, "clinic-admin-staff")
    # A mistake first: the summary names it and the answers stay.
    page.get_by_label("Email address").fill("nia.new@example")
    page.get_by_label("Name", exact=True).fill("Nia New")
    page.get_by_role("button", name="Add staff member").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Name", exact=True).input_value() == "Nia New"
    audit_both_sizes(clinic_session, "clinic-admin-staff-error")
    page.get_by_label("Email address").fill("nia.new@example.org")
    page.get_by_role("button", name="Add staff member").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").filter(has_text="Nia New was added").is_visible()
