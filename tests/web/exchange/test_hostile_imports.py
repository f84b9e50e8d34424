"""Imports a clumsy user or an attacker might send: a clear refusal, never a server error.

Each record of an import passes the same checks as the form a person would type it into
(dates, session numbers, feelings, homework, text lengths); a check-up's stored result
passes the typed reader or is left out with a note. A fuzz test sends random files to the
import endpoint: every answer is a page, never a 500, and nothing half-saved.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from therapycheck.interop import export_bundle
from therapycheck.interop._instruments import scored_measurement
from therapycheck.interop.fhir import CS_RECORD
from therapycheck.interop.records import CheckupRecord, ExchangeRecords, JournalRecord
from therapycheck.web.accounts.models import Person
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.tracking.models import NOTES_MAX_LENGTH, JournalEntry, Measurement

from .conftest import snapshot

pytestmark = pytest.mark.django_db

STARTED = dt.datetime(2026, 1, 7, 9, 30, tzinfo=dt.UTC)


def bundle(**parts: Any) -> dict[str, Any]:
    """A valid export holding one PHQ-9, one journal entry and one finished check-up."""
    records = ExchangeRecords(
        measurements=(scored_measurement("phq9", (1,) * 9, dt.date(2026, 1, 5), 1),),
        journal=(JournalRecord(date=dt.date(2026, 1, 5), session_number=1, feeling_before=4),),
        checkups=(
            CheckupRecord(
                status="completed",
                answers={"answers": {"sessions": 1}},
                result={"findings": [{"factor": "too_early", "severity": "low"}]},
                started_at=STARTED,
                completed_at=STARTED + dt.timedelta(minutes=9),
            ),
        ),
        **parts,
    )
    return export_bundle(records)


def resources(document: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == kind]


def journal_of(document: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in resources(document, "Observation") if "component" in r)


def upload(client: Client, data: bytes | str, name: str = "export.json") -> Any:
    raw = data.encode() if isinstance(data, str) else data
    return client.post("/data/import/", {"file": SimpleUploadedFile(name, raw)})


def refused(client: Client, data: bytes | str, *words: str, name: str = "export.json") -> str:
    response = upload(client, data, name)
    page = response.content.decode()
    assert response.status_code == 400, page[:400]
    assert "We could not import that file" in page
    for word in words:
        assert word in page
    return page


def with_checkup_payload(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    reference = resources(changed, "DocumentReference")[0]
    attachment = reference["content"][0]["attachment"]
    payload = json.loads(base64.b64decode(attachment["data"]))
    payload.update(changes)
    attachment["data"] = base64.b64encode(json.dumps(payload).encode()).decode()
    return changed


def test_a_file_nested_thousands_deep_is_refused_calmly(client: Client, person: Person) -> None:
    refused(client, '{"resourceType": "Bundle", "entry": ' + "[" * 50_000 + "]" * 50_000 + "}")


def test_extensions_nested_in_extensions_are_refused_calmly(client: Client, person: Person) -> None:
    document = bundle()
    resources(document, "Patient")[0]["extension"] = "NESTED"
    depth = 3000  # written by hand: json.dumps itself stops at this depth
    nested = '{"url": "https://example.org/x", "extension": [' * depth
    nested += '{"url": "https://example.org/x", "valueString": "deep"}' + "]}" * depth
    refused(client, json.dumps(document).replace('"NESTED"', f"[{nested}]"))


@pytest.mark.parametrize("digits", ["9" * 5000, "1" + "0" * 400])
def test_a_number_with_thousands_of_digits_is_refused_calmly(
    client: Client, person: Person, digits: str
) -> None:
    text = json.dumps(bundle()).replace('"valueInteger": 1', f'"valueInteger": {digits}', 1)
    refused(client, text)


@pytest.mark.parametrize("session", ["²", "١٢", "9" * 5000, "1_000", "+3"])
def test_a_csv_session_in_odd_digits_is_a_named_bad_row(
    client: Client, person: Person, session: str
) -> None:
    csv = f"session,instrument,date,item_1,item_2\n{session},gad2,2026-01-05,1,2\n"
    refused(client, csv.encode(), "line 2", "not a whole number", name="m.csv")


@pytest.mark.parametrize("score", ["nan", "inf", "-inf", "1e400"])
def test_a_csv_score_that_is_not_a_number_is_a_named_bad_row(
    client: Client, person: Person, score: str
) -> None:
    csv = f"session,instrument,score,date,item_1,item_2\n1,gad2,{score},2026-01-05,1,2\n"
    refused(client, csv.encode(), "line 2", "not a number", name="m.csv")


@pytest.mark.parametrize(
    ("date", "words"),
    [("2999-01-05", "cannot be in the future"), ("0001-01-05", "check the year")],
)
def test_dates_the_forms_refuse_are_refused_on_import_too(
    client: Client, person: Person, date: str, words: str
) -> None:
    csv = f"session,instrument,date,item_1,item_2\n1,gad2,{date},1,2\n"
    refused(client, csv.encode(), words, name="m.csv")
    document = bundle()
    journal_of(document)["effectiveDateTime"] = date
    refused(client, json.dumps(document), "journal entry", words)


def test_a_session_sent_as_true_is_not_session_one(client: Client, person: Person) -> None:
    document = bundle()
    resources(document, "QuestionnaireResponse")[0]["extension"][0]["valueInteger"] = True
    refused(client, json.dumps(document), "session number must be a whole number")


def test_a_session_above_the_last_one_the_forms_take_is_refused(
    client: Client, person: Person
) -> None:
    document = bundle()
    resources(document, "QuestionnaireResponse")[0]["extension"][0]["valueInteger"] = 5000
    refused(client, json.dumps(document), "session number", "less than or equal to 1000")


def test_a_feeling_sent_as_text_is_refused_not_dropped(client: Client, person: Person) -> None:
    document = bundle()
    component = journal_of(document)["component"][0]
    component.pop("valueInteger")
    component["valueString"] = "4"
    refused(client, json.dumps(document), "feeling_before", "valueInteger")


def test_a_feeling_outside_the_scale_is_refused_like_the_form_does(
    client: Client, person: Person
) -> None:
    document = bundle()
    journal_of(document)["component"][0]["valueInteger"] = 11
    refused(client, json.dumps(document), "journal entry", "less than or equal to 10")


def test_journal_codes_are_read_in_both_spellings(client: Client, person: Person) -> None:
    document = bundle()
    journal_of(document)["component"][0]["code"] = {
        "coding": [{"system": CS_RECORD, "code": "feeling-before"}]
    }
    assert upload(client, json.dumps(document)).status_code == 200
    client.post("/data/import/confirm/")
    assert JournalEntry.objects.get(person=person).feeling_before == 4


def test_journal_text_over_the_forms_limit_is_refused(client: Client, person: Person) -> None:
    document = bundle()
    journal_of(document)["component"].append(
        {"code": {"coding": [{"system": CS_RECORD, "code": "notes"}]}, "valueString": "x" * 10001}
    )
    refused(client, json.dumps(document), "notes", f"at most {NOTES_MAX_LENGTH}")


@pytest.mark.parametrize(
    "started", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "2999-01-01T00:00:00Z"]
)
def test_an_extreme_time_on_a_check_up_is_refused_calmly(
    client: Client, person: Person, started: str
) -> None:
    refused(client, json.dumps(with_checkup_payload(bundle(), started_at=started)), "check-up")


def test_a_check_up_with_a_malformed_result_is_left_out_with_a_note(
    client: Client, person: Person
) -> None:
    malformed = {"findings": [{"factor": ["x"], "severity": "low"}], "safety": {"crisis": 1}}
    document = with_checkup_payload(bundle(), result=malformed)
    preview = upload(client, json.dumps(document)).content.decode()
    assert "Left out the check-up started 2026-01-07 09:30" in preview
    assert "not readable" in preview
    client.post("/data/import/confirm/")
    assert Checkup.objects.filter(person=person).count() == 0
    assert Measurement.objects.filter(person=person).count() == 1  # the rest came in
    assert client.get("/checkup/").status_code == 200


def test_a_finished_check_up_without_a_result_is_left_out(client: Client, person: Person) -> None:
    document = with_checkup_payload(bundle(), result=None)
    assert "Left out the check-up" in upload(client, json.dumps(document)).content.decode()


# --- fuzz ------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
PATHS_LIST = (
    ("QuestionnaireResponse", "authored"),
    ("QuestionnaireResponse", "extension"),
    ("QuestionnaireResponse", "item"),
    ("Observation", "component"),
    ("Observation", "effectiveDateTime"),
    ("Observation", "extension"),
    ("DocumentReference", "content"),
    ("Patient", "address"),
    ("Bundle", "entry"),
)
PATHS = st.sampled_from(PATHS_LIST)


@st.composite
def hostile_files(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["mutated", "json", "bytes", "csv"]))
    if kind == "bytes":
        return draw(st.binary(min_size=1, max_size=200))
    if kind == "json":
        return json.dumps(draw(JSON)).encode()
    if kind == "csv":
        cells = st.text(alphabet="0123456789-.,²١naT:Z gad2phq", max_size=12)
        rows = draw(st.lists(st.lists(cells, min_size=5, max_size=5), min_size=1, max_size=4))
        body = "\n".join(",".join(row) for row in rows)
        return f"session,instrument,date,item_1,item_2\n{body}\n".encode()
    document = bundle()
    found = {kind: resources(document, kind) for kind, _ in PATHS_LIST if kind != "Bundle"}
    for _ in range(draw(st.integers(1, 3))):
        kind_name, key = draw(PATHS)
        targets = [document] if kind_name == "Bundle" else found[kind_name]
        target = draw(st.sampled_from(targets))
        target[key] = draw(JSON)
    return json.dumps(document).encode()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=hostile_files())
def test_no_file_makes_the_import_fail_with_a_server_error(
    client: Client, person: Person, data: bytes
) -> None:
    before = snapshot(person)
    response = upload(client, data)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        confirmed = client.post("/data/import/confirm/")
        assert confirmed.status_code in (302, 400)
        assert client.get("/checkup/").status_code == 200
        assert client.get("/report/").status_code == 200
        client.post("/data/delete/", {"confirm": "on"})
    else:
        assert snapshot(person) == before
