"""Measures through the API: scored by core.scoring, risk answers answered with crisis
resources for the person's country first, bad input refused clearly, nothing half-saved."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.web.api.helpers import bearer, token_for
from tests.web.clinic_personas import make_client, sign_in
from therapycheck.core.safety import CLINICIAN_HEADING, CLINICIAN_MESSAGE, crisis_resources
from therapycheck.core.scoring import score
from therapycheck.web.accounts.models import SafetyEvent
from therapycheck.web.tracking.models import Measurement

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]


def _post(client: Client, token: str, body: dict[str, Any]) -> Any:
    return client.post("/api/v1/measures", body, content_type="application/json", **bearer(token))


def test_a_posted_measure_is_scored_by_the_core(client: Client, client_b: Any) -> None:
    answers = [2, 1, 0, 3, 1, 2, 0]
    response = _post(
        client, token_for(client_b), {"instrument": "gad7", "answers": answers, "session_number": 4}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["safety"] is None
    expected = score("gad7", answers)
    assert body["measure"]["total"] == expected.total
    assert body["measure"]["band"] == expected.band.label
    saved = Measurement.objects.get(pk=body["measure"]["id"])
    assert saved.person == client_b.person
    assert saved.answers == answers


def test_a_risk_answer_returns_crisis_resources_for_the_persons_country_first(
    client: Client, clinics: Any
) -> None:
    user = make_client(clinics.demo, "casey@example.org", "Casey (fictional)", country="US")
    answers = [0] * 8 + [1]
    response = _post(
        client, token_for(user), {"instrument": "phq9", "answers": answers, "session_number": 1}
    )
    assert response.status_code == 201
    body = json.loads(response.content)
    assert next(iter(body)) == "safety"
    assert body["safety"]["crisis"] is True
    assert body["safety"]["country"] == "US"
    us_lines = {r.contact for r in crisis_resources("US")}
    assert {r["contact"] for r in body["safety"]["resources"]} <= us_lines
    assert any("988" in r["contact"] for r in body["safety"]["resources"])
    assert "question 9" in body["safety"]["reasons"][0]
    assert body["measure"]["flags"] == ["safety"]
    # The crisis banner is raised as on the web (mark_safety_event).
    event = SafetyEvent.objects.get(person=user.person)
    assert event.source == "measurement:phq9"
    banner = sign_in(Client(), user).get("/measures/")
    assert b"988" in banner.content


def test_reading_measures_with_a_risk_answer_puts_safety_first(
    client: Client, client_a: Any, client_a_at_risk: Any
) -> None:
    body = json.loads(client.get("/api/v1/measures", **bearer(token_for(client_a))).content)
    assert next(iter(body)) == "safety"
    assert body["safety"]["country"] == "GB"
    assert any(r["name"] == "Samaritans" for r in body["safety"]["resources"])


def test_a_client_without_risk_answers_gets_no_safety_object(client: Client, clinics: Any) -> None:
    user = make_client(clinics.demo, "dee@example.org", "Dee (fictional)")
    token = token_for(user)
    assert (
        _post(
            client, token, {"instrument": "phq9", "answers": [1] * 8 + [0], "session_number": 1}
        ).status_code
        == 201
    )
    body = client.get("/api/v1/measures", **bearer(token)).json()
    assert body["safety"] is None
    assert [m["total"] for m in body["measures"]] == [8]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"instrument": "phq9", "answers": [1] * 8, "session_number": 3}, "needs 9 answers"),
        ({"instrument": "phq9", "answers": [1] * 8 + [4], "session_number": 3}, "out of range"),
        ({"instrument": "wai_sr", "answers": [0] * 12, "session_number": 3}, "out of range"),
        ({"instrument": "nope", "answers": [1], "session_number": 3}, "not a questionnaire"),
        ({"instrument": "phq9", "answers": [1] * 9, "session_number": -1}, "session_number"),
        ({"instrument": "phq9", "answers": "111111111", "session_number": 3}, "answers"),
        (
            {
                "instrument": "phq9",
                "answers": [1] * 9,
                "session_number": 3,
                "taken_on": "2999-01-01",
            },
            "future",
        ),
    ],
)
def test_bad_answers_get_422_with_a_clear_message_and_nothing_is_saved(
    client: Client, client_b: Any, body: dict[str, Any], message: str
) -> None:
    before = Measurement.objects.count()
    response = _post(client, token_for(client_b), body)
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert response.json()["errors"]
    assert Measurement.objects.count() == before


def test_a_second_measure_for_the_same_session_gets_409(client: Client, client_b: Any) -> None:
    token = token_for(client_b)
    body = {"instrument": "phq9", "answers": [0] * 9, "session_number": 2}
    response = _post(client, token, body)
    assert response.status_code == 409
    assert "session 2" in response.json()["detail"]
    assert Measurement.objects.filter(person=client_b.person, session_number=2).count() == 1


def test_a_check_up_result_is_read_back_as_stored(client: Client, client_b: Any) -> None:
    from django.utils import timezone

    from therapycheck.web.checkups.models import Checkup

    result = {
        "findings": [{"factor": "goals", "severity": "medium", "why": ["Goals unclear."]}],
        "safety": {"crisis": False},
    }
    now = timezone.now()
    Checkup.objects.create(
        person=client_b.person,
        status="completed",
        started_at=now,
        updated_at=now,
        completed_at=now,
        result=result,
    )
    Checkup.objects.create(
        person=client_b.person,
        status="completed",
        started_at=now,
        updated_at=now,
        completed_at=now,
        result={"findings": "unreadable"},
    )
    body = client.get("/api/v1/checkups", **bearer(token_for(client_b))).json()
    assert body["safety"] is None
    readable = [c for c in body["checkups"] if c["result_readable"]]
    assert [c["result"]["findings"][0]["factor"] for c in readable] == ["goals"]
    assert [c["result"] for c in body["checkups"] if not c["result_readable"]] == [None]


def test_a_check_up_with_a_risk_answer_puts_safety_first(client: Client, client_a: Any) -> None:
    from django.utils import timezone

    from therapycheck.web.checkups.models import Checkup

    now = timezone.now()
    Checkup.objects.create(
        person=client_a.person,
        status="completed",
        started_at=now,
        updated_at=now,
        completed_at=now,
        result={"safety": {"crisis": True, "reasons": ["You said you are not safe at home."]}},
    )
    body = json.loads(client.get("/api/v1/checkups", **bearer(token_for(client_a))).content)
    assert next(iter(body)) == "safety"
    assert body["safety"]["crisis"] is True
    assert body["safety"]["reasons"] == ["You said you are not safe at home."]
    assert body["safety"]["country"] == "GB"


def test_the_caseload_puts_a_risk_clients_crisis_resources_first(
    client: Client, client_a: Any, clinician: Any, client_a_at_risk: Any
) -> None:
    body = client.get("/api/v1/caseload", **bearer(token_for(clinician))).json()
    row = body["clients"][0]
    assert next(iter(row)) == "safety"
    assert row["has_risk"] is True
    assert row["safety"]["country"] == "GB"
    assert row["alerts"][0]["kind"] == "risk"
    assert {s["instrument"] for s in row["series"]} == {"phq9"}


def test_a_client_reading_their_own_risk_answer_is_spoken_to_directly(
    client: Client, client_a: Any, client_a_at_risk: Any
) -> None:
    own = client.get("/api/v1/measures", **bearer(token_for(client_a))).json()["safety"]
    assert own["audience"] == "client"
    assert own["steps"]  # what to do now, addressed to the person
    assert own["heading"] != CLINICIAN_HEADING


def test_a_clinician_reading_a_clients_risk_answer_gets_words_for_a_clinician(
    client: Client, client_a: Any, clinician: Any, client_a_at_risk: Any
) -> None:
    token = token_for(clinician)
    pid = client_a.person.pk
    measures = client.get(f"/api/v1/clients/{pid}/measures", **bearer(token)).json()["safety"]
    caseload = client.get("/api/v1/caseload", **bearer(token)).json()["clients"][0]["safety"]
    for safety in (measures, caseload):
        assert safety["audience"] == "clinician"
        assert safety["heading"] == CLINICIAN_HEADING
        assert safety["message"] == CLINICIAN_MESSAGE
        assert safety["steps"] == []
        # The client's own crisis lines stay, to share with them.
        assert any(r["name"] == "Samaritans" for r in safety["resources"])


def test_a_crisis_check_up_that_found_misconduct_never_sends_the_client_to_that_therapist(
    client: Client, client_a: Any
) -> None:
    from django.utils import timezone

    from therapycheck.web.checkups.models import Checkup

    now = timezone.now()
    Checkup.objects.create(
        person=client_a.person,
        status="completed",
        started_at=now,
        updated_at=now,
        completed_at=now,
        result={
            "safety": {"crisis": True, "reasons": ["You said you might act on thoughts."]},
            "findings": [{"factor": "boundary_violation", "severity": "urgent"}],
        },
    )
    safety = client.get("/api/v1/checkups", **bearer(token_for(client_a))).json()["safety"]
    assert safety["crisis"] is True and safety["steps"]
    assert not any("therapist" in step.lower() for step in safety["steps"])
