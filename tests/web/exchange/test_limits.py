"""Export always re-imports: no import limit below what the app itself can write.

The largest export the app can produce is bounded by its caps (one questionnaire per
instrument and session, one journal entry per session with capped text, a capped note,
at most MAX_CHECKUPS check-ups); the first test adds up the heaviest record of each kind
and checks the total stays under the import limit. The second takes a heavy person (over
10 MB of export) through export, delete everything and import, and finds them unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.corpus import corpus, full_answers
from therapycheck.core.checkup import question_bank
from therapycheck.core.instruments import all_instruments
from therapycheck.core.report import checkup_report
from therapycheck.interop import export_bundle
from therapycheck.interop._instruments import scored_measurement
from therapycheck.interop.records import (
    CheckupRecord,
    ExchangeRecords,
    JournalRecord,
    MeasurementRecord,
)
from therapycheck.web.accounts.models import Person
from therapycheck.web.checkups.models import MAX_CHECKUPS, Checkup
from therapycheck.web.exchange import convert
from therapycheck.web.exchange.services import MAX_UPLOAD_BYTES
from therapycheck.web.reports.models import NOTE_MAX_LENGTH, ReportNote
from therapycheck.web.tracking.models import (
    MAX_SESSION,
    NOTES_MAX_LENGTH,
    TOPICS_MAX_LENGTH,
    JournalEntry,
    Measurement,
)

from .conftest import snapshot

# The character that costs most in the export's JSON: a control character, "\u0001".
COSTLIEST = "\x01"
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def exported_bytes(records: ExchangeRecords) -> int:
    """Bytes of the export the web app hands out for these records."""
    return len(json.dumps(export_bundle(records), ensure_ascii=False, indent=2).encode())


def worst_check_up() -> CheckupRecord:
    """Every question answered with the most options, and the longest possible history."""
    doc = full_answers()
    for question in question_bank().visible(doc["answers"]):
        if question.type == "multi":
            alone = {"none", "not_sure", "prefer_not"}
            doc["answers"][question.id] = [o.id for o in question.options if o.id not in alone]
    doc["history"] = {
        inst.id: [{"session": s, "score": inst.max} for s in range(MAX_SESSION + 1)]
        for inst in all_instruments()
    }
    result = checkup_report(doc, country="GB").to_dict()
    return CheckupRecord("completed", doc, NOW, result, NOW)


def test_the_largest_export_the_caps_allow_is_under_the_import_limit() -> None:
    empty = exported_bytes(ExchangeRecords())
    total = empty
    for inst in all_instruments():
        highest = tuple(max(o.value for o in inst.item_options(i.number)) for i in inst.items)
        one = scored_measurement(inst.id, highest, NOW.date(), MAX_SESSION)
        total += (exported_bytes(ExchangeRecords(measurements=(one,))) - empty) * (MAX_SESSION + 1)
    entry = JournalRecord(
        date=NOW.date(),
        session_number=MAX_SESSION,
        feeling_before=10,
        feeling_after=10,
        topics=COSTLIEST * TOPICS_MAX_LENGTH,
        avoided_topics=COSTLIEST * TOPICS_MAX_LENGTH,
        homework="not_done",
        notes=COSTLIEST * NOTES_MAX_LENGTH,
    )
    total += (exported_bytes(ExchangeRecords(journal=(entry,))) - empty) * (MAX_SESSION + 1)
    check_up = exported_bytes(ExchangeRecords(checkups=(worst_check_up(),))) - empty
    total += check_up * MAX_CHECKUPS
    total += exported_bytes(ExchangeRecords(report_note=COSTLIEST * NOTE_MAX_LENGTH)) - empty
    assert total < MAX_UPLOAD_BYTES, f"{total:,} bytes possible, {MAX_UPLOAD_BYTES:,} accepted"


# --- a heavy person --------------------------------------------------------------------

SESSIONS = 220
CHECKUPS = 24


def heavy_person(person: Person) -> None:
    """Every questionnaire after each of 220 sessions, a long journal, 24 check-ups."""
    rng = random.Random(13)
    measurements: list[MeasurementRecord] = []
    for inst in all_instruments():
        calm = set(inst.safety_items)  # risk items answered 0: no crisis banner to compare
        for session in range(SESSIONS):
            answers = tuple(
                0 if item.number in calm else rng.choice(inst.item_options(item.number)).value
                for item in inst.items
            )
            day = dt.date(2020, 1, 6) + dt.timedelta(weeks=session)
            measurements.append(scored_measurement(inst.id, answers, day, session))
    Measurement.objects.bulk_create(convert.new_measurement(person, m) for m in measurements)
    JournalEntry.objects.bulk_create(
        convert.new_journal_entry(
            person,
            JournalRecord(
                date=dt.date(2020, 1, 7) + dt.timedelta(weeks=s),
                session_number=s,
                feeling_before=rng.randint(0, 10),
                feeling_after=rng.randint(0, 10),
                topics="work, sleep, my sister, the move, money",
                avoided_topics="what happened in March",
                homework=rng.choice(["done", "partly", "not_done", "none_set", ""]),
                notes=" ".join(rng.choice(["I felt", "calmer", "tired", "unsure,", "hopeful."])
                               for _ in range(300)),
            ),
        )
        for s in range(SESSIONS)
    )  # fmt: skip
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=CHECKUPS * 30)
    for n, doc in enumerate(corpus(CHECKUPS, seed=5)):
        started = start + dt.timedelta(days=30 * n)
        result = json.loads(json.dumps(checkup_report(doc, country="GB").to_dict()))
        record = CheckupRecord(
            "completed", doc, started, result, started + dt.timedelta(minutes=12)
        )
        convert.new_checkup(person, record).save()
    ReportNote.objects.create(person=person, text="Bring up the sleep diary. " * 70)


@pytest.mark.django_db
def test_a_heavy_persons_export_deletes_and_imports_back_identical(
    client: Client, person: Person
) -> None:
    heavy_person(person)
    before = snapshot(person)
    exported = client.get("/data/export/fhir/").content
    assert len(exported) > 10 * 1024 * 1024  # heavier than the 6 MB export that was refused
    assert client.post("/data/delete/", {"confirm": "on"}).status_code == 302
    assert Checkup.objects.filter(person=person).count() == 0
    preview: Any = client.post(
        "/data/import/", {"file": SimpleUploadedFile("therapycheck.fhir.json", exported)}
    )
    assert preview.status_code == 200, preview.content[:600]
    assert client.post("/data/import/confirm/").status_code == 302
    assert snapshot(person) == before
