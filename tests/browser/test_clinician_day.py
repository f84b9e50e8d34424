"""The clinician's day in a real browser: sign in with password and two-factor code, see
the caseload with an alert, open the client, record a review, acknowledge a risk answer.
axe (serious/critical = 0) on every page, at desktop and phone width."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.web.clinic_personas import (  # noqa: F401 (fixtures used by name)
    PASSWORD,
    client_a,
    client_a_at_risk,
    clinic_mode,
    clinician,
    clinics,
    supervisor,
    totp_code,
)
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.clinic.models import AlertState
from therapycheck.web.reviews.models import Review

from .conftest import Session, check_both_widths

pytestmark = pytest.mark.django_db(transaction=True)


check = check_both_widths


def test_a_clinician_sees_an_alert_opens_the_client_reviews_and_acknowledges_a_risk_answer(
    clinic_session: Session,
    clinician: Any,  # noqa: F811
    client_a: Any,  # noqa: F811
    client_a_at_risk: Any,  # noqa: F811
) -> None:
    tab, page = clinic_session, clinic_session.page
    person = client_a.person

    # Sign in through the real forms: password, then the authenticator code.
    tab.goto("/accounts/login/")
    check(tab, "clinician-sign-in")
    page.get_by_label("Email").fill(clinician.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.get_by_label("Code").fill(totp_code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/clinic/caseload/")

    # The caseload: Alex is listed with a risk alert and the rule behind it.
    assert page.get_by_role("link", name="Alex (fictional)", exact=True).is_visible()
    assert page.get_by_text("core.scoring:safety").first.is_visible()
    assert page.locator("#rule-line").is_visible()
    check(tab, "clinician-caseload")

    # The client's record opens with the risk answers and the crisis lines.
    page.get_by_role("link", name="Alex (fictional)", exact=True).click()
    page.wait_for_url(f"**/clinic/clients/{person.pk}/")
    assert page.get_by_role("heading", name="Risk answers: look at these first").is_visible()
    check(tab, "clinician-client-record")

    # The clinical-support review: write what will change and when to look again.
    page.get_by_role("link", name="Clinical-support review").first.click()
    page.wait_for_url(f"**/reviews/clients/{person.pk}/")
    check(tab, "clinician-review")
    first_box = page.locator("textarea[name^=change_]").first
    first_box.fill("Talk about how sessions feel, every session")
    review_on = (dt.date.today() + dt.timedelta(days=28)).isoformat()
    page.get_by_label("Review date").fill(review_on)
    page.get_by_role("button", name="Record the review").click()
    page.wait_for_url(f"**/reviews/clients/{person.pk}/")
    assert page.get_by_text("Review recorded.").is_visible()
    assert Review.objects.filter(person=person).count() == 1
    check(tab, "clinician-review-recorded")

    # Back on the record: acknowledge one risk answer, keyboard and all.
    page.get_by_role("link", name="Back to the record of Alex (fictional)").click()
    page.wait_for_url(f"**/clinic/clients/{person.pk}/")
    first_alert = page.locator(".clinician-safety .alert").first
    first_alert.get_by_label("Note for the record (optional)").fill("Called Alex; safe tonight")
    first_alert.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(f"**/clinic/clients/{person.pk}/")
    assert page.get_by_text("Acknowledged by Ada Rivers").first.is_visible()
    check(tab, "clinician-risk-acknowledged")

    state = AlertState.objects.get(person=person, acknowledged_at__isnull=False)
    assert state.acknowledged_by == clinician.membership
    assert state.resolved_at is None
    actions = set(AuditEvent.objects.filter(person_id=person.pk).values_list("action", flat=True))
    assert {"view", "change", "acknowledge"} <= actions
