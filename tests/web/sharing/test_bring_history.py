"""Bringing personal-mode history into a clinic account, and taking everything out.

The "Your data" pages (/data/, web/exchange) act on the signed-in client in clinic mode;
these tests check they touch that client's records and nobody else's.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.web.clinic_personas import make_client, sign_in
from therapycheck.interop import export_bundle
from therapycheck.web.accounts.current import personal_person
from therapycheck.web.accounts.models import Person
from therapycheck.web.audit.log import record
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.clinic import access
from therapycheck.web.exchange.convert import records_for
from therapycheck.web.sharing.models import CareLink
from therapycheck.web.tracking.models import JournalEntry, Measurement
from therapycheck.web.tracking.services import save_measurement

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]


@pytest.fixture
def personal_export(db: Any) -> bytes:
    """A FHIR export made by personal mode's own export service: 3 PHQ-9s (sessions 20-22,
    which client_a has not used), 1 journal entry."""
    person = personal_person()
    for session, answers in enumerate(([3] * 8 + [0], [2] * 8 + [0], [1] * 8 + [0]), start=20):
        save_measurement(
            person,
            "phq9",
            answers,
            session_number=session,
            taken_on=dt.date(2025, 3, 1) + dt.timedelta(weeks=session),
        )
    JournalEntry.objects.create(
        person=person, session_number=21, entry_date=dt.date(2025, 3, 15), topics="From home"
    )
    return json.dumps(export_bundle(records_for(person))).encode()


def import_file(client: Client, data: bytes) -> Any:
    upload = SimpleUploadedFile("therapycheck.fhir.json", data, content_type="application/json")
    preview = client.post("/data/import/", {"file": upload})
    assert preview.status_code == 200, preview.content
    return client.post("/data/import/confirm/")


def test_a_client_brings_their_personal_history_into_their_clinic_account(
    client: Client, clinics: Any, client_b: Any, personal_export: bytes
) -> None:
    user = make_client(clinics.demo, "new.client@example.org", "New (fictional)")
    before_b = Measurement.objects.filter(person=client_b.person).count()
    response = import_file(sign_in(client, user), personal_export)
    assert response.status_code == 302
    assert Measurement.objects.filter(person=user.person, instrument="phq9").count() == 3
    assert JournalEntry.objects.get(person=user.person).topics == "From home"
    # The personal-mode person and the other client are untouched.
    assert Measurement.objects.filter(person=personal_person()).count() == 3
    assert Measurement.objects.filter(person=client_b.person).count() == before_b


def test_imported_history_is_shared_only_as_the_client_chose(
    client: Client, client_a: Any, clinician: Any, personal_export: bytes
) -> None:
    before = Measurement.objects.filter(person=client_a.person).count()
    import_file(sign_in(client, client_a), personal_export)
    assert Measurement.objects.filter(person=client_a.person).count() == before + 3
    # Measures are shared through A's link; the imported journal entry was not picked.
    assert access.can_see(clinician, client_a.person, "measures")
    shared = access.shared_journal_entries(clinician, client_a.person)
    assert not shared.filter(topics="From home").exists()


def test_a_client_exports_only_their_own_records(
    client: Client, client_a: Any, client_b: Any
) -> None:
    response = sign_in(client, client_a).get("/data/export/fhir/")
    assert response.status_code == 200
    text = response.content.decode()
    bundle = json.loads(text)
    responses = [
        entry
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    assert len(responses) == Measurement.objects.filter(person=client_a.person).count()
    assert "PRIVATE NOTE" in text  # A's own private journal entry is A's to take
    csv_zip = client.get("/data/export/csv/")
    assert csv_zip.status_code == 200
    other = sign_in(Client(), client_b).get("/data/export/fhir/").content.decode()
    assert "PRIVATE NOTE" not in other


def test_an_export_imports_back_into_the_same_account_without_duplicates(
    client: Client, client_a: Any
) -> None:
    before = Measurement.objects.filter(person=client_a.person).count()
    exported = sign_in(client, client_a).get("/data/export/fhir/").content
    import_file(client, exported)
    assert Measurement.objects.filter(person=client_a.person).count() == before


def test_delete_all_removes_only_the_clients_own_records(
    client: Client, client_a: Any, client_b: Any, clinician: Any, personal_export: bytes
) -> None:
    record(None, client_a.person, "view", "measures", user=clinician)
    b_measures = Measurement.objects.filter(person=client_b.person).count()
    sign_in(client, client_a)
    assert client.get("/data/delete/").status_code == 200
    response = client.post("/data/delete/", {"confirm": "on"})
    assert response.status_code == 302
    person = Person.objects.get(pk=client_a.person.pk)  # kept: it ties the login to the data
    assert not Measurement.objects.filter(person=person).exists()
    assert not JournalEntry.objects.filter(person=person).exists()
    # Sharing ends with the data: the clinician sees nothing of A any more.
    assert not CareLink.objects.filter(person=person).exists()
    assert not access.can_open(clinician, person)
    # Everyone else's records stay, and so does the audit log (append-only).
    assert Measurement.objects.filter(person=client_b.person).count() == b_measures
    assert Measurement.objects.filter(person=personal_person()).count() == 3
    assert AuditEvent.objects.filter(person_id=person.pk).exists()


def test_a_wrong_confirmation_deletes_nothing(client: Client, client_a: Any) -> None:
    before = Measurement.objects.filter(person=client_a.person).count()
    response = sign_in(client, client_a).post("/data/delete/", {})
    assert response.status_code == 400
    assert Measurement.objects.filter(person=client_a.person).count() == before


def test_the_data_pages_describe_the_clinic_not_this_computer(
    client: Client, client_a: Any
) -> None:
    signed_in = sign_in(client, client_a)
    for url in ("/data/", "/data/delete/", "/settings/"):
        page = signed_in.get(url).content.decode()
        assert "this computer" not in page, url
    assert (
        "the clinicians you share with will no longer see anything"
        in signed_in.get("/data/delete/").content.decode()
    )
