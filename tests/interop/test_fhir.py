"""FHIR R4B export/import of a person's records."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from therapycheck.interop.fhir import (
    CS_FLAG,
    EXT_SESSION,
    LOINC,
    export_bundle,
    import_bundle,
)
from therapycheck.interop.records import ExchangeError, ExchangeRecords, JournalRecord


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _codes(concept: dict[str, Any], system: str) -> set[str]:
    return {c["code"] for c in concept.get("coding", []) if c.get("system") == system}


def _total_observation(bundle: dict[str, Any], instrument: str) -> list[dict[str, Any]]:
    return [
        o
        for o in _resources(bundle, "Observation")
        if instrument in {c["code"] for c in o["code"]["coding"]}
    ]


def test_export_then_import_gives_the_same_records(records: ExchangeRecords) -> None:
    assert import_bundle(export_bundle(records)) == records


def test_the_round_trip_survives_serialising_to_json_text(records: ExchangeRecords) -> None:
    text = json.dumps(export_bundle(records))
    assert import_bundle(text.encode("utf-8")) == records


def test_an_empty_export_round_trips(records: ExchangeRecords) -> None:
    empty = ExchangeRecords()
    assert import_bundle(export_bundle(empty)) == empty


def test_the_export_validates_as_a_fhir_r4b_collection_bundle(records: ExchangeRecords) -> None:
    bundle = export_bundle(records)
    model = Bundle.model_validate(bundle)
    assert model.type == "collection"
    # 1 Patient + 3 Questionnaires + 5 x (response + total) + 2 journal + 2 check-ups + note
    assert len(model.entry) == 1 + 3 + 10 + 2 + 2 + 1


def test_phq9_and_gad7_totals_carry_their_loinc_codes(records: ExchangeRecords) -> None:
    """LOINC 44261-6 (PHQ-9 total score) and 70274-6 (GAD-7 total score), per loinc.org."""
    bundle = export_bundle(records)
    phq9 = _total_observation(bundle, "phq9")
    gad7 = _total_observation(bundle, "gad7")
    assert len(phq9) == 2 and len(gad7) == 2
    assert all(_codes(o["code"], LOINC) == {"44261-6"} for o in phq9)
    assert all(_codes(o["code"], LOINC) == {"70274-6"} for o in gad7)
    assert [o["valueQuantity"]["value"] for o in phq9] == [14, 9]  # 2x6 + 1 + 1 + 0; 7 + 0 + 2


def test_questionnaires_carry_the_loinc_panel_codes(records: ExchangeRecords) -> None:
    """LOINC panels 44249-1 (PHQ-9) and 69737-5 (GAD-7), per loinc.org."""
    found = _resources(export_bundle(records), "Questionnaire")
    questionnaires = {q["url"].rsplit("/", 1)[-1]: q for q in found}
    assert _codes({"coding": questionnaires["phq9"]["code"]}, LOINC) == {"44249-1"}
    assert _codes({"coding": questionnaires["gad7"]["code"]}, LOINC) == {"69737-5"}
    assert len(questionnaires["phq9"]["item"]) == 9


def test_every_measurement_keeps_its_date_and_session(records: ExchangeRecords) -> None:
    bundle = export_bundle(records)
    responses = _resources(bundle, "QuestionnaireResponse")
    assert [r["authored"] for r in responses] == [
        m.taken_on.isoformat() for m in records.measurements
    ]
    sessions = [
        next((x["valueInteger"] for x in r.get("extension", []) if x["url"] == EXT_SESSION), None)
        for r in responses
    ]
    assert sessions == [1, 1, 2, 2, None]
    totals = _resources(bundle, "Observation")[:5]
    assert all(o["effectiveDateTime"] for o in totals)


def test_the_patient_carries_no_identity(records: ExchangeRecords) -> None:
    (patient,) = _resources(export_bundle(records), "Patient")
    assert not {"name", "identifier", "birthDate", "telecom", "gender"} & set(patient)
    assert patient["address"] == [{"country": "GB"}]


def test_a_safety_flagged_measurement_is_exported_intact(records: ExchangeRecords) -> None:
    bundle = export_bundle(records)
    flagged = [m for m in records.measurements if "safety" in m.flags]
    assert len(flagged) == 1
    item9 = [
        r["item"][8]["answer"][0]["valueInteger"]
        for r in _resources(bundle, "QuestionnaireResponse")
        if r["authored"] == "2025-01-13" and r["questionnaire"].endswith("phq9")
    ]
    assert item9 == [2]
    (observation,) = [
        o for o in _total_observation(bundle, "phq9") if o["effectiveDateTime"] == "2025-01-13"
    ]
    flags = {
        c["code"]
        for i in observation["interpretation"]
        for c in i["coding"]
        if c["system"] == CS_FLAG
    }
    assert flags == {"safety"}


def test_a_total_written_into_the_file_is_not_trusted(records: ExchangeRecords) -> None:
    bundle = export_bundle(records)
    for observation in _total_observation(bundle, "phq9"):
        observation["valueQuantity"]["value"] = 0
        observation.pop("interpretation", None)
    back = import_bundle(bundle)
    assert [m.total for m in back.measurements] == [m.total for m in records.measurements]
    assert "safety" in back.measurements[2].flags


def _bad(bundle: dict[str, Any], change: Any) -> str:
    changed = copy.deepcopy(bundle)
    change(changed)
    with pytest.raises(ExchangeError) as caught:
        import_bundle(changed)
    return str(caught.value)


def _first_response(bundle: dict[str, Any]) -> dict[str, Any]:
    return _resources(bundle, "QuestionnaireResponse")[0]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"this is not json", "not valid JSON"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not text"),
        (b"[1, 2, 3]", "not a FHIR resource"),
        (b'{"resourceType": "Patient"}', "not a FHIR Bundle (it has a Patient)"),
        (b'{"hello": 1}', "no resourceType"),
    ],
)
def test_a_file_that_is_not_a_bundle_is_named(data: bytes, words: str) -> None:
    with pytest.raises(ExchangeError, match=words.replace("(", r"\(").replace(")", r"\)")):
        import_bundle(data)


def test_an_unknown_questionnaire_is_named(records: ExchangeRecords) -> None:
    def change(b: dict[str, Any]) -> None:
        _first_response(b)["questionnaire"] = "https://therapycheck.org/fhir/Questionnaire/xyz9"

    message = _bad(export_bundle(records), change)
    assert "unknown questionnaire 'xyz9'" in message
    assert "QuestionnaireResponse" in message


def test_a_missing_answer_is_named(records: ExchangeRecords) -> None:
    def change(b: dict[str, Any]) -> None:
        del _first_response(b)["item"][3]

    assert "no answer to question 4" in _bad(export_bundle(records), change)


def test_an_answer_outside_the_scale_is_refused(records: ExchangeRecords) -> None:
    def change(b: dict[str, Any]) -> None:
        _first_response(b)["item"][0]["answer"][0]["valueInteger"] = 7

    assert "answers are not valid" in _bad(export_bundle(records), change)


def test_a_resource_that_breaks_fhir_names_its_entry(records: ExchangeRecords) -> None:
    def change(b: dict[str, Any]) -> None:
        b["entry"][0]["resource"]["active"] = "sometimes"

    message = _bad(export_bundle(records), change)
    assert message.startswith("the Bundle is not valid FHIR R4B: entry 1 (Patient)")


def test_a_date_without_a_day_is_refused(records: ExchangeRecords) -> None:
    def change(b: dict[str, Any]) -> None:
        _first_response(b)["authored"] = "2025-01"

    assert "needs a full date" in _bad(export_bundle(records), change)


def test_resources_we_do_not_use_are_left_out_with_a_note(records: ExchangeRecords) -> None:
    bundle = export_bundle(records)
    bundle["entry"].append(
        {
            "fullUrl": "urn:uuid:0b6f1e4e-3b8c-4b8a-9a53-1b2c3d4e5f60",
            "resource": {"resourceType": "Condition", "subject": {"reference": "Patient/x"}},
        }
    )
    back = import_bundle(bundle)
    assert back == records
    assert back.notes == ("Left out resources this app does not use: 1 Condition.",)


def test_journal_text_of_only_no_break_spaces_exports_as_empty() -> None:
    odd = ExchangeRecords(journal=(JournalRecord(date=dt.date(2025, 1, 1), notes="\xa0\u2003"),))
    back = import_bundle(export_bundle(odd))
    assert back.journal[0].notes == ""
