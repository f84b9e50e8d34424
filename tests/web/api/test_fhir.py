"""FHIR R4B at /fhir/: each resource validates with fhir.resources, matches the stored
record, and errors are OperationOutcomes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.web.api.helpers import bearer, token_for
from therapycheck.core.instruments import instrument_ids
from therapycheck.core.safety import CLINICIAN_HEADING, CLINICIAN_MESSAGE
from therapycheck.core.scoring import score
from therapycheck.web.tracking.models import Measurement

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]


def _fhir(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/fhir+json")
    data: dict[str, Any] = json.loads(response.content)
    # Every answer is valid FHIR R4B: its own model accepts it.
    get_fhir_model_class(data["resourceType"]).model_validate(data)
    return data


def test_the_patient_resource_validates_and_carries_the_country(
    client: Client, client_a: Any, clinician: Any
) -> None:
    pid = client_a.person.pk
    patient = _fhir(client.get(f"/fhir/Patient/{pid}", **bearer(token_for(clinician))))
    assert patient["id"] == str(pid)
    assert patient["address"] == [{"country": "GB"}]


def test_questionnaire_responses_match_the_stored_answers(
    client: Client, client_a: Any, clinician: Any
) -> None:
    pid = client_a.person.pk
    bundle = _fhir(
        client.get(f"/fhir/QuestionnaireResponse?patient={pid}", **bearer(token_for(clinician)))
    )
    assert bundle["type"] == "searchset"
    matches = [e for e in bundle["entry"] if e["search"]["mode"] == "match"]
    stored = {m.pk: m for m in Measurement.objects.filter(person=client_a.person)}
    assert bundle["total"] == len(matches) == len(stored)
    for entry in matches:
        resource = entry["resource"]
        measurement = stored[int(resource["id"])]
        assert resource["subject"]["reference"] == f"Patient/{pid}"
        assert [i["answer"][0]["valueInteger"] for i in resource["item"]] == measurement.answers
        assert entry["fullUrl"].endswith(f"/fhir/QuestionnaireResponse/{measurement.pk}")


def test_observations_carry_the_total_and_the_risk_flag(
    client: Client, client_a: Any, client_a_at_risk: Any
) -> None:
    pid = client_a.person.pk
    bundle = _fhir(client.get(f"/fhir/Observation?patient={pid}", **bearer(token_for(client_a))))
    matches = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "match"]
    totals = sorted(o["valueQuantity"]["value"] for o in matches)
    assert totals == sorted(
        Measurement.objects.filter(person=client_a.person).values_list("total", flat=True)
    )
    assert all(
        o["derivedFrom"][0]["reference"].startswith("QuestionnaireResponse/") for o in matches
    )
    flags = [c["code"] for o in matches for i in o.get("interpretation", []) for c in i["coding"]]
    assert "safety" in flags


def test_a_bundle_with_a_risk_answer_starts_with_the_crisis_resources(
    client: Client, client_a: Any, clinician: Any, client_a_at_risk: Any
) -> None:
    pid = client_a.person.pk
    bundle = _fhir(client.get(f"/fhir/Observation?patient={pid}", **bearer(token_for(clinician))))
    first = bundle["entry"][0]
    assert first["search"]["mode"] == "outcome"
    assert first["resource"]["resourceType"] == "OperationOutcome"
    text = first["resource"]["issue"][0]["diagnostics"]
    assert "Samaritans" in text and "116 123" in text
    # A clinician reads it: worded for them, with the client's crisis lines to share.
    assert CLINICIAN_HEADING in text and CLINICIAN_MESSAGE in text


def test_a_client_reading_their_own_bundle_is_spoken_to_directly(
    client: Client, client_a: Any, client_a_at_risk: Any
) -> None:
    pid = client_a.person.pk
    bundle = _fhir(client.get(f"/fhir/Observation?patient={pid}", **bearer(token_for(client_a))))
    text = bundle["entry"][0]["resource"]["issue"][0]["diagnostics"]
    assert "Samaritans" in text and CLINICIAN_HEADING not in text


def test_a_bundle_without_risk_answers_has_no_outcome(client: Client, client_b: Any) -> None:
    Measurement.objects.filter(person=client_b.person).delete()
    bundle = _fhir(
        client.get(f"/fhir/Observation?patient={client_b.person.pk}", **bearer(token_for(client_b)))
    )
    assert bundle["total"] == 0
    assert "entry" not in bundle
    Bundle.model_validate(bundle)


def test_every_instrument_is_a_questionnaire(client: Client, client_b: Any) -> None:
    token = token_for(client_b)
    bundle = _fhir(client.get("/fhir/Questionnaire", **bearer(token)))
    ids = [e["resource"]["id"] for e in bundle["entry"]]
    assert ids == [i.replace("_", "-") for i in instrument_ids()]
    wai = _fhir(client.get("/fhir/Questionnaire/wai-sr", **bearer(token)))
    assert len(wai["item"]) == 12
    phq9 = _fhir(client.get("/fhir/Questionnaire/phq9", **bearer(token)))
    assert phq9["code"][0]["code"] == "44249-1"


def test_a_practitioner_is_the_clinicians_name(
    client: Client, client_a: Any, clinician: Any
) -> None:
    practitioner = _fhir(
        client.get(f"/fhir/Practitioner/{clinician.membership.pk}", **bearer(token_for(client_a)))
    )
    assert practitioner["name"] == [{"text": "Ada Rivers"}]


def test_single_resources_read_back_with_their_ids(client: Client, client_a: Any) -> None:
    token = token_for(client_a)
    m = Measurement.objects.filter(person=client_a.person).first()
    assert m is not None
    response = _fhir(client.get(f"/fhir/QuestionnaireResponse/{m.pk}", **bearer(token)))
    observation = _fhir(client.get(f"/fhir/Observation/{m.pk}", **bearer(token)))
    assert response["id"] == observation["id"] == str(m.pk)
    assert observation["valueQuantity"]["value"] == m.total


@pytest.mark.parametrize(
    "path",
    [
        "/fhir/Patient/999999",
        "/fhir/Patient/abc",
        "/fhir/Questionnaire/nope",
        "/fhir/Practitioner/0",
        "/fhir/Observation/99999999999999999999999",
        "/fhir/QuestionnaireResponse?patient=999999",
    ],
)
def test_not_found_is_an_operation_outcome_with_404(
    client: Client, client_a: Any, path: str
) -> None:
    response = client.get(path, **bearer(token_for(client_a)))
    assert response.status_code == 404
    outcome = _fhir(response)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "not-found"


def test_a_search_without_a_patient_is_refused_clearly(client: Client, client_a: Any) -> None:
    response = client.get("/fhir/Observation", **bearer(token_for(client_a)))
    assert response.status_code == 400
    assert "patient=" in _fhir(response)["issue"][0]["diagnostics"]


def test_fhir_needs_the_fhir_scope_and_is_read_only(client: Client, client_a: Any) -> None:
    without = token_for(client_a, ["measures:read"])
    response = client.get("/fhir/Questionnaire", **bearer(without))
    assert response.status_code == 403
    assert _fhir(response)["issue"][0]["code"] == "forbidden"
    anonymous = client.get("/fhir/Questionnaire")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Bearer")
    written = client.post(f"/fhir/Patient/{client_a.person.pk}", {}, **bearer(token_for(client_a)))
    assert written.status_code == 405


def test_a_revoked_token_is_refused_by_fhir_too(client: Client, client_a: Any) -> None:
    from django.utils import timezone

    from therapycheck.web.api.models import ApiToken

    secret = token_for(client_a)
    ApiToken.objects.update(revoked_at=timezone.now())
    response = client.get(f"/fhir/Patient/{client_a.person.pk}", **bearer(secret))
    assert response.status_code == 401
    assert "revoked" in _fhir(response)["issue"][0]["diagnostics"]


def test_the_capability_statement_is_public_and_lists_what_can_be_read(client: Client) -> None:
    statement = _fhir(client.get("/fhir/metadata"))
    assert statement["fhirVersion"] == "4.3.0"
    kinds = {r["type"] for r in statement["rest"][0]["resource"]}
    assert kinds == {
        "Patient",
        "Practitioner",
        "Questionnaire",
        "QuestionnaireResponse",
        "Observation",
        "Schedule",
        "Slot",
        "Appointment",
    }
    searches = {
        r["type"]: {p["name"] for p in r.get("searchParam", [])}
        for r in statement["rest"][0]["resource"]
    }
    assert searches["Slot"] == {"schedule"}
    assert searches["Appointment"] == {"practitioner", "patient"}


@given(data=st.data())
@settings(max_examples=150, deadline=None, database=None)
def test_any_scored_measure_becomes_valid_fhir(data: st.DataObject) -> None:
    from therapycheck.core.instruments import get_instrument
    from therapycheck.web.api import fhir_resources as res
    from therapycheck.web.tracking.services import _scored_fields

    instrument = get_instrument(data.draw(st.sampled_from(instrument_ids())))
    answers = [
        data.draw(st.integers(*instrument.item_range(n)))
        for n in range(1, len(instrument.items) + 1)
    ]
    fields = _scored_fields(score(instrument, answers))
    measurement = Measurement(
        pk=data.draw(st.integers(1, 2**40)),
        person_id=7,
        instrument=instrument.id,
        session_number=data.draw(st.integers(0, 1000)),
        taken_on=data.draw(st.dates()),
        **fields,
    )
    response = res.validated(res.questionnaire_response(measurement))
    observation = res.validated(res.observation(measurement))
    assert [i["answer"][0]["valueInteger"] for i in response["item"]] == answers
    assert observation["valueQuantity"]["value"] == measurement.total
    assert observation["subject"] == response["subject"] == {"reference": "Patient/7"}
