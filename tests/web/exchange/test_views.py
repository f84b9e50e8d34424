"""The "Your data" pages: export, import with preview, delete everything."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.test import Client
from fhir.resources.R4B.bundle import Bundle

from therapycheck.web.accounts.models import Person, SafetyEvent
from therapycheck.web.exchange import services
from therapycheck.web.tracking.models import Measurement

from .conftest import snapshot, store_measurement

pytestmark = pytest.mark.django_db


def _upload(client: Client, data: bytes, name: str = "export.json") -> Any:
    return client.post("/data/import/", {"file": SimpleUploadedFile(name, data)})


def _export(client: Client) -> bytes:
    response = client.get("/data/export/fhir/")
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_data_page_offers_export_import_and_delete(client: Client, stored: Person) -> None:
    page = client.get("/data/").content.decode()
    assert "You have 4 questionnaires, 1 journal entry and 1 check-up saved." in " ".join(
        page.split()
    )
    for url in ("/data/export/fhir/", "/data/export/csv/", "/data/import/", "/data/delete/"):
        assert f'"{url}"' in page


def test_the_fhir_export_is_a_valid_bundle_with_everything(client: Client, stored: Person) -> None:
    response = client.get("/data/export/fhir/")
    assert response["Content-Type"] == "application/fhir+json"
    assert response["Content-Disposition"].startswith('attachment; filename="therapycheck-')
    bundle = json.loads(response.content)
    Bundle.model_validate(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("QuestionnaireResponse") == 4
    assert kinds.count("DocumentReference") == 2  # the check-up and the report note


def test_the_export_keeps_a_safety_flagged_measurement_intact(
    client: Client, stored: Person
) -> None:
    bundle = json.loads(_export(client))
    flags = [
        c["code"]
        for e in bundle["entry"]
        for i in e["resource"].get("interpretation", [])
        for c in i["coding"]
        if c["system"].endswith("/flag")
    ]
    assert flags.count("safety") == 1
    responses = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    assert [
        r["item"][8]["answer"][0]["valueInteger"] for r in responses if len(r["item"]) == 9
    ] == [0, 1]


def test_the_csv_export_is_a_zip_of_one_csv_per_kind(client: Client, stored: Person) -> None:
    response = client.get("/data/export/csv/")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == {
        "README.txt",
        "measurements.csv",
        "journal.csv",
        "checkups.csv",
        "report_note.txt",
    }
    lines = archive.read("measurements.csv").decode().splitlines()
    assert lines[0].startswith("client_id,session,instrument,score,date")
    assert len(lines) == 5


def test_export_delete_import_restores_everything(client: Client, stored: Person) -> None:
    before = snapshot(stored)
    exported = _export(client)
    assert client.post("/data/delete/", {"confirm": "on"}).status_code == 302
    assert snapshot(stored)["measurements"] == []
    preview = _upload(client, exported)
    assert preview.status_code == 200
    assert client.post("/data/import/confirm/").status_code == 302
    after = snapshot(stored)
    # The safety event comes back from the flagged answer; the rest is identical.
    assert after == before


def test_an_upload_shows_a_preview_and_saves_nothing_yet(client: Client, stored: Person) -> None:
    exported = _export(client)
    client.post("/data/delete/", {"confirm": "on"})
    empty = snapshot(stored)
    page = _upload(client, exported).content.decode()
    assert "Check before you import" in page
    assert "<td>4</td>" in page and "<td>1</td>" in page
    assert "thoughts of death or self-harm" in page  # the flagged PHQ-9 is announced
    assert snapshot(stored) == empty


def test_cancelling_a_previewed_import_changes_nothing(client: Client, stored: Person) -> None:
    exported = _export(client)
    client.post("/data/delete/", {"confirm": "on"})
    empty = snapshot(stored)
    _upload(client, exported)
    client.post("/data/import/cancel/")
    assert client.post("/data/import/confirm/").status_code == 302
    assert snapshot(stored) == empty


def test_duplicates_are_skipped_with_a_message(client: Client, stored: Person) -> None:
    before = snapshot(stored)
    page = _upload(client, _export(client)).content.decode()
    assert "PHQ-9" in page and "already saved, skipped." in page
    assert "There is nothing new in this file." in page
    response = client.post("/data/import/confirm/", follow=True)
    assert "Imported 0 questionnaires" in response.content.decode()
    assert snapshot(stored) == before


def test_a_csv_import_adds_the_new_rows_only(client: Client, stored: Person) -> None:
    before = Measurement.objects.count()
    csv_text = (
        "client_id,session,instrument,score,date,item_1,item_2,item_3,item_4,item_5,item_6,item_7\n"
        "me,1,gad7,10,2025-01-13,2,2,2,1,1,1,1\n"  # already stored (same date and answers)
        "me,3,gad7,3,2025-01-27,1,1,1,0,0,0,0\n"
    )
    page = _upload(client, csv_text.encode(), "measurements.csv").content.decode()
    assert "already saved, skipped." in page
    client.post("/data/import/confirm/")
    assert Measurement.objects.count() == before + 1
    added = Measurement.objects.get(session_number=3)
    assert (added.total, added.answers) == (3, [1, 1, 1, 0, 0, 0, 0])


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"{ not json", "export.json", "not valid JSON"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff", "photo.png", "looks binary"),
        (b'{"resourceType": "Patient"}', "p.json", "not a FHIR Bundle"),
        (
            b"instrument,date,item_1,item_2\ngad2,2025-02-01,1,2\ngad2,2025-02-02,9,2\n",
            "m.csv",
            "line 3",
        ),
        (b"\xff\xfe\xfd not text at all", "x.csv", "not UTF-8"),
    ],
)
def test_a_bad_file_gets_a_clear_error_and_nothing_is_saved(
    client: Client, stored: Person, data: bytes, name: str, words: str
) -> None:
    before = snapshot(stored)
    response = _upload(client, data, name)
    assert response.status_code == 400
    page = response.content.decode()
    assert "We could not import that file" in page and words in page
    assert "Nothing was saved" in page
    assert snapshot(stored) == before


def test_a_csv_with_a_bad_row_saves_none_of_the_good_rows(client: Client, person: Person) -> None:
    csv_text = (
        b"session,instrument,date,item_1,item_2\n1,gad2,2025-02-01,1,2\n2,gad2,2025-02-08,1,x\n"
    )
    response = _upload(client, csv_text, "m.csv")
    assert "line 3: item_2" in response.content.decode()
    assert Measurement.objects.count() == 0


def test_a_file_over_the_limit_is_refused(
    client: Client, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 100)
    monkeypatch.setattr("therapycheck.web.exchange.forms.MAX_UPLOAD_BYTES", 100)
    response = _upload(client, b"{" + b" " * 200 + b"}")
    assert response.status_code == 400
    assert "too large" in response.content.decode()


def test_no_file_asks_for_one(client: Client, person: Person) -> None:
    response = client.post("/data/import/", {})
    assert response.status_code == 400
    assert "Choose a file to import." in response.content.decode()


def test_a_failure_while_saving_rolls_the_whole_import_back(
    client: Client, stored: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    exported = _export(client)
    client.post("/data/delete/", {"confirm": "on"})
    empty = snapshot(stored)
    _upload(client, exported)

    def broken(*args: Any) -> None:
        raise IntegrityError("disk trouble")

    monkeypatch.setattr(services, "_raise_safety", broken)
    response = client.post("/data/import/confirm/")
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert snapshot(stored) == empty


def test_importing_a_safety_flagged_answer_shows_the_crisis_banner(
    client: Client, stored: Person
) -> None:
    exported = _export(client)
    client.post("/data/delete/", {"confirm": "on"})
    _upload(client, exported)
    client.post("/data/import/confirm/")
    event = SafetyEvent.objects.get(person=stored)
    assert "An imported PHQ-9 from 20 January 2025" in event.reasons[0]


def test_confirming_with_nothing_waiting_changes_nothing(client: Client, stored: Person) -> None:
    before = snapshot(stored)
    response = client.post("/data/import/confirm/", follow=True)
    assert "nothing waiting to be imported" in response.content.decode()
    assert snapshot(stored) == before


def test_opening_the_delete_page_deletes_nothing(client: Client, stored: Person) -> None:
    before = snapshot(stored)
    page = client.get("/data/delete/").content.decode()
    assert "cannot be undone" in page
    assert snapshot(stored) == before


def test_deleting_without_ticking_the_box_deletes_nothing(client: Client, stored: Person) -> None:
    before = snapshot(stored)
    response = client.post("/data/delete/", {})
    assert response.status_code == 400
    assert "Tick the box to confirm" in response.content.decode()
    assert snapshot(stored) == before


def test_delete_removes_every_record_and_resets_the_crisis_banner(
    client: Client, stored: Person, other_person: Person
) -> None:
    store_measurement(other_person, "phq9", (0, 0, 0, 0, 0, 0, 0, 0, 1), 1)
    other_before = snapshot(other_person)
    stored.crisis_acknowledged_event_id = 1
    stored.save()
    response = client.post("/data/delete/", {"confirm": "on"}, follow=True)
    assert "Your data is deleted" in response.content.decode()
    assert snapshot(stored) == {
        "measurements": [],
        "journal": [],
        "checkups": [],
        "note": [],
        "safety_events": 0,
    }
    stored.refresh_from_db()
    assert stored.crisis_acknowledged_at is None and stored.crisis_acknowledged_event_id is None
    assert snapshot(other_person) == other_before


def test_the_import_address_only_takes_posts(client: Client, person: Person) -> None:
    assert client.get("/data/import/").status_code == 302
    assert client.get("/data/import/confirm/").status_code == 405


def test_an_imported_unfinished_check_up_never_makes_a_second_one(
    client: Client, person: Person
) -> None:
    # A person may have only one unfinished check-up (a database constraint); an import
    # that brings another one keeps theirs instead of failing.
    from django.utils import timezone

    from therapycheck.web.checkups.models import Checkup

    earlier = timezone.now().replace(microsecond=0) - dt.timedelta(days=3)
    Checkup.objects.create(
        person=person, answers={"answers": {}}, started_at=earlier, updated_at=earlier
    )
    exported = _export(client)
    Checkup.objects.filter(person=person).delete()
    now = timezone.now()
    mine = Checkup.objects.create(
        person=person, answers={"answers": {"sessions": 3}}, started_at=now, updated_at=now
    )
    page = _upload(client, exported).content.decode()
    assert "you already have an unfinished check-up; kept yours." in page
    assert client.post("/data/import/confirm/").status_code == 302
    unfinished = Checkup.objects.filter(person=person, status=Checkup.Status.IN_PROGRESS)
    assert list(unfinished) == [mine]
