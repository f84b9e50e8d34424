"""Clinical-support review and treatment agreement: the clinician records, the client reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.web.clinic_personas import sign_in
from therapycheck.core.checkup.model import FACTOR_IDS
from therapycheck.core.plan import factor_label
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.reviews.models import Agreement, CheckupInvitation, Review
from therapycheck.web.sharing.models import CareLink

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]


def _url(user: Any, tail: str = "") -> str:
    return f"/reviews/clients/{user.person.pk}/{tail}"


def _in(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def _finished_checkup(person: Any) -> Checkup:
    now = timezone.now()
    return Checkup.objects.create(
        person=person,
        status=Checkup.Status.COMPLETED,
        started_at=now,
        updated_at=now,
        completed_at=now,
        result={"findings": [{"factor": "unclear_goals", "severity": "medium", "why": ["x"]}]},
    )


def test_it_offers_every_checkup_factor_with_the_checkups_findings_first(
    client: Client, clinician: Any, client_a: Any
) -> None:
    _finished_checkup(client_a.person)
    page = sign_in(client, clinician).get(_url(client_a)).content.decode()
    for factor in FACTOR_IDS:
        assert f'name="change_{factor}"' in page
    assert page.index('name="change_unclear_goals"') < page.index('name="change_alliance"')
    assert "Not on track." in page


def test_the_review_is_recorded_with_what_will_change_and_when(
    client: Client, clinician: Any, client_a: Any
) -> None:
    checkup = _finished_checkup(client_a.person)
    response = sign_in(client, clinician).post(
        _url(client_a),
        {"change_unclear_goals": "Agree two goals next session", "review_on": _in(28)},
    )
    assert response.status_code == 302
    review = Review.objects.get(person=client_a.person)
    assert review.changes == {"unclear_goals": "Agree two goals next session"}
    assert review.review_on.isoformat() == _in(28)
    assert review.checkup == checkup
    assert AuditEvent.objects.filter(
        person_id=client_a.person.pk, action="change", what__contains="review"
    ).exists()
    page = client.get(_url(client_a)).content.decode()
    assert factor_label("unclear_goals") in page and "Agree two goals next session" in page


def test_a_review_without_any_change_or_with_a_past_date_is_refused_and_kept(
    client: Client, clinician: Any, client_a: Any
) -> None:
    signed = sign_in(client, clinician)
    response = signed.post(_url(client_a), {"review_on": _in(10)})
    assert response.status_code == 400
    assert b"at least one factor" in response.content
    response = signed.post(
        _url(client_a), {"change_alliance": "Ask about the fit", "review_on": _in(-1)}
    )
    assert response.status_code == 400
    assert b"Ask about the fit" in response.content
    assert b"today or a later date" in response.content
    assert not Review.objects.exists()


def test_the_checkup_link_is_emailed_to_the_client(
    client: Client, clinician: Any, client_a: Any
) -> None:
    response = sign_in(client, clinician).post(_url(client_a, "send-checkup/"))
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alex.client@example.org"]
    assert "/checkup/" in mail.outbox[0].body
    assert CheckupInvitation.objects.filter(person=client_a.person).exists()
    assert AuditEvent.objects.filter(person_id=client_a.person.pk, action="create").exists()


def test_findings_are_hidden_when_checkups_are_not_shared(
    client: Client, clinician: Any, client_a: Any
) -> None:
    _finished_checkup(client_a.person)
    CareLink.objects.filter(person=client_a.person).update(share_checkups=False)
    page = sign_in(client, clinician).get(_url(client_a)).content.decode()
    assert "does not share check-up results" in page


def test_the_agreement_is_saved_and_the_client_reads_it(
    client: Client, clinician: Any, client_a: Any
) -> None:
    signed = sign_in(client, clinician)
    response = signed.post(
        _url(client_a, "agreement/"),
        {
            "goals": "Sleep better; go back to work part-time",
            "session_frequency": "fortnightly",
            "measures": ["phq9", "gad7"],
            "next_review": _in(42),
        },
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get(person=client_a.person)
    assert agreement.measures == ["phq9", "gad7"]
    assert agreement.updated_by_name == "Ada Rivers"
    assert AuditEvent.objects.filter(person_id=client_a.person.pk, action="change").exists()
    page = sign_in(Client(), client_a).get("/reviews/agreement/").content.decode()
    assert "Sleep better; go back to work part-time" in page
    assert "Every 2 weeks" in page and "PHQ-9" in page


def test_a_bad_agreement_is_refused_and_keeps_every_answer(
    client: Client, clinician: Any, client_a: Any
) -> None:
    response = sign_in(client, clinician).post(
        _url(client_a, "agreement/"),
        {"goals": "Kept goal", "session_frequency": "weekly", "next_review": "not a date"},
    )
    assert response.status_code == 400
    assert b"Kept goal" in response.content
    assert b"Choose at least one questionnaire." in response.content
    assert not Agreement.objects.exists()


def test_a_client_without_an_agreement_is_told_so(client: Client, client_a: Any) -> None:
    page = sign_in(client, client_a).get("/reviews/agreement/").content.decode()
    assert "has not written a treatment agreement" in page


@pytest.mark.parametrize("path", ["", "agreement/"])
def test_another_clinicians_client_is_not_found(
    client: Client, clinician: Any, client_b: Any, path: str
) -> None:
    assert sign_in(client, clinician).get(_url(client_b, path)).status_code == 404


@pytest.mark.parametrize("persona", ["clinic_admin", "client_a"])
def test_admins_and_clients_may_not_open_the_clinicians_review(
    client: Client, persona: str, request: pytest.FixtureRequest, client_a: Any
) -> None:
    user = request.getfixturevalue(persona)
    assert sign_in(client, user).get(_url(client_a)).status_code == 403


def test_staff_have_no_agreement_page_of_their_own(client: Client, clinician: Any) -> None:
    assert sign_in(client, clinician).get("/reviews/agreement/").status_code == 403


def test_the_review_page_shows_crisis_lines_first_for_a_risk_answer(
    client: Client, clinician: Any, client_a: Any, client_a_at_risk: Any
) -> None:
    page = sign_in(client, clinician).get(_url(client_a)).content.decode()
    main = page[page.index('id="main"') :]
    assert main.index("Risk answers: look at these first") < main.index("<h1>")


def test_the_client_sees_the_check_up_request_on_their_home_page_until_they_do_it(
    client: Client, client_a: Any, clinician: Any
) -> None:
    from therapycheck.web.checkups.models import Checkup
    from therapycheck.web.reviews.services import send_checkup

    send_checkup(client_a.person, clinician.membership, "http://testserver/checkup/")
    home = sign_in(client, client_a).get("/").content.decode()
    assert "Ada Rivers asked you on" in home
    now = timezone.now()
    Checkup.objects.create(
        person=client_a.person,
        status=Checkup.Status.COMPLETED,
        started_at=now,
        updated_at=now,
        completed_at=now,
    )
    assert "asked you on" not in client.get("/").content.decode()
