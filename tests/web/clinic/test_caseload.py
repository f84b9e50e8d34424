"""The clinician's caseload: latest scores, status, trend and alerts; risk alerts are
acknowledged and resolved, never hidden; no query per client."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from tests.web.clinic_personas import _scores, make_client, sign_in
from therapycheck.core.change import STATUS_LABELS
from therapycheck.web.accounts.safety import mark_safety_event
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.clinic.models import AlertState
from therapycheck.web.sharing.models import CareLink

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]

# Alex's fixture: PHQ-9 at 18 for sessions 0-7, then 17 (no reliable change after 8 sessions).
NOT_IMPROVING = STATUS_LABELS["not_improving"].format(sessions=9)


def _with_risk(user: Any, session: int = 9) -> None:
    """A PHQ-9 with item 9 answered 1 (a risk answer) at `session`."""
    from therapycheck.web.tracking.services import save_measurement

    save_measurement(
        user.person,
        "phq9",
        [2] * 8 + [1],
        session_number=session,
        taken_on=dt.date(2026, 9, 1) + dt.timedelta(weeks=session),
    )


def _never_overdue(clinician: Any) -> None:
    """The fixtures' scores are dated in 2026; a long interval keeps "overdue" out of tests
    about other alerts, whatever today's date is."""
    clinic = clinician.membership.clinic
    clinic.measure_every_days = 3650
    clinic.save()


def _client_linked(clinics: Any, clinician: Any, n: int, *, checkups: bool = True) -> Any:
    _never_overdue(clinician)
    user = make_client(clinics.demo, f"c{n}@example.org", f"Client {n:02d} (fictional)")
    # Item 9 (the safety item) at 0: no risk answer.
    _scores(user.person, [[2] * 8 + [0], [2] * 8 + [0], [1] * 8 + [0]])
    CareLink.objects.create(
        person=user.person,
        clinician=clinician.membership,
        status=CareLink.Status.ACTIVE,
        invited_by=CareLink.InvitedBy.CLIENT,
        share_checkups=checkups,
    )
    return user


