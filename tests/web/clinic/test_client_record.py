"""The clinician's view of one client: only what is shared, risk answers first, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.web.clinic_personas import sign_in
from therapycheck.web.accounts.safety import mark_safety_event
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.sharing.models import CareLink

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]


def _url(user: Any) -> str:
    return f"/clinic/clients/{user.person.pk}/"


def _finished_checkup(person: Any) -> Checkup:
    now = timezone.now()
    return Checkup.objects.create(
        person=person,
        status=Checkup.Status.COMPLETED,
        started_at=now,
        updated_at=now,
        completed_at=now,
        result={
            "findings": [
                {"factor": "alliance", "severity": "high", "why": ["You feel unheard."]},
                {"factor": "unclear_goals", "severity": "medium", "why": []},
            ]
        },
    )


def test_it_shows_shared_measures_checkups_and_picked_journal_entries(
    client: Client, clinician: Any, client_a: Any
) -> None:
    _finished_checkup(client_a.person)
    page = sign_in(client, clinician).get(_url(client_a)).content.decode()
    assert "PHQ-9 scores by session" in page
    assert "Work stress" in page
    assert "PRIVATE NOTE" not in page
    assert "You feel unheard." in page


def test_it_hides_what_the_client_does_not_share(
    client: Client, clinician: Any, client_a: Any
) -> None:
    _finished_checkup(client_a.person)
    CareLink.objects.filter(person=client_a.person).update(
        share_measures=False, share_checkups=False
    )
    page = sign_in(client, clinician).get(_url(client_a)).content.decode()
    assert "PHQ-9 scores by session" not in page
    assert "You feel unheard." not in page
    assert "Work stress" in page


def test_risk_answers_come_first_with_crisis_lines_for_the_clients_country(
    client: Client, clinician: Any, client_a: Any, client_a_at_risk: Any
) -> None:
    # Alex answered the PHQ-9 safety item above 0 (fixture); Alex lives in GB.
    page = sign_in(client, clinician).get(_url(client_a)).content.decode()
    main = page[page.index('id="main"') :]
    assert main.index("Risk answers: look at these first") < main.index("<h1>")
    assert "Samaritans" in main[: main.index("<h1>")]
    assert "follow your clinic" in page


def test_a_checkup_risk_answer_shows_when_checkups_are_shared(
    client: Client, clinician: Any, client_a: Any
) -> None:
    mark_safety_event(client_a.person, "checkup", ["Someone at home hurts you."], ["from_others"])
    page = sign_in(client, clinician).get(_url(client_a)).content.decode()
    assert "Someone at home hurts you." in page
    assert "checkup:safety" in page
    CareLink.objects.filter(person=client_a.person).update(share_checkups=False)
    page = client.get(_url(client_a)).content.decode()
    assert "Someone at home hurts you." not in page


def test_every_view_is_in_the_audit_log(client: Client, clinician: Any, client_a: Any) -> None:
    sign_in(client, clinician).get(_url(client_a))
    event = AuditEvent.objects.get(person_id=client_a.person.pk, action="view")
    assert event.what.startswith("Client record: measures")
    assert "journal" in event.what


def test_another_clinicians_client_is_not_found(
    client: Client, clinician: Any, client_b: Any
) -> None:
    assert sign_in(client, clinician).get(_url(client_b)).status_code == 404
    assert not AuditEvent.objects.exists()


def test_a_revoked_link_shows_nothing(client: Client, clinician: Any, client_a: Any) -> None:
    CareLink.objects.filter(person=client_a.person).update(
        status=CareLink.Status.ENDED, ended_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    )
    assert sign_in(client, clinician).get(_url(client_a)).status_code == 404


def test_the_supervisor_sees_the_record_of_their_teams_client(
    client: Client, supervisor: Any, client_a: Any
) -> None:
    assert sign_in(client, supervisor).get(_url(client_a)).status_code == 200


@pytest.mark.parametrize("persona", ["clinic_admin", "client_a", "other_clinic_admin"])
def test_admins_and_clients_may_not_use_the_clinicians_page(
    client: Client, persona: str, request: pytest.FixtureRequest, client_a: Any
) -> None:
    user = request.getfixturevalue(persona)
    assert sign_in(client, user).get(_url(client_a)).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, client_a: Any) -> None:
    response = client.get(_url(client_a))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_acknowledging_from_the_record_returns_to_it(
    client: Client, clinician: Any, client_a: Any, client_a_at_risk: Any
) -> None:
    response = sign_in(client, clinician).post(
        _url(client_a) + "alerts/", {"key": "risk:phq9:1", "action": "acknowledge"}
    )
    assert response.status_code == 302
    assert response["Location"] == _url(client_a)
    page = client.get(_url(client_a)).content.decode()
    assert "Acknowledged by Ada Rivers" in page


def test_a_note_too_long_is_refused_and_kept(
    client: Client, clinician: Any, client_a: Any, client_a_at_risk: Any
) -> None:
    note = "x" * 2001
    response = sign_in(client, clinician).post(
        _url(client_a) + "alerts/", {"key": "risk:phq9:1", "action": "resolve", "note": note}
    )
    assert response.status_code == 400
    assert note.encode() in response.content
    assert b"at most 2000 characters" in response.content
