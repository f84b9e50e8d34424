"""The specialists' directory in a real browser: anonymous browsing, a profile with its
photo and badge, the clinician's editor (errors, then a saved photo), the admin's
verification. axe serious/critical = 0 at desktop and phone width, no sideways scroll."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from tests.web.clinic_personas import (  # noqa: F401 (fixtures used by name)
    clinic_admin,
    clinic_mode,
    clinician,
    clinics,
    sign_in,
    supervisor,
)
from tests.web.directory.conftest import image_bytes, make_profile, media_root  # noqa: F401

from .conftest import Session, check_both_widths

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in_as(tab: Session, user: Any) -> None:
    """The browser carries the session of a test client signed in as `user` (past MFA)."""
    session_id = sign_in(Client(), user).cookies["sessionid"].value
    tab.page.context.add_cookies([{"name": "sessionid", "value": session_id, "url": tab.origin}])


def test_anyone_browses_the_directory_and_opens_a_profile(
    clinic_session: Session,
    clinician: Any,  # noqa: F811
    clinic_admin: Any,  # noqa: F811
    make_profile: Any,  # noqa: F811
) -> None:
    profile = make_profile(
        clinician,
        format="both",
        location="Riverside",
        verified_by=clinic_admin.membership,
        verified_at=timezone.now(),
        verified_what="licence",
    )
    profile.photo.save("p.jpg", ContentFile(image_bytes()), save=True)
    clinic_session.goto("/specialists/")
    check_both_widths(clinic_session, "directory-list")
    clinic_session.goto("/specialists/?concern=nope&q=%22NEAR(")
    check_both_widths(clinic_session, "directory-list-errors")
    clinic_session.goto(f"/specialists/{profile.pk}/")
    check_both_widths(clinic_session, "directory-profile")
    page = clinic_session.page
    assert "Licence checked by Riverside Demo Clinic" in page.content()
    assert page.evaluate("() => document.querySelector('img.profile-photo').naturalWidth") > 0


def test_a_clinician_writes_a_profile_and_the_admin_verifies_it(
    clinic_session: Session,
    clinician: Any,  # noqa: F811
    clinic_admin: Any,  # noqa: F811
) -> None:
    page = clinic_session.page
    signed_in_as(clinic_session, clinician)
    clinic_session.goto("/specialists/my-profile/")
    check_both_widths(clinic_session, "directory-edit")
    page.get_by_label("How you see people").select_option("both")
    page.get_by_role("button", name="Save my profile").click()
    page.wait_for_load_state()
    assert "Please check your answers" in page.content()
    check_both_widths(clinic_session, "directory-edit-errors")
    page.get_by_label("Profession").fill("Counsellor")
    page.get_by_label("Location (town or area, for in-person sessions)").fill("Riverside")
    page.get_by_label("Photo (optional)").set_input_files(
        files=[{"name": "me.png", "mimeType": "image/png", "buffer": image_bytes("PNG")}]
    )
    page.get_by_role("button", name="Save my profile").click()
    page.wait_for_load_state()
    assert "Your profile is saved" in page.content()
    check_both_widths(clinic_session, "directory-edit-saved")

    page.context.clear_cookies()
    signed_in_as(clinic_session, clinic_admin)
    clinic_session.goto("/specialists/verify/")
    check_both_widths(clinic_session, "directory-verify-list")
    page.get_by_role("link", name="Ada Rivers").click()
    page.wait_for_load_state()
    check_both_widths(clinic_session, "directory-verify")
    page.get_by_label("Licence", exact=True).check()
    page.get_by_role("button", name="Add the badge").click()
    page.wait_for_load_state()
    assert "Licence checked by Riverside Demo Clinic" in page.content()