def test_it_shows_latest_scores_status_trend_and_the_rule_behind_each_alert(
    client: Client, clinician: Any, client_a: Any, client_a_at_risk: Any
) -> None:
    response = sign_in(client, clinician).get("/clinic/caseload/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alex (fictional)" in page
    assert NOT_IMPROVING in page
    assert "Scores by session:" in page and "16, 16, 16, 16, 15" in page
    assert "core.change:not_improving" in page
    assert 'style="' not in page


@pytest.mark.parametrize("persona", ["clinic_admin", "client_a", "other_clinic_admin"])
def test_it_refuses_the_caseload_to_admins_and_clients(
    client: Client, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    assert sign_in(client, user).get("/clinic/caseload/").status_code == 403


def test_a_supervisor_sees_their_teams_clients(
    client: Client, supervisor: Any, client_a: Any, client_b: Any
) -> None:
    page = sign_in(client, supervisor).get("/clinic/caseload/").content.decode()
    assert "Alex (fictional)" in page
    assert "Blake (fictional)" not in page


def test_it_hides_other_clinicians_clients(
    client: Client, clinician: Any, client_a: Any, client_b: Any
) -> None:
    page = sign_in(client, clinician).get("/clinic/caseload/").content.decode()
    assert "Blake (fictional)" not in page


def test_it_lists_clients_with_a_risk_answer_first(
    client: Client, clinics: Any, clinician: Any
) -> None:
    calm = _client_linked(clinics, clinician, 1)
    risky = _client_linked(clinics, clinician, 2)
    _with_risk(risky, session=3)
    page = sign_in(client, clinician).get("/clinic/caseload/").content.decode()
    assert page.index(risky.person.display_name) < page.index(calm.person.display_name)
    assert "core.scoring:safety" in page
    assert "Acknowledge" in page and "Resolve" in page


def test_the_filter_shows_only_clients_with_alerts(
    client: Client, clinics: Any, clinician: Any, client_a: Any
) -> None:
    calm = _client_linked(clinics, clinician, 1)
    signed = sign_in(client, clinician)
    assert calm.person.display_name in signed.get("/clinic/caseload/").content.decode()
    page = signed.get("/clinic/caseload/?alerts=1").content.decode()
    assert calm.person.display_name not in page
    assert "Alex (fictional)" in page


def test_a_checkup_risk_answer_is_a_risk_alert_when_checkups_are_shared(
    client: Client, clinics: Any, clinician: Any
) -> None:
    sharing = _client_linked(clinics, clinician, 1, checkups=True)
    private = _client_linked(clinics, clinician, 2, checkups=False)
    for user in (sharing, private):
        mark_safety_event(
            user.person, "checkup", ["You said you have thought about ending your life."], ["self"]
        )
    page = sign_in(client, clinician).get("/clinic/caseload/?alerts=1").content.decode()
    assert "checkup:safety" in page
    assert sharing.person.display_name in page
    assert private.person.display_name not in page


def test_acknowledging_keeps_the_risk_alert_visible_and_records_who_and_when(
    client: Client, clinician: Any, client_a: Any
) -> None:
    _with_risk(client_a, session=9)
    signed = sign_in(client, clinician)
    response = signed.post(
        f"/clinic/clients/{client_a.person.pk}/alerts/",
        {"key": "risk:phq9:9", "action": "acknowledge", "note": "Called Alex", "back": "caseload"},
    )
    assert response.status_code == 302
    state = AlertState.objects.get(person=client_a.person, key="risk:phq9:9")
    assert state.acknowledged_by == clinician.membership and state.acknowledged_at is not None
    assert state.resolved_at is None
    assert AuditEvent.objects.filter(person_id=client_a.person.pk, action="acknowledge").exists()
    page = signed.get("/clinic/caseload/?alerts=1").content.decode()
    assert "Acknowledged by Ada Rivers" in page
    assert "stays here until resolved" in page


def test_resolving_moves_the_risk_alert_to_the_resolved_list(
    client: Client, clinician: Any, client_a: Any
) -> None:
    _with_risk(client_a, session=9)
    signed = sign_in(client, clinician)
    signed.post(
        f"/clinic/clients/{client_a.person.pk}/alerts/",
        {"key": "risk:phq9:9", "action": "resolve", "note": "Safety plan in place"},
    )
    state = AlertState.objects.get(person=client_a.person, key="risk:phq9:9")
    assert state.resolved_by == clinician.membership
    assert AuditEvent.objects.filter(person_id=client_a.person.pk, action="change").exists()
    page = signed.get("/clinic/caseload/").content.decode()
    resolved = page[page.index('id="resolved"') :]
    assert "Resolved by Ada Rivers" in resolved
    assert "Safety plan in place" in resolved
    # No longer open: no Acknowledge/Resolve buttons left for it.
    assert 'value="risk:phq9:9"' not in page


def test_an_unknown_alert_cannot_be_acknowledged(
    client: Client, clinician: Any, client_a: Any
) -> None:
    response = sign_in(client, clinician).post(
        f"/clinic/clients/{client_a.person.pk}/alerts/",
        {"key": "risk:phq9:99", "action": "acknowledge", "note": "kept text"},
    )
    assert response.status_code == 400
    assert b"no longer open" in response.content
    assert b"kept text" in response.content
    assert not AlertState.objects.exists()


def test_another_clinicians_client_alert_is_not_found(
    client: Client, clinician: Any, client_b: Any
) -> None:
    response = sign_in(client, clinician).post(
        f"/clinic/clients/{client_b.person.pk}/alerts/", {"key": "x", "action": "resolve"}
    )
    assert response.status_code == 404


def test_overdue_uses_the_clinics_interval(client: Client, clinician: Any, client_a: Any) -> None:
    # Alex's last PHQ-9 is from 2026-11-03; every test date is far later or the clinic's
    # interval is set so long that nothing is overdue.
    clinic = clinician.membership.clinic
    clinic.measure_every_days = 3650
    clinic.save()
    signed = sign_in(client, clinician)
    assert "alerts.yaml#overdue.grace_days" not in signed.get("/clinic/caseload/").content.decode()
    clinic.measure_every_days = 1
    clinic.save()
    assert "alerts.yaml#overdue.grace_days" in signed.get("/clinic/caseload/").content.decode()


def test_viewing_the_caseload_is_in_the_audit_log(
    client: Client, clinician: Any, client_a: Any
) -> None:
    sign_in(client, clinician).get("/clinic/caseload/")
    assert AuditEvent.objects.filter(
        person_id=client_a.person.pk, action="view", what__startswith="Caseload"
    ).exists()


# The page's fixed cost: session, user, membership, two-factor check, clinic, its models,
# links, measurements, check-up risk answers, alert states, the audit insert, and the
# site-wide context (the signed-in user's own person and safety banner).
MAX_QUERIES = 15


def _caseload_queries(signed: Client, django_assert_max_num_queries: Any, n: int) -> int:
    with django_assert_max_num_queries(MAX_QUERIES, info=f"{n} clients") as queries:
        response = signed.get("/clinic/caseload/")
    assert response.status_code == 200
    assert response.content.decode().count('class="caseload-client') == n
    return len(queries.captured_queries)


def test_the_caseload_runs_no_query_per_client(
    client: Client, clinics: Any, clinician: Any, django_assert_max_num_queries: Any
) -> None:
    first = _client_linked(clinics, clinician, 0)
    mark_safety_event(first.person, "checkup", ["reason"], ["self"])
    signed = sign_in(client, clinician)
    signed.get("/clinic/caseload/")  # fits (or records too few for) the clinic's models
    with_one = _caseload_queries(signed, django_assert_max_num_queries, 1)
    for n in range(1, 30):
        user = _client_linked(clinics, clinician, n)
        mark_safety_event(user.person, "checkup", ["reason"], ["self"])
    with_thirty = _caseload_queries(signed, django_assert_max_num_queries, 30)
    assert with_thirty == with_one


def test_a_risk_answer_at_session_0_has_its_own_identity(
    client: Client, clinician: Any, client_a: Any, client_a_at_risk: Any
) -> None:
    # Alex's first PHQ-9 (session 0) answered the safety item above 0.
    signed = sign_in(client, clinician)
    assert 'value="risk:phq9:0"' in signed.get("/clinic/caseload/").content.decode()
    signed.post(
        f"/clinic/clients/{client_a.person.pk}/alerts/",
        {"key": "risk:phq9:0", "action": "resolve", "back": "caseload"},
    )
    assert AlertState.objects.get(person=client_a.person).key == "risk:phq9:0"
    page = signed.get("/clinic/caseload/").content.decode()
    assert 'value="risk:phq9:0"' not in page
    assert 'value="risk:phq9:1"' in page


def test_a_client_with_a_risk_answer_shows_the_emergency_number_of_their_country_first(
    client: Client, clinician: Any, client_a: Any, client_a_at_risk: Any
) -> None:
    from therapycheck.core.safety import safety_response

    client_a.person.country = "US"
    client_a.person.save()
    expected = safety_response(flags=["safety"], country="US")
    page = sign_in(client, clinician).get("/clinic/caseload/").content.decode()
    entry = page[page.index(f'id="client-{client_a.person.pk}"') :]
    assert f"Emergency number in {expected.country_name}" in entry
    assert entry.index("Emergency number in") < entry.index("core.scoring:safety")


def test_a_long_caseload_is_shown_a_page_at_a_time_most_urgent_first(
    client: Any, clinician: Any, client_a: Any, clinics: Any
) -> None:
    from therapycheck.web.clinic.views import CASELOAD_PAGE_SIZE
    from therapycheck.web.sharing.models import CareLink

    for n in range(CASELOAD_PAGE_SIZE):
        user = make_client(clinics.demo, f"calm{n}@example.org", f"Calm {n:02} (fictional)")
        CareLink.objects.create(
            person=user.person,
            clinician=clinician.membership,
            status=CareLink.Status.ACTIVE,
            invited_by=CareLink.InvitedBy.CLINICIAN,
        )
    signed_in = sign_in(client, clinician)
    first = signed_in.get("/clinic/caseload/").content.decode()
    second = signed_in.get("/clinic/caseload/?page=2").content.decode()
    # Alex has alerts, so Alex leads page 1; the calm clients without any fill the rest.
    assert "Alex (fictional)" in first and "Alex (fictional)" not in second
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert "Calm 49 (fictional)" in second
